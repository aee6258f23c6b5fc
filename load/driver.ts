/**
 * The load driver behind `npx tsx load/index.ts` (npm run load): drives a running gx-trust over
 * loopback with a closed-loop generator (N connections, each sending its next request when the
 * last answered) and, for the adversarial share and the health probe, an open-loop one (a fixed
 * rate whatever the answers), for a bounded time per scenario. Latencies are kept per request
 * kind, so the benign traffic's p99 can be read apart from the adversarial traffic mixed into it.
 *
 * Our own generator rather than autocannon: autocannon reports one latency histogram per run, and
 * the adversarial scenario needs the benign requests' own percentiles.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHistogram, monitorEventLoopDelay, type RecordableHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { setPriority } from 'node:os';
import { importJWK, jwtVerify, type JWK } from 'jose';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { createDocumentLoader } from '../src/document-loader/index.js';
import { rawDocumentLoader } from '../bench/raw-document-loader.js';

export interface EventLoopProbe {
  reset(): Promise<void>;
  p99Ms(): Promise<number>;
  /** CPU seconds the server used since reset (every thread), when it can tell. */
  cpuSeconds?(): Promise<number>;
}

/** A running gx-trust to drive. */
export interface Target {
  url: string;
  apiKey: string;
  /** The service's did:web: issued fixtures name it as their issuer (the VC-API signs as no default). */
  did: string;
  label: string;
  eventLoop: EventLoopProbe;
  close(): Promise<void>;
}

/** Starts gx-trust in a child process (load/server.ts) with `env` on top of the driver's environment. */
export async function startChildTarget(label: string, env: Record<string, string>): Promise<Target> {
  const child = fork(fileURLToPath(new URL('./server.ts', import.meta.url)), [], {
    // LOAD_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/p", to profile the servers.
    execArgv: ['--import', 'tsx', ...(process.env['LOAD_SERVER_NODE_ARGS']?.split(' ').filter(Boolean) ?? [])],
    // Request lines are written at LOAD_LOG_LEVEL (info by default, as deployed) to /dev/null. The
    // request-count limits are off (one connector key carries thousands of requests a second, and
    // every adversarial request is let in, so that its content is what the service has to withstand);
    // the anonymous share of canonicalization work stays at its default.
    env: { ...process.env, GX_ENV: 'development', GX_LOG_LEVEL: process.env['LOAD_LOG_LEVEL'] ?? 'info', GX_RATE_LIMIT_MAX: '0', GX_RATE_LIMIT_ANONYMOUS_MAX: '0', ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const next = (type: string) =>
    new Promise<any>((resolve, reject) => {
      const onMessage = (message: any) => {
        if (message?.type !== type) return;
        child.off('message', onMessage);
        child.off('exit', onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`the ${label} server exited (${code}) before answering ${type}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });
  const ready = await next('ready');
  return {
    url: ready.url,
    apiKey: ready.apiKey,
    did: ready.did,
    label,
    eventLoop: {
      async reset() {
        const answer = next('reset');
        child.send({ type: 'reset' });
        await answer;
      },
      async p99Ms() {
        const answer = next('stats');
        child.send({ type: 'stats' });
        return (await answer).eventLoopP99Ms as number;
      },
      async cpuSeconds() {
        const answer = next('stats');
        child.send({ type: 'stats' });
        return (await answer).cpuSeconds as number;
      },
    },
    async close() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.send({ type: 'stop' });
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000).unref())]);
      if (child.exitCode === null) child.kill();
    },
  };
}

/** Event-loop delay of this very process: for a service started in-process (the driver's test). */
export function inProcessEventLoop(): EventLoopProbe {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  return {
    async reset() {
      delay.reset();
    },
    async p99Ms() {
      return delay.percentile(99) / 1e6;
    },
  };
}

export interface RequestSpec {
  kind: string;
  method: 'GET' | 'POST';
  path: string;
  body?: string;
  headers?: Record<string, string>;
}

export interface KindResult {
  count: number;
  latency: RecordableHistogram;
  statuses: Map<number, number>;
  /** Network faults: resets, timeouts. */
  errors: number;
}

export interface RunResult {
  seconds: number;
  kinds: Map<string, KindResult>;
}

function kindOf(result: RunResult, kind: string): KindResult {
  let entry = result.kinds.get(kind);
  if (entry === undefined) {
    entry = { count: 0, latency: createHistogram(), statuses: new Map(), errors: 0 };
    result.kinds.set(kind, entry);
  }
  return entry;
}

function send(agent: Agent, base: URL, spec: RequestSpec, timeoutMs: number): Promise<{ status: number; ms: number }> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: base.hostname, port: base.port, method: spec.method, path: spec.path, headers: spec.headers, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Number(process.hrtime.bigint() - started) / 1e6 }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(spec.body);
  });
}

async function record(result: RunResult, agent: Agent, base: URL, spec: RequestSpec): Promise<void> {
  const entry = kindOf(result, spec.kind);
  try {
    const { status, ms } = await send(agent, base, spec, 30_000);
    entry.count += 1;
    entry.latency.record(Math.max(1, Math.round(ms * 1000))); // µs
    entry.statuses.set(status, (entry.statuses.get(status) ?? 0) + 1);
  } catch {
    entry.errors += 1;
  }
}

/** `connections` loops, each sending `pick()`'s next request once the previous one answered. */
export async function closedLoop(url: string, connections: number, seconds: number, pick: () => RequestSpec): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const base = new URL(url);
  const result: RunResult = { seconds, kinds: new Map() };
  const until = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < until) await record(result, agent, base, pick());
    }),
  );
  agent.destroy();
  return result;
}

/** `perSecond` requests a second, sent on time whether or not earlier ones answered. */
export async function openLoop(url: string, perSecond: number, seconds: number, pick: () => RequestSpec): Promise<RunResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const base = new URL(url);
  const result: RunResult = { seconds, kinds: new Map() };
  const pending = new Set<Promise<void>>();
  const start = Date.now();
  let sent = 0;
  while (Date.now() - start < seconds * 1000) {
    const due = Math.floor(((Date.now() - start) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const p = record(result, agent, base, pick()).finally(() => pending.delete(p));
      pending.add(p);
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(pending);
  agent.destroy();
  return result;
}

export interface Row {
  scenario: string;
  server: string;
  kind: string;
  'req/s': number;
  'p50 ms': string;
  'p99 ms': string;
  'p99.9 ms': string;
  '5xx': number;
  'net errors': number;
  statuses: string;
  'loop p99 ms': string;
}

export function rowsOf(scenario: string, server: string, run: RunResult, loopP99Ms: number | undefined, kinds?: string[]): Row[] {
  const rows: Row[] = [];
  const selected = kinds ?? [...run.kinds.keys()];
  const summary = (name: string, entries: KindResult[]): Row => {
    const latency = createHistogram();
    for (const entry of entries) latency.add(entry.latency);
    const statuses = new Map<number, number>();
    for (const entry of entries) for (const [status, n] of entry.statuses) statuses.set(status, (statuses.get(status) ?? 0) + n);
    const count = entries.reduce((n, e) => n + e.count, 0);
    const ms = (p: number) => (count === 0 ? '-' : (latency.percentile(p) / 1000).toFixed(2));
    return {
      scenario,
      server,
      kind: name,
      'req/s': Math.round(count / run.seconds),
      'p50 ms': ms(50),
      'p99 ms': ms(99),
      'p99.9 ms': ms(99.9),
      '5xx': [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0),
      'net errors': entries.reduce((n, e) => n + e.errors, 0),
      statuses: [...statuses].sort(([a], [b]) => a - b).map(([s, c]) => `${s}:${c}`).join(' '),
      'loop p99 ms': loopP99Ms === undefined ? '-' : loopP99Ms.toFixed(1),
    };
  };
  const entries = selected.map((k) => run.kinds.get(k)).filter((e): e is KindResult => e !== undefined);
  if (entries.length > 1) rows.push(summary('all', entries));
  for (const k of selected) {
    const entry = run.kinds.get(k);
    if (entry !== undefined) rows.push(summary(k, [entry]));
  }
  return rows;
}

/* ------------------------------------------------------------------------------------------ */

export interface Fixtures {
  jwts: string[];
  dataIntegrity: Record<string, unknown>[];
}

const makeCredential = (issuer: string, n: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${n}.example`, 'gx:countryCode': 'DE', 'gx:legalName': `Member ${n} GmbH` },
  validUntil: new Date(Date.now() + 180 * 86_400_000).toISOString(),
});

async function post(url: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

/** Pre-issued credentials, all different, so verification is not one repeated input. */
export async function issueFixtures(target: Target, counts: { jwt: number; dataIntegrity: number }): Promise<Fixtures> {
  const auth = { authorization: `Bearer ${target.apiKey}` };
  const jwts: string[] = [];
  const dataIntegrity: Record<string, unknown>[] = [];
  for (let n = 0; n < counts.jwt; n++) {
    const r = await post(`${target.url}/credentials/issue`, { credential: makeCredential(target.did, n), options: { format: 'vc+jwt', alg: 'ES256' } }, { ...auth, accept: 'application/vc+jwt' });
    if (r.status !== 201) throw new Error(`issuing a vc+jwt fixture: ${r.status} ${r.text}`);
    jwts.push(r.text.trim());
  }
  for (let n = 0; n < counts.dataIntegrity; n++) {
    const r = await post(`${target.url}/credentials/issue`, { credential: makeCredential(target.did, 10_000 + n), options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } }, auth);
    if (r.status !== 201) throw new Error(`issuing a Data Integrity fixture: ${r.status} ${r.text}`);
    dataIntegrity.push(JSON.parse(r.text).verifiableCredential);
  }
  return { jwts, dataIntegrity };
}

const pickOne = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** The Authorization header of a connector's key, when the benign traffic carries one. */
const bearer = (apiKey: string | undefined): Record<string, string> => (apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` });

export const verifyJwt = (jwts: readonly string[], apiKey?: string) => (): RequestSpec => ({
  kind: 'verify vc+jwt',
  method: 'POST',
  path: '/credentials/verify',
  body: pickOne(jwts),
  headers: { 'content-type': 'application/vc+jwt', ...bearer(apiKey) },
});

export const verifyDataIntegrity = (credentials: readonly Record<string, unknown>[], apiKey?: string) => {
  const bodies = credentials.map((c) => JSON.stringify({ verifiableCredential: c }));
  const headers = { 'content-type': 'application/json', ...bearer(apiKey) };
  return (): RequestSpec => ({ kind: 'verify eddsa-rdfc-2022', method: 'POST', path: '/credentials/verify', body: pickOne(bodies), headers });
};

/** 70 % vc+jwt, 30 % eddsa-rdfc-2022 (the issue's mix). */
export function verifyMix(fixtures: Fixtures, apiKey?: string): () => RequestSpec {
  const jwt = verifyJwt(fixtures.jwts, apiKey);
  const di = verifyDataIntegrity(fixtures.dataIntegrity, apiKey);
  return () => (Math.random() < 0.7 ? jwt() : di());
}

/**
 * A connector member of `target` and an API key of its own (role connector): the benign
 * verification traffic is a data-space connector's, which verifies with its key. (Anonymous callers
 * get a small share of canonicalization work, GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS.)
 */
export async function connectorKey(target: Target): Promise<string> {
  const admin = { authorization: `Bearer ${target.apiKey}` };
  const member = await post(`${target.url}/members`, { slug: `load-connector-${randomUUID().slice(0, 8)}`, name: 'Load Connector GmbH' }, admin);
  if (member.status !== 201) throw new Error(`creating the connector member: ${member.status} ${member.text}`);
  const key = await post(`${target.url}/members/${(JSON.parse(member.text) as { id: string }).id}/api-keys`, { role: 'connector' }, admin);
  if (key.status !== 201) throw new Error(`creating the connector key: ${key.status} ${key.text}`);
  return (JSON.parse(key.text) as { apiKey: string }).apiKey;
}

export function issuance(target: Target): () => RequestSpec {
  let n = 0;
  return () => ({
    kind: 'issue eddsa-rdfc-2022 (stored + audited)',
    method: 'POST',
    path: '/credentials/issue',
    body: JSON.stringify({ credential: makeCredential(target.did, 100_000 + n++) }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
  });
}

/** PS256 (RSA) vc+jwt issuance: the signing the worker pool takes off the event loop. */
export function issuancePs256(target: Target): () => RequestSpec {
  let n = 0;
  return () => ({
    kind: 'issue vc+jwt PS256 (stored + audited)',
    method: 'POST',
    path: '/credentials/issue',
    body: JSON.stringify({ credential: makeCredential(target.did, 500_000 + n++), options: { format: 'vc+jwt', alg: 'PS256' } }),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
  });
}

export const health = (): RequestSpec => ({ kind: 'GET /health', method: 'GET', path: '/health' });

/**
 * A graph of blank nodes that all look alike (each links to every other): canonicalizing it is
 * the work rdf-canonize's work factor bounds. Kept with a real credential's proof, so the
 * verifier must canonicalize before it can tell the signature is wrong.
 */
export function poisonGraph(template: Record<string, unknown>, nodes = 12, nonce: number | string = 0): Record<string, unknown> {
  const ids = Array.from({ length: nodes }, (_, i) => `_:b${i}`);
  return {
    ...template,
    // A different input each time, as an attacker would send: the result cache cannot absorb it.
    'https://w3id.org/gx-trust/load#nonce': nonce,
    credentialSubject: ids.map((id) => ({ '@id': id, 'https://w3id.org/gx-trust/load#linkedTo': ids.filter((other) => other !== id).map((other) => ({ '@id': other })) })),
  };
}

/** A loopback did:web host that holds every request for `delayMs`, then answers 404. */
export async function startSlowDidHost(delayMs: number): Promise<{ host: string; close(): Promise<void> }> {
  const server: Server = createServer((_req, res) => {
    const timer = setTimeout(() => res.writeHead(404).end(), delayMs);
    res.on('close', () => clearTimeout(timer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `localhost%3A${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** One kind of adversarial request, as the attacker (load/attacker.ts) sends it. */
export interface AdversarialRequest {
  kind: string;
  path: string;
  headers: Record<string, string>;
  /** The body of the `n`th request. */
  body(n: number): string;
}

/**
 * The adversarial share: poison graphs, bodies over the limit, issuers on a slow did:web host.
 * Poison graphs and slow DIDs differ on every send, so that neither the result cache nor the DID
 * cache (negative entries too) can absorb them.
 */
export function adversarialRequests(fixtures: Fixtures, slowHost: string, bodyLimitBytes: number): AdversarialRequest[] {
  const template = fixtures.dataIntegrity[0]!;
  const headers = { 'content-type': 'application/json' };
  const path = '/credentials/verify';
  // Serialized once around a marker; each send only splices in its number, prefixed with the run's
  // own id: numbers restart in every attacker process, inputs must not repeat.
  const run = randomUUID();
  const spliced = (document: unknown): ((n: number) => string) => {
    const [before, after] = JSON.stringify(document).split('@@n@@');
    return (n) => `${before}${run}-${n}${after}`;
  };
  const poison = spliced({ verifiableCredential: poisonGraph(template, 12, '@@n@@') });
  const oversized = JSON.stringify({ verifiableCredential: { ...template, padding: 'x'.repeat(bodyLimitBytes + 1024) } });
  const slowDid = (n: number) => `did:web:${slowHost}:slow-${run}-${n}`;
  const slow = (n: number) => JSON.stringify({ verifiableCredential: { ...template, issuer: slowDid(n), proof: { ...(template['proof'] as Record<string, unknown>), verificationMethod: `${slowDid(n)}#key-1` } } });
  const all: AdversarialRequest[] = [
    { kind: 'adversarial: poison graph', path, headers, body: poison },
    { kind: 'adversarial: oversized body', path, headers, body: () => oversized },
    { kind: 'adversarial: slow did:web host', path, headers, body: slow },
  ];
  // LOAD_ATTACK_KINDS (e.g. "0,2"): a subset, to measure one kind's share on its own.
  const wanted = process.env['LOAD_ATTACK_KINDS']?.split(',').map(Number);
  return wanted === undefined ? all : all.filter((_, i) => wanted.includes(i));
}

export interface AttackOrder {
  url: string;
  perSecond: number;
  seconds: number;
  fixtures: Fixtures;
  slowHost: string;
  bodyLimitBytes: number;
  server: string;
}

/** An attacker process, started and ready: `run()` sends the order's traffic and gives its rows. */
export interface Attacker {
  run(order: AttackOrder): Promise<{ rows: Row[]; cpuSeconds: number }>;
}

/**
 * Starts the adversarial share's process (load/attacker.ts). It is started before the measured
 * window, so that its start-up (a second or more to load tsx) is not inside the window: the benign
 * traffic is measured under attack for the whole window, not for its last part.
 */
export async function startAttacker(): Promise<Attacker> {
  const child = fork(fileURLToPath(new URL('./attacker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  // At the lowest priority: the attack's own CPU would be on the attacker's machine, not on the 2
  // cores the server and the benign generator share. The rows show the rate it still reached.
  if (child.pid !== undefined) setPriority(child.pid, Number(process.env['LOAD_ATTACKER_NICE'] ?? 19));
  const exited = new Promise<never>((_resolve, reject) => child.once('exit', (code) => reject(new Error(`the attacker process exited (${code}) before its rows`))));
  exited.catch(() => {});
  const message = (type: string) =>
    Promise.race([
      new Promise<{ type: string; rows?: Row[]; cpuSeconds?: number }>((resolve) => {
        const onMessage = (m: { type: string; rows?: Row[]; cpuSeconds?: number }) => {
          if (m.type !== type) return;
          child.off('message', onMessage);
          resolve(m);
        };
        child.on('message', onMessage);
      }),
      exited,
    ]);
  await message('ready');
  return {
    async run(order) {
      child.send(order);
      const answer = await message('rows');
      return { rows: answer.rows ?? [], cpuSeconds: answer.cpuSeconds ?? 0 };
    },
  };
}

/* ------------------------------------------------------------------------------------------ */

/** The raw libraries, in this process, on the same credentials: the yardsticks of the targets. */
export async function rawLibraryRates(target: Target, fixtures: Fixtures, seconds: number): Promise<{ joseJwtVerify: number; vcVerify: number }> {
  const didDocument = (await (await fetch(`${target.url}/.well-known/did.json`)).json()) as { id: string; verificationMethod: { id: string; publicKeyJwk?: JWK }[] };
  const firstKid = JSON.parse(Buffer.from(fixtures.jwts[0]!.split('.')[0]!, 'base64url').toString()).kid as string;
  const method = didDocument.verificationMethod.find((m) => firstKid.endsWith(m.id.slice(m.id.indexOf('#'))));
  if (method?.publicKeyJwk === undefined) throw new Error(`no JWK for ${firstKid}`);
  const key = await importJWK(method.publicKeyJwk, 'ES256');
  const documentLoader = rawDocumentLoader(createDocumentLoader(), didDocument);
  const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });

  async function rate(run: (i: number) => Promise<void>): Promise<number> {
    const warmUntil = Date.now() + Math.min(1500, seconds * 300);
    for (let i = 0; Date.now() < warmUntil; i++) await run(i);
    let count = 0;
    const start = process.hrtime.bigint();
    const until = Date.now() + seconds * 1000;
    while (Date.now() < until) await run(count++);
    return count / (Number(process.hrtime.bigint() - start) / 1e9);
  }
  const joseJwtVerify = await rate(async (i) => {
    await jwtVerify(fixtures.jwts[i % fixtures.jwts.length]!, key);
  });
  const vcVerify = await rate(async (i) => {
    const result = await vc.verifyCredential({ credential: fixtures.dataIntegrity[i % fixtures.dataIntegrity.length], suite, documentLoader });
    if (!result.verified) throw new Error('the raw @digitalbazaar/vc verification failed');
  });
  return { joseJwtVerify, vcVerify };
}

export async function probeRoute(target: Target, path: string): Promise<boolean> {
  const response = await fetch(`${target.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  await response.arrayBuffer();
  return response.status !== 404;
}

/* ------------------------------------------------------------------------------------------ */

/**
 * The 4-credential VP-JWT of bench/compliance.ts (LegalPerson, VAT id, Issuer, ServiceOffering,
 * each a PS256 vc+jwt under the gaia-x-danube profile), built over HTTP by the target itself, so
 * the signatures, x5c chains and DIDs are that server's own, whichever process it runs in. The
 * service signs Danube credentials only through onboarding (its signing policy), so they come from
 * POST /participants and /service-offerings and carry onboarding's revocation entries: each
 * decision also checks four statuses, against the service's own lists (read locally, cached). The
 * benchmark's fixture has no status entries.
 */
export async function compliancePresentation(target: Target): Promise<string> {
  const auth = { authorization: `Bearer ${target.apiKey}` };
  const did = ((await (await fetch(`${target.url}/.well-known/did.json`)).json()) as { id: string }).id;
  const context = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'];
  const validUntil = new Date(Date.now() + 180 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const address = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:locality': 'Berlin', 'vcard:postal-code': '10115' };
  const vc = (type: string, subject: Record<string, unknown>) => ({ '@context': context, type: ['VerifiableCredential', type], validUntil, credentialSubject: subject });
  const participant = [
    vc('gx:LegalPerson', { id: `${did}#lp`, type: 'gx:LegalPerson', 'schema:name': 'Load GmbH', 'gx:legalAddress': address, 'gx:headquartersAddress': address, 'gx:registrationNumber': { id: `${did}#vat` } }),
    vc('gx:VatID', { id: `${did}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' }),
    vc('gx:Issuer', { id: `${did}#issuer`, type: 'gx:Issuer', 'gx:gaiaxTermsAndConditions': '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515' }),
  ];
  const offering = vc('gx:ServiceOffering', {
    id: `${did}#service`, type: 'gx:ServiceOffering', 'schema:name': 'Inference API', 'gx:providedBy': { id: `${did}#lp` },
    'gx:serviceOfferingTermsAndConditions': { type: 'gx:TermsAndConditions', 'gx:url': { '@value': 'https://load.example/terms', '@type': 'xsd:anyURI' }, 'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
    'gx:dataProtectionRegime': 'GDPR2016',
  });
  const onboarded = await post(`${target.url}/participants`, { credentials: participant }, auth);
  if (onboarded.status !== 201) throw new Error(`onboarding the compliance fixture: ${onboarded.status} ${onboarded.text}`);
  const issued = (JSON.parse(onboarded.text) as { credentials: { id: string; jwt: string }[] }).credentials;
  const offered = await post(`${target.url}/service-offerings`, { legalPerson: issued[0]!.id, credentials: [offering] }, auth);
  if (offered.status !== 201) throw new Error(`onboarding the compliance fixture's offering: ${offered.status} ${offered.text}`);
  const offeringJwt = (JSON.parse(offered.text) as { credentials: { jwt?: string }[] }).credentials[0]!.jwt!;
  const jwts = [...issued.map((c) => c.jwt), offeringJwt];
  const presentation = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    verifiableCredential: jwts.map((jwt) => ({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` })),
  };
  const r = await post(`${target.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'PS256' } }, { ...auth, accept: 'application/vp+jwt' });
  if (r.status !== 201) throw new Error(`signing the compliance presentation: ${r.status} ${r.text}`);
  const vp = r.text.trim();
  // A load of refusals measures nothing: the fixture must pass every rule first.
  const check = await fetch(`${target.url}/compliance?dryRun=true`, { method: 'POST', headers: { ...auth, 'content-type': 'application/vp+jwt' }, body: vp });
  const answer = await check.text();
  if (check.status !== 200) throw new Error(`the compliance fixture is refused: ${check.status} ${answer}`);
  return vp;
}

/** A dry-run compliance decision (every rule, no label issued) on the same VP-JWT each time. */
export const complianceDryRun = (target: Target, vp: string) => (): RequestSpec => ({
  kind: 'compliance dry run, 4-credential VP-JWT',
  method: 'POST',
  path: '/compliance?dryRun=true',
  body: vp,
  headers: { 'content-type': 'application/vp+jwt', authorization: `Bearer ${target.apiKey}` },
});
