/**
 * The verifier's bound on an SD-JWT key binding JWT's age, over HTTP: by default 300 s beyond the
 * clock skew (GX_CLOCK_SKEW_SECONDS, 300 s), `options.keyBindingMaxAge` per request on
 * POST /credentials/verify and /presentations/verify (`?keyBindingMaxAge=` for a bare SD-JWT body),
 * GX_KB_JWT_MAX_AGE_SECONDS per deployment.
 * The SD-JWTs and their key binding JWTs are made by @sd-jwt/core, the issuer and holder keys by
 * node:crypto (the issuer on did:jwk, which the service resolves without a fetch).
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../src/dids/multikey.js';
import { makeIssuer } from '../formats/jose/fixtures.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const issuer = makeIssuer('ES256');
const holder = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const signer = (key: KeyObject) => (data: string) => sign('sha256', Buffer.from(data), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
const sd = new SDJwtInstance<Record<string, unknown>>({
  signer: signer(issuer.privateKey),
  signAlg: 'ES256',
  kbSigner: signer(holder.privateKey),
  kbSignAlg: 'ES256',
  hasher: (data) => createHash('sha256').update(typeof data === 'string' ? data : Buffer.from(data)).digest(),
  saltGenerator: () => randomBytes(16).toString('base64url'),
});

/** A vc+sd-jwt bound to the holder's key, presented with a key binding JWT issued `age` seconds ago. */
async function presentedSecondsAgo(age: number): Promise<string> {
  const credential = { '@context': [V2], type: ['VerifiableCredential'], issuer: issuer.did, validFrom: '2026-01-01T00:00:00Z', credentialSubject: { id: 'did:example:member-42', memberOf: 'IPCEI-AI' }, cnf: { jwk: publicJwkOf(holder.publicKey) } };
  const issued = await sd.issue(credential, { credentialSubject: { _sd: ['memberOf'] } } as never, { header: { typ: 'vc+sd-jwt', kid: issuer.kid } });
  return sd.present(issued, { credentialSubject: { memberOf: true } } as never, { kb: { payload: { iat: Math.floor(Date.now() / 1000) - age, aud: 'https://verifier.example', nonce: 'n-1' } } });
}

/** A vp+sd-jwt of the issuer (as holder of the presentation) holding `credential` enveloped. */
async function presentationHolding(credential: string): Promise<string> {
  const presentation = { '@context': [V2], type: ['VerifiablePresentation'], holder: issuer.did, verifiableCredential: [{ '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+sd-jwt,${credential}` }] };
  return sd.issue(presentation, { _sd: ['holder'] } as never, { header: { typ: 'vp+sd-jwt', kid: issuer.kid } });
}

const holderBinding = (report: { checks: { check: string }[] }) => report.checks.find((check) => check.check === 'holder-binding');

describe('the maximum age of a key binding JWT, by default and per request', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('accepts a key binding JWT made a minute ago, and refuses one made 15 minutes ago with VALIDITY_PERIOD at /kb-jwt/iat', async () => {
    const recent = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await presentedSecondsAgo(60), options: { challenge: 'n-1', domain: 'https://verifier.example' } });
    expect(recent.status, recent.text).toBe(200);
    expect(holderBinding(recent.body)).toMatchObject({ verified: true });
    const old = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await presentedSecondsAgo(900), options: { challenge: 'n-1', domain: 'https://verifier.example' } });
    expect(old.status, old.text).toBe(422);
    expect(holderBinding(old.body)).toMatchObject({ verified: false, code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
  });

  it('options.keyBindingMaxAge on POST /credentials/verify accepts the old one when longer, refuses a recent one when shorter', async () => {
    const old = await presentedSecondsAgo(900);
    const longer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: old, options: { keyBindingMaxAge: 3600 } });
    expect(longer.status, longer.text).toBe(200);
    const recent = await presentedSecondsAgo(400);
    const shorter = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: recent, options: { keyBindingMaxAge: 60 } });
    expect(shorter.status, shorter.text).toBe(422);
    expect(holderBinding(shorter.body)).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    // The same input again without the option: the refusal was not cached for it, nor the pass before.
    expect((await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: recent })).status).toBe(200);
    expect((await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: old })).status).toBe(422);
  });

  it('options.keyBindingMaxAge on POST /presentations/verify applies to the credentials the presentation holds', async () => {
    const vp = await presentationHolding(await presentedSecondsAgo(900));
    const refused = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: vp });
    expect(refused.status, refused.text).toBe(422);
    expect(holderBinding(refused.body.credentials[0])).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    const accepted = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: vp, options: { keyBindingMaxAge: 3600 } });
    expect(accepted.status, accepted.text).toBe(200);
  });

  it.each([-1, 1.5, '300', 86_401])('refuses options.keyBindingMaxAge %j: 400 at /options/keyBindingMaxAge', async (value) => {
    const refused = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await presentedSecondsAgo(0), options: { keyBindingMaxAge: value } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.pointer).toBe('/options/keyBindingMaxAge');
  });
});

describe('?keyBindingMaxAge= for a bare SD-JWT body', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.close();
  });

  const bare = (path: string, body: string, type: string, query = '') => postJson(`${svc.url}${path}${query}`, body, { 'content-type': type });

  it('POST /credentials/verify (application/vc+sd-jwt) accepts the old one when longer, refuses a recent one when shorter', async () => {
    const old = await presentedSecondsAgo(900);
    const byDefault = await bare('/credentials/verify', old, 'application/vc+sd-jwt');
    expect(byDefault.status, byDefault.text).toBe(422);
    expect(holderBinding(byDefault.body)).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    const longer = await bare('/credentials/verify', old, 'application/vc+sd-jwt', '?keyBindingMaxAge=3600');
    expect(longer.status, longer.text).toBe(200);
    expect(holderBinding(longer.body)).toMatchObject({ verified: true });
    const recent = await presentedSecondsAgo(400);
    const shorter = await bare('/credentials/verify', recent, 'application/vc+sd-jwt', '?keyBindingMaxAge=60');
    expect(shorter.status, shorter.text).toBe(422);
    expect(holderBinding(shorter.body)).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    expect((await bare('/credentials/verify', recent, 'application/vc+sd-jwt')).status).toBe(200);
  });

  it('POST /presentations/verify (application/vp+sd-jwt) applies it to the credentials the presentation holds', async () => {
    const vp = await presentationHolding(await presentedSecondsAgo(900));
    const refused = await bare('/presentations/verify', vp, 'application/vp+sd-jwt');
    expect(refused.status, refused.text).toBe(422);
    expect(holderBinding(refused.body.credentials[0])).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
    const accepted = await bare('/presentations/verify', vp, 'application/vp+sd-jwt', '?keyBindingMaxAge=3600');
    expect(accepted.status, accepted.text).toBe(200);
  });

  it.each(['-1', '1.5', '86401', '1e3', '0x10', '', 'abc', '300&keyBindingMaxAge=600'])('refuses ?keyBindingMaxAge=%s: 400 at /keyBindingMaxAge with a hint', async (value) => {
    const refused = await bare('/credentials/verify', await presentedSecondsAgo(0), 'application/vc+sd-jwt', `?keyBindingMaxAge=${value}`);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/keyBindingMaxAge', hint: expect.stringContaining('86400') });
  });

  it('takes 0 and 86400, the bounds of options.keyBindingMaxAge', async () => {
    const old = await presentedSecondsAgo(900);
    expect((await bare('/credentials/verify', old, 'application/vc+sd-jwt', '?keyBindingMaxAge=86400')).status).toBe(200);
    // 0: only the clock skew (300 s) is left.
    expect((await bare('/credentials/verify', await presentedSecondsAgo(0), 'application/vc+sd-jwt', '?keyBindingMaxAge=0')).status).toBe(200);
    const beyondSkew = await bare('/credentials/verify', await presentedSecondsAgo(400), 'application/vc+sd-jwt', '?keyBindingMaxAge=0');
    expect(beyondSkew.status, beyondSkew.text).toBe(422);
    expect(holderBinding(beyondSkew.body)).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
  });

  it('refuses it beside a JSON body, which sets options.keyBindingMaxAge instead', async () => {
    const refused = await postJson(`${svc.url}/credentials/verify?keyBindingMaxAge=3600`, { verifiableCredential: await presentedSecondsAgo(900) });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/keyBindingMaxAge', hint: expect.stringContaining('options.keyBindingMaxAge') });
  });
});

describe('GX_KB_JWT_MAX_AGE_SECONDS', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ GX_KB_JWT_MAX_AGE_SECONDS: '3600' });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('sets the deployment\'s bound, which a request still overrides', async () => {
    const old = await presentedSecondsAgo(900);
    expect((await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: old })).status).toBe(200);
    const stricter = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: old, options: { keyBindingMaxAge: 300 } });
    expect(stricter.status, stricter.text).toBe(422);
    expect(holderBinding(stricter.body)).toMatchObject({ code: 'VALIDITY_PERIOD', pointer: '/kb-jwt/iat' });
  });
});
