/**
 * A status-list world on loopback: the real service (keys, did:web, issuer, core verifier), a
 * real SQLite store, the status list routes on their own HTTP server, a second server that serves
 * whatever a test puts at a path (forged, short, redirected lists), and a clock tests can advance.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../../src/clock.js';
import type { JsonObject } from '../../src/credentials/index.js';
import { serveRoutes } from '../../src/http/app.js';
import { statusListRoutes } from '../../src/http/routes/status-lists.js';
import { bindRoutes } from '../../src/http/route.js';
import { SERVICE_CALLER } from '../../src/issuing/signing-policy.js';
import { StatusListAllocator, type StatusListPurpose } from '../../src/status-lists/allocator.js';
import { createStatusCheck, type SignedListDocument, type StatusCheckOptions } from '../../src/status-lists/check-status.js';
import { createStatusListPublisher, type SignedStatusList, type StatusListPublisher } from '../../src/status-lists/credential.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { createVerifier, type CredentialStatusCheck, type StatusCheckContext, type Verifier } from '../../src/verifying/index.js';

/** A status check called directly by a test: the service's verifier stands in for the asking one. */
export type DirectStatusCheck = (credential: Parameters<CredentialStatusCheck>[0], context: Omit<StatusCheckContext, 'verifyListCredential'> & Partial<StatusCheckContext>) => ReturnType<CredentialStatusCheck>;
import { dataIntegrityFormat } from '../../src/formats/data-integrity/verify.js';
import { joseFormat } from '../../src/formats/jose/verify.js';
import { startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';
import { recordCodecs } from '../../src/record-codecs.js';

export const VC_V2 = 'https://www.w3.org/ns/credentials/v2';

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

export type Route = (res: ServerResponse) => void;

export interface StatusWorld {
  running: RunningService;
  store: Store;
  allocator: StatusListAllocator;
  publisher: StatusListPublisher;
  /** Base URL of the status list routes. */
  listsUrl: string;
  /** Base URL of the scripted server; `routes` maps a path to its answer, `hits` counts requests. */
  scriptedUrl: string;
  routes: Map<string, Route>;
  hits: Map<string, number>;
  connections: () => number;
  /** Verifies credentials with the status check fetching lists over loopback HTTP. */
  verifier: Verifier;
  statusCheck: DirectStatusCheck;
  makeStatusCheck(overrides?: Partial<StatusCheckOptions>): DirectStatusCheck;
  clock: Clock;
  advance(ms: number): void;
  issue(options: { purposes: StatusListPurpose[]; format?: 'ldp_vc' | 'vc+jwt'; issuedBy?: string }): Promise<{ id: string; verifiable: JsonObject | string }>;
  dispose(): Promise<void>;
}

export function signedDocument(signed: SignedStatusList): SignedListDocument {
  return signed.format === 'vc+jwt' ? signed.jwt : signed.verifiableCredential;
}

export async function createStatusWorld(): Promise<StatusWorld> {
  let offset = 0;
  const clock: Clock = () => new Date(Date.now() + offset);
  const running = await startService({}, { clock });
  const { service } = running;
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-status-'));
  const store = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'gx-trust.db'), clock });

  // The status list routes of the route table, served by the real request pipeline; any bearer
  // token is a member of that name ('admin' an admin), so ownership decides what each may change.
  const served: { listener?: (req: IncomingMessage, res: ServerResponse) => void } = {};
  const lists = await listen((req, res) => served.listener?.(req, res));
  const allocator = new StatusListAllocator({ store, baseUrl: lists.url, issuers: service.statusListIssuers });
  const publisher = createStatusListPublisher({ store, signer: service.signing.signerFor('status-lists'), caller: SERVICE_CALLER, issuers: service.statusListIssuers, baseUrl: lists.url, clock });
  served.listener = serveRoutes({
    routes: bindRoutes(statusListRoutes, { store, statusListPublisher: publisher }),
    authenticator: { authenticate: async (token) => (token === 'admin' ? { actor: 'admin', role: 'admin' } : { actor: token, role: 'member' }) },
    bodyLimitBytes: 256 * 1024,
  }).listener;

  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  let connections = 0;
  const scripted = await listen((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route === undefined) {
      res.statusCode = 404;
      res.end();
      return;
    }
    route(res);
  });
  scripted.server.on('connection', () => connections++);

  // Called directly, the check is handed the service's verifier, as a verifier hands itself over.
  const makeStatusCheck = (overrides: Partial<StatusCheckOptions> = {}): DirectStatusCheck => {
    const check = createStatusCheck({ testMode: true, clock, ...overrides });
    return (credential, context) => check(credential, { verifyListCredential: (list) => service.verifier.verifyCredential(list), ...context });
  };
  const statusCheck = makeStatusCheck();
  const verifier = createVerifier({
    resolver: service.resolver,
    documentLoader: service.documentLoader,
    clock,
    clockSkewSeconds: 0,
    formats: [joseFormat, dataIntegrityFormat],
    checkStatus: statusCheck,
    // The deadline is the service's answer to slow peers, not under test here: on a loaded machine
    // signing and reading a list can take longer than the 5 s default, which would report CHECK_NOT_RUN.
    deadlineMs: 60_000,
  });

  return {
    running,
    store,
    allocator,
    publisher,
    listsUrl: lists.url,
    scriptedUrl: scripted.url,
    routes,
    hits,
    connections: () => connections,
    verifier,
    statusCheck,
    makeStatusCheck,
    clock,
    advance: (ms) => {
      offset += ms;
    },
    async issue({ purposes, format = 'ldp_vc', issuedBy = 'member-a' }) {
      const id = `urn:uuid:${randomUUID()}`;
      const allocations = [];
      for (const purpose of purposes) allocations.push(await allocator.allocate(id, purpose));
      const credential = {
        '@context': [VC_V2],
        id,
        type: ['VerifiableCredential'],
        credentialSubject: { id: 'did:example:holder' },
        credentialStatus: allocations.map((a) => allocator.statusEntry(a, a.purpose)),
      };
      const issued = await unscopedIssuer(service, clock).issueCredential(credential, { format });
      const text = issued.format === 'vc+jwt' ? issued.jwt : JSON.stringify(issued.verifiableCredential);
      const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
      await store.recordIssuance({
        credential: {
          id,
          types: ['VerifiableCredential'],
          subject: 'did:example:holder',
          issuer: service.keyring.did,
          format: issued.format === 'vc+jwt' ? 'vc+jwt' : 'eddsa-rdfc-2022',
          digest,
          statusEntries: allocations.map(({ listId, index, purpose }) => ({ listId, index, purpose })),
          issuedBy,
          credential: text,
        },
        // As the allocator gave them: an index from its block names the holder it was reserved under.
        allocations: allocations.map(({ purpose: _purpose, ...allocation }) => allocation),
        audit: { actor: issuedBy, action: 'credential.issued', subject: id, digests: { credential: digest } },
      });
      return { id, verifiable: issued.format === 'vc+jwt' ? issued.jwt : issued.verifiableCredential };
    },
    async dispose() {
      await close(scripted.server);
      await close(lists.server);
      await store.close();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postStatus(
  world: StatusWorld,
  body: unknown,
  /** The bearer token; null sends no Authorization header. */
  token: string | null = 'member-a',
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${world.listsUrl}/credentials/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export function statusBody(credentialId: string, status: 'revoked' | 'suspended' | 'active'): unknown {
  return { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] };
}
