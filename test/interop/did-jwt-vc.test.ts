/**
 * The DIF JWT stack (did-jwt, did-jwt-vc over did-resolver), what many wallets and agents build on.
 * Its known limitations are recorded here as tests, not hidden:
 * - web-did-resolver builds https:// URLs only, so it cannot read a did:web served on loopback
 *   HTTP; the peer is given a loopback did:web driver of a few lines instead (DID resolution is
 *   pluggable in did-resolver, as any deployment behind a proxy would do).
 * - did-jwt-vc reads VCDM 1.1 JWTs only (`vc` claim, the 2018 context): it refuses a VCDM 2.0
 *   payload by format before anything else.
 * - did-jwt requires `iss` in the payload (RFC 7519 use of VC-JOSE-COSE): gx-trust writes it there
 *   as well as in the protected header.
 */
import { decodeJWT, ES256Signer, verifyJWT } from 'did-jwt';
import { createVerifiableCredentialJwt, normalizeCredential, validateCredentialPayload, verifyCredential } from 'did-jwt-vc';
import { Resolver, type DIDDocument, type DIDResolver } from 'did-resolver';
import { exportJWK, generateKeyPair } from 'jose';
import { getResolver as webDidResolver } from 'web-did-resolver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { credentialBody } from './peers.js';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await svc?.close();
});

/** did:web as web-did-resolver reads it, but over http:// (loopback only: tests send traffic nowhere else). */
const loopbackDidWeb: DIDResolver = async (did, parsed) => {
  const host = decodeURIComponent(parsed.id);
  if (!/^(localhost|127\.0\.0\.1):\d+$/.test(host)) throw new Error(`${did} is not a loopback did:web`);
  const response = await fetch(`http://${host}/.well-known/did.json`);
  return { didDocument: (await response.json()) as DIDDocument, didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } };
};
// did-jwt pins did-resolver 4, the service 6: the same interface, typed twice.
type DifResolvable = Parameters<typeof verifyCredential>[1];
const resolver = new Resolver({ web: loopbackDidWeb }) as unknown as DifResolvable;
const resolveDid = (did: string) => (resolver as unknown as Resolver).resolve(did);

async function issuedVcJwt(alg: 'ES256' | 'EdDSA'): Promise<string> {
  const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(svc.service.keyring.did), options: { format: 'vc+jwt', alg } }, auth());
  expect(answer.status, answer.text).toBe(201);
  return String(answer.body.verifiableCredential.id).replace(/^data:application\/vc\+jwt,/, '');
}

describe('the peer\'s limitations, as they stand', () => {
  it('web-did-resolver cannot resolve the service\'s loopback did:web: it fetches https:// only', async () => {
    const did = ((await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as { id: string }).id;
    const result = await new Resolver(webDidResolver() as unknown as Record<string, DIDResolver>).resolve(did);
    expect(result.didDocument).toBeNull();
    expect(result.didResolutionMetadata.error).toBe('notFound');
    expect(result.didResolutionMetadata['message']).toContain(`https://localhost:${svc.port}/.well-known/did.json`);
  });

  it('did-jwt-vc refuses a gx-trust VCDM 2.0 vc+jwt payload by format: it knows only the 2018 context', async () => {
    const { payload } = decodeJWT(await issuedVcJwt('ES256'));
    expect(() => validateCredentialPayload(normalizeCredential(payload as never))).toThrow(/missing default context "https:\/\/www\.w3\.org\/2018\/credentials\/v1"/);
  });

  it('the loopback driver resolves what web-did-resolver could not', async () => {
    const did = ((await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as { id: string }).id;
    const result = await resolveDid(did);
    expect(result.didDocument?.id).toBe(did);
  });
});

describe.each(['ES256', 'EdDSA'] as const)('gx-trust issues an %s vc+jwt, the DIF stack verifies it', (alg) => {
  // did-jwt needs `iss` in the payload (it stopped at "JWT iss is required" before gx-trust wrote it).
  it('did-jwt verifyJWT accepts it, resolving the issuer over did:web', async () => {
    const jwt = await issuedVcJwt(alg);
    const verified = await verifyJWT(jwt, { resolver, policies: { aud: false } });
    expect(verified.issuer).toBe(verified.payload['issuer']);
    expect(verified.signer.id).toBe(decodeJWT(jwt).header.kid);
  });

  // Waits for the same item; the format policy is turned off because did-jwt-vc reads VCDM 1.1
  // only (recorded above): this checks signature, issuer and key binding.
  it('did-jwt-vc verifyCredential accepts it with its format policy off', async () => {
    const verified = await verifyCredential(await issuedVcJwt(alg), resolver, { policies: { format: false } });
    expect(verified.verified).toBe(true);
  });
});

/** A did-jwt-vc issuer of the peer's own: a P-256 key under did:jwk (gx-trust resolves did:jwk offline). */
async function didJwtIssuer() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const did = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK(publicKey))).toString('base64url')}`;
  const d = Buffer.from((await exportJWK(privateKey)).d!, 'base64url');
  return { did, signer: ES256Signer(d), alg: 'ES256' };
}

async function didJwtVcCredential(): Promise<string> {
  const issuer = await didJwtIssuer();
  return createVerifiableCredentialJwt(
    {
      sub: 'did:web:member.example',
      nbf: Math.floor(Date.now() / 1000) - 60,
      vc: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiableCredential'], credentialSubject: { 'https://schema.org/name': 'member' } },
    },
    issuer,
    { header: { kid: `${issuer.did}#0` } },
  );
}

describe('did-jwt-vc issues a VCDM 1.1 JWT, gx-trust verifies it', () => {
  it('the peer writes what VCDM 1.1 JWTs are: typ JWT, iss, and the credential in the vc claim', async () => {
    const jwt = await didJwtVcCredential();
    expect(decodeJWT(jwt)).toMatchObject({ header: { typ: 'JWT', alg: 'ES256' }, payload: { iss: expect.stringMatching(/^did:jwk:/), vc: expect.any(Object) } });
  });

  // VCDM 1.1 JWTs (`vc` claim, RFC 7519 mapping), what did-jwt-vc and older wallets produce.
  it('POST /credentials/verify says valid', async () => {
    const answer = await postJson(`${svc.url}/credentials/verify`, await didJwtVcCredential(), { 'content-type': 'application/vc+jwt' });
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, issuer: expect.stringMatching(/^did:jwk:/) });
  });

  it('refuses it with a changed claim', async () => {
    const [header, payload, signature] = (await didJwtVcCredential()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const changed = [header, Buffer.from(JSON.stringify({ ...claims, sub: 'did:web:mallory.example' })).toString('base64url'), signature].join('.');
    const answer = await postJson(`${svc.url}/credentials/verify`, changed, { 'content-type': 'application/vc+jwt' });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });
});
