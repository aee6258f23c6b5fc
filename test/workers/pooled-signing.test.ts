/**
 * PS256 signing on the worker pool: what comes back is a compact JWS that verifies under the
 * public key with the header and payload that were sent (PSS is randomized, so two signatures of
 * the same input differ and each is checked by verifying, not by comparing bytes), and the
 * service's PS256 credentials still verify with the pool on and off.
 */
import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGxTrustError } from '../../src/errors.js';
import type { JoseProtectedHeader } from '../../src/issuing/jose.js';
import { createWorkerPool, type WorkerPool } from '../../src/workers/pool.js';
import { createPooledCompactSigning } from '../../src/workers/pooled-signing.js';
import type { WorkerTask } from '../../src/workers/tasks.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const header: JoseProtectedHeader = { alg: 'PS256', kid: 'did:web:issuer.example#rsa', iss: 'did:web:issuer.example', typ: 'vc+jwt', cty: 'vc' };
const payload = new TextEncoder().encode(JSON.stringify({ iss: 'did:web:issuer.example', credentialSubject: { id: 'did:web:member.example' } }));

describe('sign-jws on the worker pool', () => {
  let pool: WorkerPool;
  beforeAll(() => {
    pool = createWorkerPool({ threads: 1 });
  });
  afterAll(async () => {
    await pool?.destroy();
  });

  it('returns a PS256 JWS over the header and payload sent, verifying under the public key', async () => {
    const sign = createPooledCompactSigning(pool);
    const [first, second] = await Promise.all([sign(header, payload, privateKey), sign(header, payload, privateKey)]);
    expect(first).not.toBe(second);
    for (const jws of [first, second]) {
      const verified = await compactVerify(jws, publicKey, { algorithms: ['PS256'] });
      expect(verified.protectedHeader).toEqual(header);
      expect(Buffer.from(verified.payload).equals(Buffer.from(payload))).toBe(true);
    }
    expect(pool.stats().completed).toBeGreaterThanOrEqual(2);
  });

  it('fails with jose\'s refusal when the key does not fit the algorithm, and refuses a task without a key object', async () => {
    const { privateKey: ed25519 } = generateKeyPairSync('ed25519');
    await expect(createPooledCompactSigning(pool)(header, payload, ed25519)).rejects.toSatisfy(isGxTrustError);
    const malformed = { task: 'sign-jws', protectedHeader: header, payload, privateKey: 'not a key' } as unknown as WorkerTask;
    await expect(pool.run(malformed)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});

describe.each([['pool on', '1'], ['pool off', '0']])('a PS256 credential issued over HTTP with the %s', (_name, workers) => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ GX_WORKERS: workers });
  }, 30_000);
  afterAll(async () => {
    await svc?.close();
  });

  it('verifies, and a changed payload does not', async () => {
    const credential = {
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiableCredential'],
      credentialSubject: { id: 'did:web:member.example' },
    };
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential, options: { format: 'vc+jwt', alg: 'PS256' } }, { authorization: `Bearer ${svc.apiKey}` });
    expect(issued.status, issued.text).toBe(201);
    const enveloped = issued.body.verifiableCredential as { id: string };
    const jwt = enveloped.id.slice('data:application/vc+jwt,'.length);
    expect(decodeProtectedHeader(jwt).alg).toBe('PS256');
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: issued.body.verifiableCredential });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.verified).toBe(true);

    const [h, , s] = jwt.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...credential, issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:other.example' } })).toString('base64url')}.${s}`;
    const rejected = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${forged}` } });
    expect(rejected.body.verified).toBe(false);
  });
});
