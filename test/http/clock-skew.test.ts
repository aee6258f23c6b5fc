/**
 * The clock skew a verifier allows (GX_CLOCK_SKEW_SECONDS, 300 s by default, as @digitalbazaar/vc's
 * maxClockSkew) at its boundaries, over HTTP with a service on a fixed clock: every instant that
 * bounds a credential's validity (validFrom, validUntil, and the JWT's nbf, exp and iat) passes one
 * second inside the skew and fails one second outside it. A credential is not valid before it was
 * issued: an `iat` in the future counts as a start, as `nbf` does.
 */
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const SKEW_SECONDS = 300;
const V2 = 'https://www.w3.org/ns/credentials/v2';

let svc: RunningService;

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' }, { clock: () => new Date(NOW) });
});
afterAll(async () => {
  await svc?.close();
});

const at = (secondsFromNow: number) => new Date(NOW.getTime() + secondsFromNow * 1000);
const rfc3339 = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');
const numericDate = (date: Date) => date.getTime() / 1000;

/** A vc+jwt of the service with `claims` in its payload (nothing else bounds its validity). */
async function signedWith(claims: Record<string, unknown>): Promise<string> {
  const did = svc.service.keyring.did;
  const payload = { '@context': [V2], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: 'did:web:member.example' }, ...claims };
  return new CompactSign(Buffer.from(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: `${did}#jwk-p256` })
    .sign(servicePrivateKey(svc.service, 'P-256'));
}

const validityOf = (report: any) => report.checks.find((c: { check: string }) => c.check === 'validity');

describe.each([
  // A start in the future: inside the skew it has (nearly) begun; outside, not yet.
  ['validFrom', 1, (date: Date) => ({ validFrom: rfc3339(date) })],
  ['nbf', 1, (date: Date) => ({ nbf: numericDate(date) })],
  ['iat', 1, (date: Date) => ({ iat: numericDate(date) })],
  // An end in the past: inside the skew it has (nearly) not ended; outside, it has.
  ['validUntil', -1, (date: Date) => ({ validUntil: rfc3339(date) })],
  ['exp', -1, (date: Date) => ({ exp: numericDate(date) })],
] as const)('%s at the clock skew', (_claim, direction, claims) => {
  it('passes one second inside the skew', async () => {
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedWith(claims(at(direction * (SKEW_SECONDS - 1)))) });
    expect(answer.status, answer.text).toBe(200);
    expect(validityOf(answer.body)).toMatchObject({ verified: true });
  });

  it('fails one second outside the skew with VALIDITY_PERIOD', async () => {
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedWith(claims(at(direction * (SKEW_SECONDS + 1)))) });
    expect(answer.status, answer.text).toBe(422);
    expect(validityOf(answer.body)).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD' });
  });
});

describe('when the JWT and the credential disagree', () => {
  it('the stricter bound wins: a validFrom now but an iat past the skew fails', async () => {
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await signedWith({ validFrom: rfc3339(NOW), iat: numericDate(at(SKEW_SECONDS + 1)) }) });
    expect(answer.status, answer.text).toBe(422);
    expect(validityOf(answer.body)).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD' });
    expect(validityOf(answer.body).message).toContain('(iat)');
  });
});
