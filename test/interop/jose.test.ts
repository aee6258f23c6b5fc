/**
 * jose (panva/jose) as a raw VC-JOSE-COSE verifier and signer, with nothing credential-aware
 * between: a gx-trust vc+jwt or vp+jwt verifies with jwtVerify under the public key its `kid` names
 * in the DID document the service publishes, and a vc+jwt jose builds with a did:jwk key verifies at
 * gx-trust's POST /credentials/verify. A changed byte is refused on both sides.
 */
import { decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, CompactSign, errors, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { credentialBody, VCDM2 } from './peers.js';

let svc: RunningService;
let didDocument: { id: string; verificationMethod: { id: string; publicKeyJwk?: JWK }[] };
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
});
afterAll(async () => {
  await svc?.close();
});

const ENVELOPE = /^data:application\/(vc|vp)\+jwt,/;

/** The compact JWT inside gx-trust's Enveloped credential or presentation. */
function compactOf(enveloped: { id: string }): string {
  expect(enveloped.id).toMatch(ENVELOPE);
  return enveloped.id.replace(ENVELOPE, '');
}

/** What a raw JOSE verifier does with a VC-JOSE-COSE token: the key is the DID document's method named by `kid`. */
async function verifyWithJose(jwt: string, typ: string) {
  const { kid, alg } = decodeProtectedHeader(jwt);
  const method = didDocument.verificationMethod.find((vm) => vm.id === kid);
  expect(method?.publicKeyJwk, `${kid} has a publicKeyJwk in ${didDocument.id}`).toBeDefined();
  const key = await importJWK(method!.publicKeyJwk!, alg);
  return jwtVerify(jwt, key, { typ, algorithms: [alg!] });
}

function changeOneClaim(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  claims.credentialSubject = { id: 'did:web:mallory.example' };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

describe.each([
  ['EdDSA', { format: 'vc+jwt', alg: 'EdDSA' }, 'vc+jwt'],
  ['ES256', { format: 'vc+jwt', alg: 'ES256' }, 'vc+jwt'],
  ['PS256', { format: 'vc+jwt', alg: 'PS256' }, 'vc+jwt'],
  ['the Gaia-X Danube profile', { profile: 'gaia-x-danube' }, 'vc+ld+json+jwt'],
])('gx-trust issues a vc+jwt with %s, jose verifies it', (_name, options, typ) => {
  async function issued(): Promise<string> {
    const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(svc.service.keyring.did), options }, auth());
    expect(answer.status, answer.text).toBe(201);
    return compactOf(answer.body.verifiableCredential);
  }

  it('jwtVerify accepts it under the key its kid names, and the payload is the credential', async () => {
    const { payload, protectedHeader } = await verifyWithJose(await issued(), typ);
    expect(protectedHeader.kid).toMatch(new RegExp(`^${didDocument.id}#`));
    expect(payload).toMatchObject({ '@context': expect.arrayContaining([VCDM2]), issuer: didDocument.id, credentialSubject: { id: 'did:web:member.example' } });
  });

  it('jwtVerify refuses it with a changed claim', async () => {
    await expect(verifyWithJose(changeOneClaim(await issued()), typ)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  // A JWT library's issuer check reads `iss` from the payload, where gx-trust writes the issuer id.
  it('jwtVerify with an expected issuer accepts it (iss in the payload)', async () => {
    const { payload } = await jwtVerify(await issued(), async (header) => importJWK(didDocument.verificationMethod.find((vm) => vm.id === header.kid)!.publicKeyJwk!, header.alg), { typ, issuer: didDocument.id });
    expect(payload.iss).toBe(payload['issuer']);
  });
});

describe('gx-trust signs a vp+jwt, jose verifies it', () => {
  async function proved(): Promise<string> {
    const answer = await postJson(
      `${svc.url}/presentations/prove`,
      { presentation: { '@context': [VCDM2], type: ['VerifiablePresentation'] }, options: { format: 'vp+jwt', challenge: 'nonce-4711', domain: 'connector.example' } },
      auth(),
    );
    expect(answer.status, answer.text).toBe(201);
    return compactOf(answer.body.verifiablePresentation);
  }

  it('jwtVerify accepts it, with the challenge as nonce and the domain as aud', async () => {
    const { payload } = await verifyWithJose(await proved(), 'vp+jwt');
    expect(payload).toMatchObject({ type: ['VerifiablePresentation'], holder: didDocument.id, nonce: 'nonce-4711', aud: 'connector.example' });
  });

  it('jwtVerify refuses it with a changed claim', async () => {
    const [header, payload, signature] = (await proved()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    const changed = [header, Buffer.from(JSON.stringify({ ...claims, nonce: 'nonce-4712' })).toString('base64url'), signature].join('.');
    await expect(verifyWithJose(changed, 'vp+jwt')).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });
});

/** A signer of the peer's own: a fresh key pair and its did:jwk, with `#0` as the method (did:jwk spec). */
async function joseIssuer(alg: 'EdDSA' | 'ES256' | 'ES384') {
  const { publicKey, privateKey } = await generateKeyPair(alg, alg === 'EdDSA' ? { crv: 'Ed25519' } : {});
  const did = `did:jwk:${Buffer.from(JSON.stringify(await exportJWK(publicKey))).toString('base64url')}`;
  return { did, kid: `${did}#0`, privateKey };
}

async function joseVcJwt(alg: 'EdDSA' | 'ES256' | 'ES384', header: (issuer: { did: string; kid: string }) => Record<string, unknown>, claims: Record<string, unknown> = {}): Promise<string> {
  const issuer = await joseIssuer(alg);
  const payload = { ...credentialBody(), id: `urn:uuid:${crypto.randomUUID()}`, issuer: issuer.did, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'), ...claims };
  return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg, ...header(issuer) }).sign(issuer.privateKey);
}

const verifyAtGxTrust = (jwt: string) => postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });

describe.each(['EdDSA', 'ES256'] as const)('jose builds a %s vc+jwt with a did:jwk key, gx-trust verifies it', (alg) => {
  it('POST /credentials/verify says valid', async () => {
    const answer = await verifyAtGxTrust(await joseVcJwt(alg, ({ kid }) => ({ typ: 'vc+jwt', kid })));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: 'vc+jwt', issuer: expect.stringMatching(/^did:jwk:/) });
  });

  it('refuses it with a changed claim', async () => {
    const answer = await verifyAtGxTrust(changeOneClaim(await joseVcJwt(alg, ({ kid }) => ({ typ: 'vc+jwt', kid }))));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });

  it('refuses a vc+jwt that names the vp+jwt type (typ says what the token is)', async () => {
    const answer = await verifyAtGxTrust(await joseVcJwt(alg, ({ kid }) => ({ typ: 'vp+jwt', kid })));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'format', verified: false, code: 'TOKEN_TYPE' }));
  });
});

describe('jose-built vc+jwt in the forms VC-JOSE-COSE allows', () => {
  // `typ` is a SHOULD: the payload says it is a credential.
  it('without typ', async () => {
    const answer = await verifyAtGxTrust(await joseVcJwt('EdDSA', ({ kid }) => ({ kid })));
    expect(answer.status, answer.text).toBe(200);
  });

  // A relative `kid` is resolved against `iss`.
  it('with a relative kid and iss', async () => {
    const issuer = await joseIssuer('EdDSA');
    const payload = { ...credentialBody(), issuer: issuer.did, iss: issuer.did, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const jwt = await new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', typ: 'vc+jwt', kid: '#0', iss: issuer.did }).sign(issuer.privateKey);
    const answer = await verifyAtGxTrust(jwt);
    expect(answer.status, answer.text).toBe(200);
  });

  it('signed with ES384 (P-384)', async () => {
    const answer = await verifyAtGxTrust(await joseVcJwt('ES384', ({ kid }) => ({ typ: 'vc+jwt', kid })));
    expect(answer.status, answer.text).toBe(200);
  });
});
