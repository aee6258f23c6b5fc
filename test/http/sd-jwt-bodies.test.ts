/**
 * A bare SD-JWT as the request body: POST /credentials/verify reads `application/vc+sd-jwt` and
 * POST /presentations/verify `application/vp+sd-jwt` as they read `application/vc+jwt` /
 * `application/vp+jwt` (the compact serialization as text, challenge and domain from the query,
 * the same body limit); the other route, and any other route, answers 415.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';

let svc: RunningService;
let vcSdJwt: string;
let vpSdJwt: string;

beforeAll(async () => {
  svc = await startService();
  const admin = { authorization: `Bearer ${svc.apiKey}` };
  const did = svc.service.keyring.did;
  const issued = await postJson(
    `${svc.url}/credentials/issue`,
    { credential: { '@context': [V2], type: ['VerifiableCredential'], issuer: did, credentialSubject: { id: 'did:web:member.example', name: 'Acme' } }, options: { format: 'vc+sd-jwt', selectivelyDisclosable: ['/credentialSubject/name'] } },
    { ...admin, accept: 'application/vc+sd-jwt' },
  );
  expect(issued.status, issued.text).toBe(201);
  vcSdJwt = issued.text;
  const proved = await postJson(
    `${svc.url}/presentations/prove`,
    {
      presentation: { '@context': [V2], type: ['VerifiablePresentation'], holder: did, verifiableCredential: [{ '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+sd-jwt,${vcSdJwt}` }] },
      options: { format: 'vp+sd-jwt', challenge: 'c-1', domain: 'verifier.example' },
    },
    { ...admin, accept: 'application/vp+sd-jwt' },
  );
  expect(proved.status, proved.text).toBe(201);
  vpSdJwt = proved.text;
}, 60_000);

afterAll(async () => {
  await svc?.close();
});

describe('bare SD-JWT request bodies', () => {
  it('POST /credentials/verify reads an application/vc+sd-jwt body', async () => {
    expect(vcSdJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+~.+~$/);
    const verified = await postJson(`${svc.url}/credentials/verify`, vcSdJwt, { 'content-type': 'application/vc+sd-jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, format: 'vc+sd-jwt', issuer: svc.service.keyring.did });
    // With a charset parameter and a line end after it, as curl --data-binary @file sends it.
    const withCharset = await postJson(`${svc.url}/credentials/verify`, `${vcSdJwt}\n`, { 'content-type': 'application/vc+sd-jwt; charset=utf-8' });
    expect(withCharset.status, withCharset.text).toBe(200);
  });

  it('POST /presentations/verify reads an application/vp+sd-jwt body, with the challenge and domain of the query', async () => {
    const verified = await postJson(`${svc.url}/presentations/verify?challenge=c-1&domain=verifier.example`, vpSdJwt, { 'content-type': 'application/vp+sd-jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, format: 'vp+sd-jwt' });
    expect(verified.body.credentials.map((c: { verified: boolean; format: string }) => [c.verified, c.format])).toEqual([[true, 'vc+sd-jwt']]);
    const replayed = await postJson(`${svc.url}/presentations/verify?challenge=c-2`, vpSdJwt, { 'content-type': 'application/vp+sd-jwt' });
    expect(replayed.status, replayed.text).toBe(422);
    expect(replayed.body.checks.find((c: { check: string }) => c.check === 'challenge')).toMatchObject({ verified: false, code: 'CHALLENGE_MISMATCH' });
  });

  it('refuses a challenge or domain given twice in the query, which was dropped and let a replay through: 400 at its pointer', async () => {
    for (const [query, name] of [
      ['?challenge=c-2&challenge=c-1', 'challenge'],
      ['?challenge=c-1&domain=elsewhere.example&domain=verifier.example', 'domain'],
    ] as const) {
      const refused = await postJson(`${svc.url}/presentations/verify${query}`, vpSdJwt, { 'content-type': 'application/vp+sd-jwt' });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: `/${name}`, hint: expect.stringContaining(`?${name}= once`) });
    }
  });

  it('refuses a query challenge or domain beside a JSON body, which sets them in its options', async () => {
    for (const name of ['challenge', 'domain']) {
      const refused = await postJson(`${svc.url}/presentations/verify?${name}=c-2`, { verifiablePresentation: vpSdJwt, options: { challenge: 'c-1', domain: 'verifier.example' } });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: `/${name}`, hint: expect.stringContaining(`options.${name}`) });
    }
    const inOptions = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: vpSdJwt, options: { challenge: 'c-1', domain: 'verifier.example' } });
    expect(inOptions.status, inOptions.text).toBe(200);
  });

  it.each([
    ['/credentials/verify', 'application/vp+sd-jwt', () => vpSdJwt],
    ['/presentations/verify', 'application/vc+sd-jwt', () => vcSdJwt],
    ['/credentials/issue', 'application/vc+sd-jwt', () => vcSdJwt],
    ['/credentials/verify', 'text/plain', () => vcSdJwt],
  ])('POST %s answers 415 to %s, naming what it reads', async (path, contentType, body) => {
    const refused = await postJson(`${svc.url}${path}`, body(), { 'content-type': contentType, authorization: `Bearer ${svc.apiKey}` });
    expect(refused.status, refused.text).toBe(415);
    expect(refused.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });

  it('names the SD-JWT media type in the 415 hint of the route that reads it', async () => {
    const refused = await postJson(`${svc.url}/credentials/verify`, vcSdJwt, { 'content-type': 'text/plain' });
    expect(refused.body.hint).toContain('Content-Type: application/vc+sd-jwt');
  });

  it('holds an SD-JWT body to the body limit: 413', async () => {
    const tooLarge = `${vcSdJwt}${'A'.repeat(300 * 1024)}~`;
    const refused = await postJson(`${svc.url}/credentials/verify`, tooLarge, { 'content-type': 'application/vc+sd-jwt' });
    expect(refused.status, refused.text).toBe(413);
    expect(refused.body.code).toBe('PAYLOAD_TOO_LARGE');
  });
});
