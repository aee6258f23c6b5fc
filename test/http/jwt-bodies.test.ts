/**
 * A compact JWT as the request body is read only by a route that lists its media type (the route
 * table's `mediaTypes`): POST /credentials/verify reads `application/vc+jwt`, POST
 * /presentations/verify `application/vp+jwt`. Any other route answers 415 before reading it, its
 * hint naming the routes that do, rather than handing the text to a JSON schema (a 400 that
 * says the body is not an object). RFC 7519's generic `application/jwt` is read where a JWT is what
 * the route takes (the verify routes, and a VP-JWT at POST /danube/validate and POST /compliance),
 * never at POST /credentials/issue.
 */
import { generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';

let svc: RunningService;
let vcJwt: string;

beforeAll(async () => {
  svc = await startService();
  const issued = await postJson(
    `${svc.url}/credentials/issue`,
    { credential: { '@context': [V2], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' } }, options: { format: 'vc+jwt' } },
    { authorization: `Bearer ${svc.apiKey}`, accept: 'application/vc+jwt' },
  );
  expect(issued.status, issued.text).toBe(201);
  vcJwt = issued.text;
}, 60_000);

afterAll(async () => {
  await svc?.close();
});

describe('JWT request bodies', () => {
  it('POST /credentials/verify reads an application/vc+jwt body', async () => {
    expect(vcJwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const verified = await postJson(`${svc.url}/credentials/verify`, vcJwt, { 'content-type': 'application/vc+jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body).toMatchObject({ verified: true, issuer: svc.service.keyring.did });
  });

  it.each([
    ['/credentials/issue', 'application/vc+jwt', 'POST /credentials/verify'],
    ['/credentials/issue', 'application/jwt', 'POST /credentials/verify'],
    ['/presentations/prove', 'application/vp+jwt', 'POST /presentations/verify'],
    ['/credentials/verify', 'application/vp+jwt', 'POST /presentations/verify'],
    ['/presentations/verify', 'application/vc+jwt', 'POST /credentials/verify'],
  ])('POST %s answers 415 to %s, its hint naming %s', async (path, contentType, reader) => {
    const refused = await postJson(`${svc.url}${path}`, vcJwt, { 'content-type': contentType, authorization: `Bearer ${svc.apiKey}` });
    expect(refused.status, refused.text).toBe(415);
    expect(refused.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(refused.body.hint).toContain('Content-Type: application/json');
    expect(refused.body.hint).toContain(`${contentType} is read by`);
    expect(refused.body.hint).toContain(reader);
  });

  it('POST /danube/validate reads a VP-JWT sent as application/jwt as it reads one sent as application/vp+jwt', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const presentation = { '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [{ '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${vcJwt}` }] };
    const vpJwt = await new SignJWT(presentation).setProtectedHeader({ alg: 'ES256', typ: 'vp+jwt' }).sign(privateKey);
    const asVpJwt = await postJson(`${svc.url}/danube/validate`, vpJwt, { 'content-type': 'application/vp+jwt' });
    expect(asVpJwt.status, asVpJwt.text).toBe(200);
    const asJwt = await postJson(`${svc.url}/danube/validate`, vpJwt, { 'content-type': 'application/jwt' });
    expect(asJwt.status, asJwt.text).toBe(200);
    expect(asJwt.body).toEqual(asVpJwt.body);
    // It was read as the presentation: the credential inside was decoded from its JWT and checked.
    expect(asJwt.body.warnings).toEqual([expect.stringContaining('decoded from JWTs')]);
    expect(asJwt.body.findings.length).toBeGreaterThan(0);
  });

  it('POST /danube/validate reads an EnvelopedVerifiablePresentation whose data: URL is application/jwt or base64, as POST /compliance does', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const presentation = { '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [{ '@context': V2, type: 'EnvelopedVerifiableCredential', id: `data:application/jwt,${vcJwt}` }] };
    const vpJwt = await new SignJWT(presentation).setProtectedHeader({ alg: 'ES256', typ: 'vp+jwt' }).sign(privateKey);
    const envelope = (id: string) => ({ '@context': [V2], type: 'EnvelopedVerifiablePresentation', id });
    const asVpJwt = await postJson(`${svc.url}/danube/validate`, vpJwt, { 'content-type': 'application/vp+jwt' });
    expect(asVpJwt.status, asVpJwt.text).toBe(200);
    for (const id of [`data:application/jwt,${vpJwt}`, `data:application/vp+jwt;base64,${Buffer.from(vpJwt).toString('base64')}`]) {
      const answer = await postJson(`${svc.url}/danube/validate`, envelope(id));
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body).toEqual(asVpJwt.body);
    }
    // A media type that holds no JWT is still not read as one.
    const refused = await postJson(`${svc.url}/danube/validate`, envelope(`data:text/plain,${vpJwt}`));
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.pointer).toBe('/id');
  });

  it('answers 415 to a COSE media type, which no route reads as a body', async () => {
    const refused = await postJson(`${svc.url}/credentials/verify`, vcJwt, { 'content-type': 'application/vc+cose' });
    expect(refused.status, refused.text).toBe(415);
    expect(refused.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
