/**
 * Bad input gets RFC 9457 problem+json with a stable code, the JSON pointer of the fault and a
 * hint; authorization is checked on every write; nothing global is mutated by hostile JSON.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const validCredential = () => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: 'did:web:member.example' },
});

describe('POST /credentials/issue refuses', () => {
  it('a request without an API key (401), and one with a wrong key (401)', async () => {
    const none = await postJson(`${svc.url}/credentials/issue`, { credential: validCredential() });
    expect(none.status).toBe(401);
    expect(none.contentType).toContain('application/problem+json');
    expect(none.body.code).toBe('UNAUTHORIZED');
    const wrong = await postJson(`${svc.url}/credentials/issue`, { credential: validCredential() }, { authorization: 'Bearer nope' });
    expect(wrong.status).toBe(401);
  });

  it.each([
    ['an unanchored date', { validUntil: 'x2030-01-01T00:00:00Zjunk' }, 'INVALID_DATE', '/credential/validUntil'],
    ['validUntil before validFrom', { validFrom: '2030-01-01T00:00:00Z', validUntil: '2029-01-01T00:00:00Z' }, 'INVALID_DATE', '/credential/validUntil'],
    ['a remote @context', { '@context': ['https://www.w3.org/ns/credentials/v2', 'https://evil.example/ctx'] }, 'CONTEXT_NOT_ALLOWED', '/credential/@context/1'],
    ['a subject id of __proto__', { credentialSubject: { id: '__proto__' } }, 'INVALID_INPUT', '/credential/credentialSubject/id'],
    ['a credential without VerifiableCredential in type', { type: ['Foo'] }, 'INVALID_INPUT', '/credential/type'],
    ['an issuer this service does not control', { issuer: 'did:web:other.example' }, 'INVALID_INPUT', '/credential/issuer'],
  ])('%s with 400, its code and pointer', async (_name, overrides, code, pointer) => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: { ...validCredential(), ...overrides } }, auth());
    expect(response.status).toBe(400);
    expect(response.contentType).toContain('application/problem+json');
    expect(response.body.code).toBe(code);
    expect(response.body.pointer).toBe(pointer);
    expect(typeof response.body.hint).toBe('string');
  });

  it('an unknown option with the pointer of every fault', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: validCredential(), options: { format: 'mdoc', colour: 'red' } }, auth());
    expect(response.status).toBe(400);
    const pointers = response.body.errors.map((e: { pointer: string }) => e.pointer);
    expect(pointers).toContain('/options/format');
  });

  it('an undefined term under JSON-LD safe mode', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: { ...validCredential(), credentialSubject: { id: 'did:web:m.example', isAdmin: true } } }, auth());
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('SAFE_MODE_VIOLATION');
    // The path in the request sent, as every other refusal of this route gives it.
    expect(response.body.pointer).toBe('/credential/credentialSubject/isAdmin');
  });

  it('a __proto__ key without polluting Object.prototype', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, '{"__proto__":{"polluted":true},"credential":{}}', auth());
    expect(response.status).toBe(400);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a body over 256 KiB with 413', async () => {
    const big = { credential: { ...validCredential(), credentialSubject: { id: 'did:web:m.example', blob: 'x'.repeat(300 * 1024) } } };
    const response = await postJson(`${svc.url}/credentials/issue`, big, auth());
    expect(response.status).toBe(413);
    expect(response.body.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('invalid JSON with 400', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, '{"credential":', auth());
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_INPUT');
  });

  it('a 100k-deep array without crashing', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const response = await postJson(`${svc.url}/credentials/issue`, `{"credential":${deep}}`, auth());
    expect([400, 413]).toContain(response.status);
    expect((await fetch(`${svc.url}/health`)).status).toBe(200);
  });
});

describe('POST /credentials/verify', () => {
  it('answers 422 with a report, never 200, for a credential without a proof', async () => {
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: validCredential() });
    expect(response.status).toBe(422);
    expect(response.body.verified).toBe(false);
    expect(response.body.checks[0]).toMatchObject({ check: 'format', verified: false, code: 'PROOF_MISSING' });
  });

  it('answers 400 for a body that holds no credential', async () => {
    const response = await postJson(`${svc.url}/credentials/verify`, { credential: {} });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_INPUT');
  });
});

describe('the service identity', () => {
  it('serves its did:web document, whose JWKs carry x5u to a served chain', async () => {
    const response = await fetch(`${svc.url}/.well-known/did.json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as any;
    expect(document.id).toBe(`did:web:localhost%3A${svc.port}`);
    const rsa = document.verificationMethod.find((vm: { id: string }) => vm.id.endsWith('#jwk-rsa'));
    expect(rsa.publicKeyJwk.alg).toBe('PS256');
    expect(JSON.stringify(document)).not.toMatch(/"d":/);
    const path = new URL(rsa.publicKeyJwk.x5u).pathname;
    const chain = await (await fetch(`${svc.url}${path}`)).text();
    const leaf = new X509Certificate(chain.split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----');
    expect(leaf.publicKey.export({ format: 'jwk' }).n).toBe(rsa.publicKeyJwk.n);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await fetch(`${svc.url}/nope`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
  });

  it('answers a path parameter that is not valid percent-encoding with a 400 problem, not a 500', async () => {
    const response = await fetch(`${svc.url}/members/%E0%A4%A`, { headers: auth() });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(((await response.json()) as { code: string }).code).toBe('INVALID_INPUT');
  });

  it('answers GET /health', async () => {
    expect(await (await fetch(`${svc.url}/health`)).json()).toEqual({ status: 'ok' });
  });
});
