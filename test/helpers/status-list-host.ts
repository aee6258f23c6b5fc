/**
 * Status lists on loopback for tests that verify over HTTP: a host that answers each path as the
 * test says (a signed list, a silent socket, a bomb), counting the requests, and the two fixtures
 * such tests share: a revocation list of the service's own DID, signed for real with `change`
 * applied first, and a vc+jwt of the service whose status entry points into a list.
 *
 * ```ts
 * const host = await startStatusListHost();
 * const url = host.url('/lists/a');
 * const list = await signedRevocationList(svc.service, url);
 * host.routes.set('/lists/a', (res) => res.setHeader('content-type', 'application/vc+jwt').end(list.jwt));
 * const jwt = await credentialListedAt(svc.service, url, '5');
 * ```
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from '../../src/credentials/index.js';
import type { IssuedCredential } from '../../src/issuing/index.js';
import type { Service } from '../../src/service.js';
import { buildStatusListCredential } from '../../src/status-lists/credential.js';
import { unscopedIssuer } from './unscoped-signing.js';

const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
/** The W3C minimum list: 131,072 entries. */
export const MIN_LIST_BYTES = 16 * 1024;

export interface StatusListHost {
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** What the host answers at a path (its query string ignored). */
  routes: Map<string, (res: ServerResponse) => void>;
  /** Requests received per path, query string included. */
  hits: Map<string, number>;
  close(): Promise<void>;
}

/** `unrouted`: what a path with no route gets, a 404 or no answer at all (a host that hangs). */
export async function startStatusListHost(options: { unrouted?: 'not-found' | 'never-answers' } = {}): Promise<StatusListHost> {
  const routes = new Map<string, (res: ServerResponse) => void>();
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(new URL(path, 'http://localhost').pathname);
    if (route !== undefined) route(res);
    else if (options.unrouted !== 'never-answers') res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => `${origin}${path}`,
    routes,
    hits,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A revocation list at `url` issued by the service's did:web, `change` applied before it is signed. */
export async function signedRevocationList(
  service: Service,
  url: string,
  options: { format?: 'vc+jwt' | 'ldp_vc'; bits?: Uint8Array; change?: (list: JsonObject) => void } = {},
): Promise<IssuedCredential> {
  const list = buildStatusListCredential({ list: { id: 'x', purpose: 'revocation', bits: options.bits ?? new Uint8Array(MIN_LIST_BYTES) }, url, issuer: service.keyring.did, now: new Date() });
  options.change?.(list);
  // ES256 or eddsa: verified in well under a second, where a pool thread's first start might not be.
  return unscopedIssuer(service).issueCredential(list, options.format === 'ldp_vc' ? { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } : { format: 'vc+jwt', alg: 'ES256' });
}

/** A vc+jwt of the service with a revocation entry at `index` of the list at `listUrl`. */
export async function credentialListedAt(service: Service, listUrl: string, index: unknown = '5'): Promise<string> {
  const credential = {
    '@context': [VC_V2],
    type: ['VerifiableCredential'],
    credentialSubject: { id: 'did:example:holder' },
    credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: index, statusListCredential: listUrl },
  };
  const issued = await unscopedIssuer(service).issueCredential(credential, { format: 'vc+jwt', alg: 'ES256' });
  if (issued.format !== 'vc+jwt') throw new Error('expected a JWT');
  return issued.jwt;
}

/** The compact JWT of an issued vc+jwt. */
export function jwtOf(issued: IssuedCredential): string {
  if (issued.format !== 'vc+jwt') throw new Error('expected a JWT');
  return issued.jwt;
}
