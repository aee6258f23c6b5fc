/**
 * The anonymous callers' share of canonicalization work (GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS):
 * a verification that needs JSON-LD canonicalization (Data Integrity here) counts against the
 * caller's address, one that does not (a vc+jwt, a cached result) does not, and a caller with an
 * API key is not counted at all. Past the share: 429 RATE_LIMITED with Retry-After, on both ways in.
 * The services run on a manual clock: a second passes when the test says so, so how many of a
 * burst are admitted never depends on how fast the machine serves it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCanonicalizationBudget, createRateLimiter } from '../../src/http/rate-limit.js';
import { manualClock } from '../helpers/clock.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const PER_SECOND = 2;
const time = manualClock();
let svc: RunningService;
let connectorKey: string;
const credentials: Record<string, unknown>[] = [];
let jwt: string;

const makeCredential = (n: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: `did:web:member-${n}.example`, 'gx:countryCode': 'DE' },
});

beforeAll(async () => {
  // No result cache: every verification of a Data Integrity credential canonicalizes.
  svc = await startService({ GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: String(PER_SECOND), GX_RESULT_CACHE_SECONDS: '0' }, { clock: time.clock });
  const admin = { authorization: `Bearer ${svc.apiKey}` };
  for (let n = 0; n < 12; n++) {
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential: makeCredential(n), options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } }, admin);
    expect(issued.status).toBe(201);
    credentials.push(issued.body.verifiableCredential);
  }
  const issuedJwt = await postJson(`${svc.url}/credentials/issue`, { credential: makeCredential(99), options: { format: 'vc+jwt', alg: 'ES256' } }, admin);
  jwt = issuedJwt.body.verifiableCredential;
  const member = await postJson(`${svc.url}/members`, { slug: 'connector-gmbh', name: 'Connector GmbH' }, admin);
  expect(member.status, member.text).toBe(201);
  const key = await postJson(`${svc.url}/members/${member.body.id}/api-keys`, { role: 'connector' }, admin);
  expect(key.status, key.text).toBe(201);
  connectorKey = key.body.apiKey;
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

/** Verifies `count` credentials at once, dispatched straight or (trailing slash) through Express. */
async function verifyAll(vcs: unknown[], options: { path?: string; apiKey?: string } = {}) {
  return Promise.all(
    vcs.map((vc) =>
      fetch(`${svc.url}${options.path ?? '/credentials/verify'}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.apiKey === undefined ? {} : { authorization: `Bearer ${options.apiKey}` }) },
        body: JSON.stringify({ verifiableCredential: vc }),
      }),
    ),
  );
}

/** A second passes: a full share is back (the bucket refills PER_SECOND a second, up to PER_SECOND). */
const refilled = () => time.advance(1000);

describe('the anonymous canonicalization budget', () => {
  it.each([
    ['the fast dispatch', '/credentials/verify'],
    ['Express', '/credentials/verify/'],
  ])('refuses anonymous Data Integrity verifications past the share with 429 and Retry-After (%s)', async (_way, path) => {
    refilled();
    const answers = await verifyAll(credentials.slice(0, 8), { path });
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(PER_SECOND);
    expect(statuses.filter((s) => s === 429)).toHaveLength(8 - PER_SECOND);
    const refused = answers.find((a) => a.status === 429)!;
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as { code: string; hint: string };
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.hint).toMatch(/API key/);
  });

  it('does not count what needs no canonicalization: a vc+jwt verifies while the share is used up', async () => {
    refilled();
    await verifyAll(credentials.slice(0, PER_SECOND));
    const [spent] = await verifyAll([credentials[0]]);
    expect(spent!.status).toBe(429);
    const [jwtAnswer] = await verifyAll([jwt]);
    expect(jwtAnswer!.status).toBe(200);
  });

  it('does not limit a caller with an API key, and a made-up key counts as anonymous', async () => {
    refilled();
    const keyed = await verifyAll(credentials, { apiKey: connectorKey });
    expect(keyed.map((a) => a.status)).toEqual(credentials.map(() => 200));
    const madeUp = await verifyAll(credentials.slice(0, 8), { apiKey: `gx_${'A'.repeat(43)}` });
    expect(madeUp.filter((a) => a.status === 429)).toHaveLength(8 - PER_SECOND);
  });

  it('counts a Data Integrity presentation and every credential it holds', async () => {
    const prove = async (held: number) => {
      const presentation = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], verifiableCredential: credentials.slice(0, held) };
      const signed = await postJson(`${svc.url}/presentations/prove`, { presentation, options: { format: 'ldp_vp', challenge: 'c-1' } }, { authorization: `Bearer ${svc.apiKey}` });
      expect(signed.status, signed.text).toBe(201);
      return signed.body.verifiablePresentation;
    };
    const [over, within] = [await prove(PER_SECOND), await prove(PER_SECOND - 1)];
    refilled();
    // Its own proof and PER_SECOND credentials: one canonicalization more than the share.
    const refused = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: over, options: { challenge: 'c-1' } });
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('RATE_LIMITED');
    refilled();
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: within, options: { challenge: 'c-1' } });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.credentials).toHaveLength(PER_SECOND - 1);
  });

  it('counts a burst within the second the clock says, however slowly the machine serves it', async () => {
    refilled();
    // Real time passes between the requests (as on a busy machine, where a burst of 8 takes
    // seconds to serve); the service's clock does not: the share is PER_SECOND, not more.
    const statuses: number[] = [];
    for (const vc of credentials.slice(0, PER_SECOND + 1)) {
      statuses.push((await verifyAll([vc]))[0]!.status);
      await new Promise((resolve) => setTimeout(resolve, 1000 / PER_SECOND + 100));
    }
    expect(statuses).toEqual([...credentials.slice(0, PER_SECOND).map(() => 200), 429]);
  });

  it('charges a bbs-2023 proof its pairing cost: one takes the whole share, so an ordinary credential after it is refused', async () => {
    // Refused or admitted before the proof is looked at: the proof need not be valid for this.
    const bbs = { ...credentials[0], proof: { ...(credentials[0]!['proof'] as object), cryptosuite: 'bbs-2023', proofValue: 'u2V0D' } };
    refilled();
    const [first] = await verifyAll([bbs]);
    expect(first!.status).toBe(422);
    expect((await verifyAll([credentials[0]]))[0]!.status).toBe(429);
    refilled();
    // Without it, PER_SECOND ordinary credentials fit in the same second.
    expect((await verifyAll(credentials.slice(0, PER_SECOND))).map((a) => a.status)).toEqual(credentials.slice(0, PER_SECOND).map(() => 200));
  });

  it('gives the share back as time passes', async () => {
    refilled();
    await verifyAll(credentials.slice(0, PER_SECOND));
    expect((await verifyAll([credentials[0]]))[0]!.status).toBe(429);
    refilled();
    expect((await verifyAll([credentials[0]]))[0]!.status).toBe(200);
  });
});

describe('the budget behind a reverse proxy (GX_TRUST_PROXY)', () => {
  let proxied: RunningService;
  let plain: RunningService;
  const vcs: unknown[] = [];

  beforeAll(async () => {
    const env = { GX_RATE_LIMIT_ANONYMOUS_CANONICALIZATIONS: String(PER_SECOND), GX_RESULT_CACHE_SECONDS: '0' };
    proxied = await startService({ ...env, GX_TRUST_PROXY: 'loopback' }, { clock: time.clock });
    plain = await startService(env, { clock: time.clock });
    vcs.push(...credentials.slice(0, PER_SECOND + 1));
  }, 60_000);
  afterAll(async () => {
    await proxied?.close();
    await plain?.close();
  });

  const verifyFrom = (service: RunningService, client: string, path: string) =>
    Promise.all(
      vcs.map((vc) =>
        fetch(`${service.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': client },
          body: JSON.stringify({ verifiableCredential: vc }),
        }).then((a) => a.status),
      ),
    );

  it.each([
    ['the fast dispatch', '/credentials/verify'],
    ['Express', '/credentials/verify/'],
  ])('gives each client X-Forwarded-For names its own share when the proxy is trusted (%s)', async (_way, path) => {
    refilled();
    const [first, second] = await Promise.all([verifyFrom(proxied, '203.0.113.7', path), verifyFrom(proxied, '198.51.100.23', path)]);
    for (const statuses of [first, second]) expect(statuses.filter((s) => s === 429)).toHaveLength(1);
  });

  it('believes no X-Forwarded-For when no proxy is trusted: every caller is the socket address', async () => {
    refilled();
    const [first, second] = await Promise.all([verifyFrom(plain, '203.0.113.7', '/credentials/verify'), verifyFrom(plain, '198.51.100.23', '/credentials/verify')]);
    // One share between them: the first PER_SECOND admitted, every other one refused.
    expect([...first, ...second].filter((s) => s === 200)).toHaveLength(PER_SECOND);
  });
});

describe('createCanonicalizationBudget() with the rate limiter', () => {
  it('looks the caller up once per request, whichever of the two asks first', async () => {
    let lookups = 0;
    const authenticator = {
      authenticate: async (apiKey: string) => {
        lookups += 1;
        if (apiKey !== `gx_${'C'.repeat(43)}`) throw new Error('unknown key');
        return { actor: 'member:m1', role: 'connector' as const };
      },
      recordDenial: async () => {},
    };
    const limiter = createRateLimiter({ windowSeconds: 60, max: 100, anonymousMax: 100, anonymousCanonicalizationsPerSecond: 1 }, authenticator)!;
    const budget = createCanonicalizationBudget(1, authenticator)!;
    for (const authorization of [`Bearer gx_${'C'.repeat(43)}`, `Bearer gx_${'D'.repeat(43)}`]) {
      lookups = 0;
      const request = { authorization, ip: '192.0.2.1', path: '/credentials/verify' };
      await limiter.take(request);
      const admit = budget(request);
      await admit().catch(() => {});
      await admit().catch(() => {});
      expect(lookups, authorization).toBe(1);
    }
  });
});
