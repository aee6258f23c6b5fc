/**
 * JWT time claims are RFC 7519 NumericDates: a JSON number of seconds since 1970. A claim of any
 * other shape is refused, never skipped: skipping `exp: "1000"` or an `exp` in milliseconds would
 * drop the very bound its issuer set (a credential that never expires).
 * @see https://www.rfc-editor.org/rfc/rfc7519#section-2
 */
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
const MAX_NUMERIC_DATE = 253_402_300_799;
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { makeIssuer, type TestIssuer } from '../formats/jose/fixtures.js';

let svc: RunningService;
let issuer: TestIssuer;
beforeAll(async () => {
  svc = await startService();
  issuer = makeIssuer('ES256');
});
afterAll(async () => {
  await svc?.close();
});

/** 2030-01-01T00:00:00Z, in seconds. */
const IN_2030 = 1_893_456_000;

function credential(): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    issuer: issuer.did,
    validFrom: '2025-01-01T00:00:00Z',
    credentialSubject: { id: 'did:web:member.example' },
  };
}

/**
 * Signs `payload` with one claim written as raw JSON text (so that `1e400`, which JSON.parse reads
 * as Infinity, reaches the verifier as written).
 */
async function signed(typ: 'vc+jwt' | 'vp+jwt', payload: Record<string, unknown>, claim: string, rawValue: string): Promise<string> {
  const json = JSON.stringify({ ...payload, [claim]: '__RAW__' }).replace('"__RAW__"', rawValue);
  return new CompactSign(new TextEncoder().encode(json))
    .setProtectedHeader({ alg: 'ES256', typ, kid: issuer.kid })
    .sign(issuer.privateKey);
}

function validityOf(body: { checks: { check: string; verified: boolean; code?: string; pointer?: string }[] }) {
  return body.checks.find((c) => c.check === 'validity');
}

const MALFORMED: [string, string, string][] = [
  ['exp as a string of digits', 'exp', '"1000"'],
  ['exp in milliseconds', 'exp', String(IN_2030 * 1000)],
  ['exp one past the year 9999', 'exp', String(MAX_NUMERIC_DATE + 1)],
  ['a negative nbf', 'nbf', '-1'],
  ['an exp that JSON reads as Infinity', 'exp', '1e400'],
  ['a null exp', 'exp', 'null'],
  ['an iat that is an object', 'iat', '{"seconds":1}'],
  ['an nbf of "NaN"', 'nbf', '"NaN"'],
];

describe('POST /credentials/verify with a vc+jwt', () => {
  it.each(MALFORMED)('refuses %s with INVALID_DATE at its pointer', async (_name, claim, raw) => {
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signed('vc+jwt', credential(), claim, raw) });
    expect(response.status).toBe(422);
    expect(validityOf(response.body)).toMatchObject({ verified: false, code: 'INVALID_DATE', pointer: `/${claim}` });
    // The signature itself is good: only the time claim is at fault.
    expect(response.body.checks.find((c: { check: string }) => c.check === 'proof')?.verified).toBe(true);
  });

  it.each([
    ['an integer exp in 2030', String(IN_2030)],
    ['a fractional exp (RFC 7519: "non-integer values can be represented")', `${IN_2030}.5`],
    ['the largest NumericDate accepted', String(MAX_NUMERIC_DATE)],
  ])('accepts %s', async (_name, raw) => {
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signed('vc+jwt', credential(), 'exp', raw) });
    expect(response.status).toBe(200);
    expect(validityOf(response.body)?.verified).toBe(true);
  });

  it('refuses a Gaia-X header exp that is not a number (header instants may be milliseconds, never text)', async () => {
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(credential())))
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: issuer.kid, exp: '1745107199000' })
      .sign(issuer.privateKey);
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: token });
    expect(response.status).toBe(422);
    expect(validityOf(response.body)).toMatchObject({ verified: false, code: 'INVALID_DATE', pointer: '' });
  });

  it('still enforces a well-formed exp that has passed', async () => {
    const response = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signed('vc+jwt', credential(), 'exp', '1000') });
    expect(response.status).toBe(422);
    expect(validityOf(response.body)?.code).toBe('VALIDITY_PERIOD');
  });
});

describe('POST /presentations/verify with a vp+jwt', () => {
  const presentation = () => ({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: issuer.did });

  it.each(MALFORMED)('refuses %s with INVALID_DATE', async (_name, claim, raw) => {
    const response = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: await signed('vp+jwt', presentation(), claim, raw) });
    expect(response.status).toBe(422);
    expect(validityOf(response.body)).toMatchObject({ verified: false, code: 'INVALID_DATE', pointer: `/${claim}` });
  });

  it('accepts a presentation whose exp is a NumericDate', async () => {
    const response = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: await signed('vp+jwt', presentation(), 'exp', String(IN_2030)) });
    expect(response.status).toBe(200);
  });
});
