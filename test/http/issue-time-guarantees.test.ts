/**
 * What POST /credentials/issue refuses before anything is signed, so gx-trust never issues a
 * credential its own verifier (or any JSON-LD reader) then refuses: a gx: term no context defines,
 * a validUntil already past, a validUntil the signing certificate does not last until (or, with
 * options.capValidity, that validUntil cut to the certificate's end).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateInfo, parsePemCertificates } from '../../src/x509/index.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const V2 = 'https://www.w3.org/ns/credentials/v2';
const GX = 'https://w3id.org/gaia-x/development#';
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });

function credential(overrides: Record<string, unknown> = {}, subject: Record<string, unknown> = {}) {
  return {
    '@context': [V2, GX],
    type: ['VerifiableCredential'],
    issuer: svc.service.keyring.did,
    credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE', ...subject },
    ...overrides,
  };
}

/** A refusal must leave the store as it was: no credential row, no audit entry. */
async function issueRefused(body: unknown) {
  const before = await svc.service.store.auditSize();
  const response = await postJson(`${svc.url}/credentials/issue`, body, admin());
  expect(await svc.service.store.auditSize()).toBe(before);
  return response;
}

/** When the service's certificate chain for this key kind stops being valid (the earliest notAfter on it). */
function chainNotAfter(kind: 'RSA' | 'P-256'): Date {
  const pem = svc.service.keyring.certificateChainPem(kind);
  if (pem === undefined) throw new Error(`no ${kind} chain`);
  return new Date(Math.min(...parsePemCertificates(pem).map((der) => certificateInfo(der).notAfter.getTime())));
}

describe('POST /credentials/issue refuses a compact IRI whose prefix no context defines', () => {
  it.each(['vc+jwt', 'ldp_vc'] as const)('400 PREFIX_NOT_DEFINED at the term (%s), and nothing is issued', async (format) => {
    // Under the VC context alone, JSON-LD reads gx:countryCode as an IRI with the scheme "gx".
    const response = await issueRefused({ credential: credential({ '@context': [V2] }), options: { format } });
    expect(response.status, response.text).toBe(400);
    expect(response.body.code).toBe('PREFIX_NOT_DEFINED');
    expect(response.body.pointer).toBe('/credential/credentialSubject/gx:countryCode');
    expect(response.body.hint).toContain(GX);
  });

  it('names every undefined term, a type as well as a property', async () => {
    const response = await issueRefused({ credential: credential({ '@context': [V2], type: ['VerifiableCredential', 'schema:Thing'] }) });
    expect(response.status).toBe(400);
    expect(response.body.errors.map((e: { pointer: string }) => e.pointer).sort()).toEqual([
      '/credential/credentialSubject/gx:countryCode',
      '/credential/type/1',
    ]);
  });

  it('issues the same credential with the context that defines gx:', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: credential() }, admin());
    expect(response.status, response.text).toBe(201);
  });
});

describe('POST /credentials/issue and the validity period', () => {
  it('refuses a validUntil that has already passed with 400 INVALID_DATE', async () => {
    const response = await issueRefused({ credential: credential({ validFrom: '2020-01-01T00:00:00Z', validUntil: '2021-01-01T00:00:00Z' }) });
    expect(response.status, response.text).toBe(400);
    expect(response.body).toMatchObject({ code: 'INVALID_DATE', pointer: '/credential/validUntil' });
    expect(response.body.detail).toContain('already passed');
  });

  it.each([['PS256', 'RSA'], ['ES256', 'P-256']] as const)(
    'refuses (%s) a validUntil after the signing certificate expires: 400 VALIDITY_BEYOND_CERTIFICATE naming the instant',
    async (alg, kind) => {
      const end = chainNotAfter(kind);
      const validUntil = new Date(end.getTime() + 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const response = await issueRefused({ credential: credential({ validUntil }), options: { format: 'vc+jwt', alg } });
      expect(response.status, response.text).toBe(400);
      expect(response.body).toMatchObject({ code: 'VALIDITY_BEYOND_CERTIFICATE', pointer: '/credential/validUntil' });
      expect(response.body.detail).toContain(end.toISOString().replace(/\.\d{3}Z$/, 'Z'));
      expect(response.body.hint).toContain('capValidity');
    },
  );

  it('with options.capValidity, cuts validUntil to the certificate\'s end, and the credential verifies', async () => {
    const end = chainNotAfter('RSA');
    const response = await postJson(
      `${svc.url}/credentials/issue`,
      { credential: credential({ validUntil: '2099-01-01T00:00:00Z' }), options: { format: 'vc+jwt', alg: 'PS256', capValidity: true } },
      { ...admin(), accept: 'application/vc+jwt' },
    );
    expect(response.status, response.text).toBe(201);
    const validUntil = String(decodeJwt(response.text)['validUntil']);
    expect(Date.parse(validUntil)).toBeLessThanOrEqual(end.getTime());
    expect(end.getTime() - Date.parse(validUntil)).toBeLessThan(1000);
    const verified = await postJson(`${svc.url}/credentials/verify`, response.text, { 'content-type': 'application/vc+jwt' });
    expect(verified.status, verified.text).toBe(200);
  });

  it('leaves a Data Integrity credential alone: its Multikey method carries no certificate', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: credential({ validUntil: '2099-01-01T00:00:00Z' }) }, admin());
    expect(response.status, response.text).toBe(201);
    expect(response.body.verifiableCredential.validUntil).toBe('2099-01-01T00:00:00Z');
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: response.body.verifiableCredential });
    expect(verified.status, verified.text).toBe(200);
  });
});
