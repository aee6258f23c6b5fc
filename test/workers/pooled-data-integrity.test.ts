import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGxTrustError } from '../../src/errors.js';
import { createVerifier, type Verifier } from '../../src/verifying/index.js';
import { dataIntegrityFormat } from '../../src/formats/data-integrity/verify.js';
import { createWorkerPool, type WorkerPool } from '../../src/workers/pool.js';
import { createPooledDataIntegrityFormat } from '../../src/workers/pooled-data-integrity.js';
import type { WorkerTask } from '../../src/workers/tasks.js';
import { startService, type RunningService } from '../helpers/service.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';

const makeCredential = (overrides: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
  ...overrides,
});

describe('the Data Integrity format on the worker pool', () => {
  let running: RunningService;
  let pool: WorkerPool;
  let inThread: Verifier;
  let pooled: Verifier;

  beforeAll(async () => {
    running = await startService({ GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' });
    const { resolver, documentLoader } = running.service;
    pool = createWorkerPool({ threads: 1 });
    const clock = () => new Date();
    const deps = { resolver, documentLoader, clock, clockSkewSeconds: 300 };
    inThread = createVerifier({ ...deps, formats: [dataIntegrityFormat] });
    pooled = createVerifier({ ...deps, formats: [createPooledDataIntegrityFormat({ pool, resolver, clock })] });
  }, 30_000);

  afterAll(async () => {
    await pool?.destroy();
    await running?.close();
  });

  async function issued(cryptosuite: 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019' | 'Ed25519Signature2020', overrides: Record<string, unknown> = {}) {
    const credential = cryptosuite === 'Ed25519Signature2020'
      ? makeCredential({ '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/ed25519-2020/v1'], issuanceDate: '2025-01-01T00:00:00Z', credentialSubject: { id: 'did:web:member.example' }, ...overrides })
      : makeCredential(overrides);
    const result = await unscopedIssuer(running.service).issueCredential(credential, { format: 'ldp_vc', cryptosuite });
    return result.verifiableCredential as Record<string, any>;
  }

  it.each(['eddsa-rdfc-2022', 'ecdsa-rdfc-2019', 'Ed25519Signature2020'] as const)('verifies a %s credential with the same report as the main thread', async (cryptosuite) => {
    const vc = await issued(cryptosuite);
    const [expected, actual] = [await inThread.verifyCredential(vc), await pooled.verifyCredential(vc)];
    expect(actual.verified).toBe(true);
    expect(actual).toEqual(expected);
    expect(actual.document).toBe(vc);
    expect(pool.stats().completed).toBeGreaterThan(0);
  });

  it('reports a tampered credential as INVALID_SIGNATURE, as the main thread does', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    vc['credentialSubject']['gx:countryCode'] = 'FR';
    const actual = await pooled.verifyCredential(vc);
    expect(actual.checks.find((c) => c.check === 'proof')?.code).toBe('INVALID_SIGNATURE');
    expect(actual).toEqual(await inThread.verifyCredential(vc));
  });

  it('reports a term no context defines (safe mode) the same way', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    vc['credentialSubject']['isAdmin'] = true;
    const actual = await pooled.verifyCredential(vc);
    expect(actual.verified).toBe(false);
    expect(actual).toEqual(await inThread.verifyCredential(vc));
  });

  it('reports a context outside the pinned set the same way', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    vc['@context'] = [...vc['@context'], 'https://evil.example/context'];
    const actual = await pooled.verifyCredential(vc);
    expect(actual.checks.find((c) => !c.verified)?.code).toBe('CONTEXT_NOT_ALLOWED');
    expect(actual).toEqual(await inThread.verifyCredential(vc));
  });

  it('falls back to the main thread when the issuer DID cannot be resolved, with the same report', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    const gone = `did:web:localhost%3A${running.port}:nobody`;
    vc['issuer'] = gone;
    vc['proof']['verificationMethod'] = `${gone}#key-1`;
    const actual = await pooled.verifyCredential(vc);
    expect(actual.checks.find((c) => c.check === 'key-binding')?.verified).toBe(false);
    expect(actual).toEqual(await inThread.verifyCredential(vc));
  });

  it('asks for an unresolvable issuer DID once: the in-thread key binding reuses that failure', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    const gone = `did:web:localhost%3A${running.port}:nobody-${Date.now()}`;
    vc['issuer'] = gone;
    vc['proof']['verificationMethod'] = `${gone}#key-1`;
    const { resolver, documentLoader } = running.service;
    const asked: string[] = [];
    const counting = {
      resolve: (did: string) => (asked.push(did), resolver.resolve(did)),
      resolveVerificationMethod: (didUrl: string, options: Parameters<typeof resolver.resolveVerificationMethod>[1]) => (asked.push(didUrl), resolver.resolveVerificationMethod(didUrl, options)),
    };
    const clock = () => new Date();
    const verifier = createVerifier({ resolver: counting, documentLoader, clock, clockSkewSeconds: 300, formats: [createPooledDataIntegrityFormat({ pool, resolver: counting, clock })] });
    const report = await verifier.verifyCredential(vc);
    expect(report.checks.find((c) => c.check === 'key-binding')?.code).toBe('DID_NOT_FOUND');
    expect(asked).toEqual([gone]);
  });

  it('a key of another DID fails the key binding without resolving anything', async () => {
    const vc = await issued('eddsa-rdfc-2022');
    vc['issuer'] = 'did:web:member.example';
    const actual = await pooled.verifyCredential(vc);
    expect(actual.checks.find((c) => c.check === 'key-binding')?.code).toBe('KEY_BINDING');
    expect(actual).toEqual(await inThread.verifyCredential(vc));
  });

  it('rethrows an error raised on a pool thread as a GxTrustError with its code', async () => {
    const error = await pool.run({ task: 'not-a-task' } as unknown as WorkerTask).catch((e: unknown) => e);
    expect(isGxTrustError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('INVALID_INPUT');
  });
});
