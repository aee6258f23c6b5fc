import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKeyOf } from '../../src/keyring/signer.js';
import { createDidResolver } from '../../src/dids/index.js';
import { publicKeyToMultikey } from '../../src/dids/multikey.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { signCredentialDataIntegrity } from '../../src/formats/data-integrity/sign.js';
import { createStatusCheck } from '../../src/status-lists/check-status.js';
import { createVerifier } from '../../src/verifying/index.js';
import { dataIntegrityFormat } from '../../src/formats/data-integrity/verify.js';
import { joseFormat } from '../../src/formats/jose/verify.js';
import { createResultCache, type ResultCache } from '../../src/verifying/result-cache.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

const T0 = Date.parse('2026-03-01T12:00:00Z');

/** A verifier of its own (not the issuing service's), on a clock the test moves. */
function makeVerifier(options: { statusCacheMs?: number; resultCacheMs?: number } = {}) {
  // Live time unless a test pins it: a clock frozen before the credential is issued would put its
  // validFrom (issuance time) in the future under zero skew, and fail whenever the second ticks over.
  let pinned: number | undefined;
  let offset = 0;
  const clock = () => new Date((pinned ?? Date.now()) + offset);
  const resolver = createDidResolver({ testMode: true, clock });
  const documentLoader = createDocumentLoader();
  const cache: ResultCache = createResultCache({ ttlMs: options.resultCacheMs ?? 60_000, clock });
  const checkStatus = createStatusCheck({
    testMode: true,
    clock,
    ...(options.statusCacheMs === undefined ? {} : { maxCacheMs: options.statusCacheMs }),
  });
  const verifier = createVerifier({ resolver, documentLoader, clock, clockSkewSeconds: 0, formats: [joseFormat, dataIntegrityFormat], checkStatus, resultCache: cache });
  return { verifier, cache, advance: (ms: number) => { offset += ms; }, set: (ms: number) => { pinned = ms; offset = 0; } };
}

describe('the verification result cache', () => {
  let issuing: RunningService;
  const auth = () => ({ authorization: `Bearer ${issuing.apiKey}` });
  const credential = (overrides: Record<string, unknown> = {}) => ({
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    issuer: issuing.service.keyring.did,
    credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
    ...overrides,
  });
  async function issue(overrides: Record<string, unknown> = {}, options: Record<string, unknown> = {}) {
    const response = await postJson(`${issuing.url}/credentials/issue`, { credential: credential(overrides), options }, auth());
    expect(response.status, response.text).toBe(201);
    return response.body.verifiableCredential as Record<string, any>;
  }

  beforeAll(async () => {
    issuing = await startService({ GX_WORKERS: '0' });
  });
  afterAll(async () => {
    await issuing?.close();
  });

  it('answers a second verification of the same credential from the cache, with the same report', async () => {
    const { verifier, cache } = makeVerifier();
    const vc = await issue();
    const first = await verifier.verifyCredential(vc);
    const second = await verifier.verifyCredential(structuredClone(vc));
    expect(first.verified).toBe(true);
    expect(cache.stats).toEqual({ hits: 1, misses: 1 });
    expect(second).toEqual(first);
  });

  it('recomputes the validity period on the cached path: an expired credential is reported expired', async () => {
    const { verifier, cache, set, advance } = makeVerifier();
    set(T0);
    // Issued at T0, when it is valid: the service refuses to issue a validUntil already past.
    const issued = await unscopedIssuer(issuing.service, () => new Date(T0))
      .issueCredential(credential({ validFrom: new Date(T0 - 60_000).toISOString(), validUntil: new Date(T0 + 30_000).toISOString() }));
    const vc = issued.verifiableCredential;
    expect((await verifier.verifyCredential(vc)).verified).toBe(true);
    advance(45_000);
    const later = await verifier.verifyCredential(vc);
    expect(cache.stats.hits).toBe(1);
    expect(later.verified).toBe(false);
    expect(later.checks.find((c) => c.check === 'validity')).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD' });
    expect(later.checks.find((c) => c.check === 'proof')?.verified).toBe(true);
  });

  it('re-runs the status check: a revocation shows on the cached path once the status list cache expires', async () => {
    const { verifier, cache, advance } = makeVerifier({ statusCacheMs: 10_000, resultCacheMs: 60_000 });
    const vc = await issue({}, { credentialStatus: true });
    expect((await verifier.verifyCredential(vc)).verified).toBe(true);
    const revoked = await postJson(`${issuing.url}/credentials/status`, { credentialId: vc['id'], credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);
    // Within the status list's cache the old list still answers; the proof comes from the cache.
    expect((await verifier.verifyCredential(vc)).verified).toBe(true);
    advance(15_000);
    const after = await verifier.verifyCredential(vc);
    expect(after.checks.find((c) => c.check === 'status')).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    expect(after.checks.find((c) => c.check === 'proof')?.verified).toBe(true);
    // The credential itself was read from the cache every time after the first.
    expect(cache.stats.hits).toBeGreaterThanOrEqual(2);
  });

  it('misses on tampered input and reports the tampering', async () => {
    const { verifier, cache } = makeVerifier();
    const vc = await issue();
    expect((await verifier.verifyCredential(vc)).verified).toBe(true);
    const tampered = structuredClone(vc);
    tampered['credentialSubject']['gx:countryCode'] = 'FR';
    const report = await verifier.verifyCredential(tampered);
    expect(report.checks.find((c) => c.check === 'proof')?.code).toBe('INVALID_SIGNATURE');
    expect(cache.stats).toEqual({ hits: 0, misses: 2 });
  });

  it('keys a compact JWT by its exact bytes', async () => {
    const { verifier, cache } = makeVerifier();
    const response = await postJson(`${issuing.url}/credentials/issue`, { credential: credential(), options: { format: 'vc+jwt', alg: 'ES256' } }, { ...auth(), accept: 'application/vc+jwt' });
    const jwt = response.text;
    expect((await verifier.verifyCredential(jwt)).verified).toBe(true);
    expect((await verifier.verifyCredential(jwt)).verified).toBe(true);
    // Change the signature's second-to-last character to another one (picked from that character,
    // not the last one: otherwise 1 run in 64 "changes" it to itself).
    const flipped = jwt.slice(0, -2) + (jwt.at(-2) === 'A' ? 'B' : 'A') + jwt.slice(-1);
    expect(flipped).not.toBe(jwt);
    expect((await verifier.verifyCredential(flipped)).verified).toBe(false);
    expect(cache.stats).toEqual({ hits: 1, misses: 2 });
  });

  describe('over a loopback did:web issuer', () => {
    let server: DidWebServer;
    beforeAll(async () => {
      server = await startDidWebServer();
    });
    afterAll(async () => {
      await server?.close();
    });

    async function didWebIssuer(path: string) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const did = server.didFor([path]);
      const id = `${did}#key-1`;
      server.setDocument(did, {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
        id: did,
        verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase: publicKeyToMultikey(publicKey) }],
        assertionMethod: [id],
      });
      const documentLoader = createDocumentLoader();
      const sign = (n: number) => signCredentialDataIntegrity({
        credential: credential({ issuer: did, credentialSubject: { id: `did:web:member${n}.example`, 'gx:countryCode': 'DE' } }),
        signer: { cryptosuite: 'eddsa-rdfc-2022', signer: signingKeyOf(privateKey).signer(id) },
        documentLoader,
        now: new Date(),
      });
      return { did, sign };
    }

    it('100 parallel verifications of one issuer\'s credentials make one DID fetch', async () => {
      const { did, sign } = await didWebIssuer('single-flight');
      const credentials = await Promise.all(Array.from({ length: 100 }, (_, n) => sign(n)));
      const { verifier } = makeVerifier();
      const reports = await Promise.all(credentials.map((vc) => verifier.verifyCredential(vc)));
      expect(reports.every((r) => r.verified)).toBe(true);
      expect(server.requestCount(`/single-flight/did.json`)).toBe(1);
      expect(did).toContain('single-flight');
    });

    it('never caches a failure caused by a DID fetch error', async () => {
      const { sign } = await didWebIssuer('flaky');
      const vc = await sign(1);
      server.setRoute('/flaky/did.json', (_req, res) => {
        res.statusCode = 500;
        res.end();
      });
      const { verifier, cache, advance } = makeVerifier();
      const failedReport = await verifier.verifyCredential(vc);
      expect(failedReport.checks.find((c) => c.check === 'key-binding')?.code).toBe('DID_RESOLUTION_FAILED');
      expect(cache.size).toBe(0);
      server.setRoute('/flaky/did.json', (_req, res) => res.writeHead(404).end());
      expect(cache.size).toBe(0);
      advance(31_000); // past the DID cache's negative TTL
      expect((await verifier.verifyCredential(vc)).verified).toBe(false);
      expect(cache.size).toBe(0);
    });
  });
});

describe('createResultCache() bounds', () => {
  const entry = (verified: boolean, n: number) => ({
    result: {
      format: 'vc+jwt',
      checks: [verified ? { check: 'proof' as const, verified: true } : { check: 'proof' as const, verified: false, code: 'INVALID_SIGNATURE' as const, message: `bad ${n}` }],
      document: { n },
    },
    chainCheck: undefined,
  });

  const key = (digest: string) => ({ digest, bytes: 100 });

  it('keeps refusals in their own tenth of the room, so a flood of distinct bad inputs never evicts a good result', () => {
    const cache = createResultCache({ max: 100 });
    for (let n = 0; n < 50; n++) cache.set(key(`good-${n}`), `good-${n}`, entry(true, n));
    for (let n = 0; n < 1000; n++) cache.set(key(`bad-${n}`), `bad-${n}`, entry(false, n));
    for (let n = 0; n < 50; n++) expect(cache.get(key(`good-${n}`), `good-${n}`)?.result.checks[0]?.verified, `good-${n}`).toBe(true);
    // The refusals that are kept are the latest, and a refusal is served as a refusal.
    expect(cache.get(key('bad-999'), 'bad-999')?.result.checks[0]?.code).toBe('INVALID_SIGNATURE');
    expect(cache.get(key('bad-0'), 'bad-0')).toBeUndefined();
    expect(cache.size).toBe(60);
  });

  it('keys a string by its characters, and never as the object whose JSON it is', () => {
    const cache = createResultCache();
    const now = new Date();
    const strings = Array.from({ length: 20 }, (_, n) => `eyJhbGciOiJFUzI1NiJ9.${'x'.repeat(40)}${String(n).padStart(3, '0')}.sig`);
    const first = strings.map((s) => cache.keyOf(s, now)!);
    expect(new Set(first.map((k) => k.digest)).size).toBe(20);
    // The same characters in a string built anew: the same key.
    for (const [n, s] of strings.entries()) expect(cache.keyOf((' ' + s).slice(1), now)).toEqual(first[n]);
    // A string is never the key of the object whose JSON it is, nor the other way round.
    const object = { a: 1 };
    const text = JSON.stringify(object);
    expect(cache.keyOf(text, now)!.digest).not.toBe(cache.keyOf(object, now)!.digest);
    expect(cache.keyOf(object, now)).toEqual(cache.keyOf({ a: 1 }, now));
    expect(cache.keyOf(text, now)).toEqual({ digest: expect.any(String), bytes: text.length + 1 });
  });

  it('bounds the bytes kept by the size of each input', () => {
    const cache = createResultCache({ max: 1000, maxBytes: 10_000 });
    for (let n = 0; n < 20; n++) cache.set({ digest: `good-${n}`, bytes: 1000 }, `good-${n}`, entry(true, n));
    expect(cache.size).toBe(10);
    expect(cache.get({ digest: 'good-19', bytes: 1000 }, 'good-19')).toBeDefined();
    expect(cache.get({ digest: 'good-0', bytes: 1000 }, 'good-0')).toBeUndefined();
  });

  it('hands out frozen entries, shared by every hit, and keeps no signing key', () => {
    const cache = createResultCache();
    const signed = { ...entry(true, 1), result: { ...entry(true, 1).result, verificationMethod: { id: 'did:web:x#k', type: 'JsonWebKey', controller: 'did:web:x', publicKeyJwk: { kty: 'EC', x5c: ['MII...'] } } } };
    cache.set(key('k'), 'jwt', signed);
    const [first, second] = [cache.get(key('k'), 'jwt')!, cache.get(key('k'), 'jwt')!];
    expect(first.result.document).toBe(second.result.document);
    expect(first.result.document).toEqual({ n: 1 });
    expect(Object.isFrozen(first.result.document)).toBe(true);
    expect(Object.isFrozen(first.result.checks[0])).toBe(true);
    expect(() => {
      (first.result.checks as { verified: boolean }[])[0]!.verified = false;
    }).toThrow(TypeError);
    expect('verificationMethod' in first.result).toBe(false);
    // What the caller set is not frozen: the cache froze its own copy.
    expect(Object.isFrozen(signed.result.document)).toBe(false);
  });

  it('serves a pass no longer than its Data Integrity proofs hold: the entry ends at the first proof\'s expires (written without an offset: read as UTC)', () => {
    let now = T0;
    const cache = createResultCache({ ttlMs: 60_000, clock: () => new Date(now) });
    const input = (expires: string[]) => ({ '@context': ['https://www.w3.org/ns/credentials/v2'], proof: expires.map((e) => ({ type: 'DataIntegrityProof', expires: e })) });
    const soon = input(['2026-03-01T12:00:30Z', '2026-03-01T13:00:00Z']);
    const bare = input(['2026-03-01T12:00:20']);
    const later = input(['2026-03-01T13:00:00Z']);
    for (const [name, value] of [['soon', soon], ['bare', bare], ['later', later]] as const) {
      cache.set(key(name), value, { ...entry(true, 3), result: { ...entry(true, 3).result, document: value } });
    }
    now = T0 + 19_000;
    expect(cache.get(key('bare'), bare)).toBeDefined();
    now = T0 + 20_000;
    expect(cache.get(key('bare'), bare)).toBeUndefined();
    now = T0 + 29_000;
    expect(cache.get(key('soon'), soon)).toBeDefined();
    now = T0 + 30_000;
    expect(cache.get(key('soon'), soon)).toBeUndefined();
    // A proof expiring after the TTL: the TTL ends the entry, as for any pass.
    expect(cache.get(key('later'), later)).toBeDefined();
    now = T0 + 60_000;
    expect(cache.get(key('later'), later)).toBeUndefined();
  });

  it('gives back the caller\'s own input as the document when the document was the input (Data Integrity)', () => {
    const cache = createResultCache();
    const input = { '@context': ['https://www.w3.org/ns/credentials/v2'], n: 2 };
    cache.set(key('di'), input, { ...entry(true, 2), result: { ...entry(true, 2).result, document: input } });
    const again = structuredClone(input);
    expect(cache.get(key('di'), again)?.result.document).toBe(again);
    expect(Object.isFrozen(input)).toBe(false);
  });
});
