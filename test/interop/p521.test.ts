/**
 * gx-trust signing with its P-521 key, checked by software it did not write: a vc+jwt / vp+jwt
 * with ES512 verified by raw jose `jwtVerify` (algorithms pinned to ES512) under the JWK the served
 * did:web document publishes, as the did:web and as the service's P-521 did:key. gx-trust's own
 * verifier says the same; a changed claim is refused by both. Then the refusals: ES512 is ECDSA
 * with P-521 and SHA-512 and nothing else (RFC 7518 §3.4), and ecdsa-rdfc-2019 is defined for
 * P-256 and P-384 only (VC DI ECDSA), so a P-521 key never signs or verifies a Data Integrity proof.
 */
import { createPrivateKey, sign as nodeSign } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58btcDecode } from '../../src/dids/multikey.js';
import { resolveDidKey } from '../../src/dids/key.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';
import { credentialBody, peerDocumentLoader, VCDM2, type PeerDocumentLoader } from './peers.js';

let svc: RunningService;
let didDocument: { id: string; verificationMethod: { id: string; type: string; controller: string; publicKeyJwk?: JWK; publicKeyMultibase?: string }[]; assertionMethod: string[] };
let documentLoader: PeerDocumentLoader;
let p521DidKey: string;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
  const identity = svc.service.keyring.didKey('P-521');
  p521DidKey = identity.did;
  documentLoader.addDidKey(identity.did, identity.document.verificationMethod![0] as unknown as Record<string, unknown>, identity.document['@context'] as string[]);
});
afterAll(async () => {
  await svc?.close();
});

const ENVELOPE = /^data:application\/(vc|vp)\+jwt,/;
const compactOf = (enveloped: { id: string }) => enveloped.id.replace(ENVELOPE, '');
const issue = (credential: Record<string, unknown>, options: Record<string, unknown>) => postJson(`${svc.url}/credentials/issue`, { credential, options }, auth());

async function issued(options: Record<string, unknown>, issuer = svc.service.keyring.did): Promise<any> {
  const answer = await issue(credentialBody(issuer), options);
  expect(answer.status, answer.text).toBe(201);
  return answer.body.verifiableCredential;
}

const servedJwk = () => didDocument.verificationMethod.find((vm) => vm.id === `${didDocument.id}#jwk-p521`)!.publicKeyJwk!;

/** A raw JOSE verifier: the key is the served #jwk-p521 JWK, the algorithm pinned to ES512. */
async function joseVerify(jwt: string, typ: string) {
  return jwtVerify(jwt, await importJWK(servedJwk(), 'ES512'), { typ, algorithms: ['ES512'] });
}

function changeOneClaim(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  claims.credentialSubject = { id: 'did:web:mallory.example' };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

const verifyJwtAtGxTrust = (jwt: string) => postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
const verifyAtGxTrust = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential });

describe('the served did:web document lists the P-521 key', () => {
  it('as JsonWebKey2020 (alg ES512, 66-byte coordinates) and as JsonWebKey, both assertionMethods, after every older method; no Multikey method (no cryptosuite takes P-521)', () => {
    const ids = didDocument.verificationMethod.map((vm) => vm.id.slice(didDocument.id.length));
    // Appended after every older method; only the BLS12-381 key, added after it, follows.
    expect(ids.slice(-3)).toEqual(['#jwk-p521', '#jwk-p521-jsonwebkey', '#multikey-bls12381']);
    const byId = (fragment: string) => didDocument.verificationMethod.find((vm) => vm.id === `${didDocument.id}#${fragment}`);
    const jwk = byId('jwk-p521');
    expect(jwk).toMatchObject({ type: 'JsonWebKey2020', controller: didDocument.id, publicKeyJwk: { kty: 'EC', crv: 'P-521', alg: 'ES512' } });
    expect(jwk!.publicKeyJwk).not.toHaveProperty('d');
    expect(jwk!.publicKeyJwk).not.toHaveProperty('x5c');
    expect(Buffer.from(jwk!.publicKeyJwk!.x!, 'base64url')).toHaveLength(66);
    expect(Buffer.from(jwk!.publicKeyJwk!.y!, 'base64url')).toHaveLength(66);
    expect(byId('jwk-p521-jsonwebkey')).toMatchObject({ type: 'JsonWebKey', publicKeyJwk: jwk!.publicKeyJwk });
    expect(ids.filter((id) => id.includes('p521'))).toEqual(['#jwk-p521', '#jwk-p521-jsonwebkey']);
    for (const fragment of ['jwk-p521', 'jwk-p521-jsonwebkey']) expect(didDocument.assertionMethod).toContain(`${didDocument.id}#${fragment}`);
  });

  it('the service\'s P-521 did:key (p521-pub 0x1202, compressed point) is the same key, and resolves to it', async () => {
    expect(p521DidKey.startsWith('did:key:z2J9')).toBe(true);
    const bytes = base58btcDecode(p521DidKey.slice('did:key:z'.length));
    // 2-byte multicodec header + 67-byte compressed point (0x02/0x03 || 66-byte x).
    expect(bytes).toHaveLength(69);
    expect([...bytes.subarray(0, 2)]).toEqual([0x82, 0x24]);
    expect(Buffer.from(bytes.subarray(3)).toString('base64url')).toBe(servedJwk().x);
    const resolved = resolveDidKey(p521DidKey);
    expect(resolved.verificationMethod?.[0]).toMatchObject({ type: 'Multikey', publicKeyMultibase: p521DidKey.slice('did:key:'.length) });
  });
});

describe.each([
  ['alg ES512', { format: 'vc+jwt', alg: 'ES512' }],
  ['keyType P-521', { format: 'vc+jwt', keyType: 'P-521' }],
])('gx-trust issues a vc+jwt with %s', (_name, options) => {
  it('is ES512 under #jwk-p521 with a 132-byte r||s signature, and jose jwtVerify accepts it under the served JWK', async () => {
    const jwt = compactOf(await issued(options));
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES512', kid: `${didDocument.id}#jwk-p521`, typ: 'vc+jwt' });
    // 132 bytes: r||s of P-521, 66 bytes each (RFC 7518 §3.4), not DER.
    expect(Buffer.from(jwt.split('.')[2]!, 'base64url')).toHaveLength(132);
    const { payload } = await joseVerify(jwt, 'vc+jwt');
    expect(payload).toMatchObject({ '@context': [VCDM2], issuer: didDocument.id, credentialSubject: { id: 'did:web:member.example' } });
  });

  it('gx-trust verifies it; a changed claim is refused by jose and by gx-trust', async () => {
    const jwt = compactOf(await issued(options));
    const answer = await verifyJwtAtGxTrust(jwt);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: 'vc+jwt', issuer: didDocument.id });
    const changed = changeOneClaim(jwt);
    await expect(joseVerify(changed, 'vc+jwt')).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    const refused = await verifyJwtAtGxTrust(changed);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });
});

it('an ES512 vc+jwt issued as the service\'s P-521 did:key verifies in jose and in gx-trust', async () => {
  const jwt = compactOf(await issued({ format: 'vc+jwt', alg: 'ES512' }, p521DidKey));
  expect(decodeProtectedHeader(jwt).kid).toBe(svc.service.keyring.didKey('P-521').verificationMethodId);
  await joseVerify(jwt, 'vc+jwt');
  const answer = await verifyJwtAtGxTrust(jwt);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.issuer).toBe(p521DidKey);
});

it('vp+jwt ES512: jose verifies it (nonce, aud); a changed nonce is refused', async () => {
  const presentation = { '@context': [VCDM2], type: ['VerifiablePresentation'], holder: svc.service.keyring.did };
  const answer = await postJson(`${svc.url}/presentations/prove`, { presentation, options: { format: 'vp+jwt', alg: 'ES512', challenge: 'n-521', domain: 'connector.example' } }, auth());
  expect(answer.status, answer.text).toBe(201);
  const jwt = compactOf(answer.body.verifiablePresentation);
  expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES512', kid: `${didDocument.id}#jwk-p521`, typ: 'vp+jwt' });
  const { payload } = await joseVerify(jwt, 'vp+jwt');
  expect(payload).toMatchObject({ holder: didDocument.id, nonce: 'n-521', aud: 'connector.example' });
  const [header, body, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
  await expect(joseVerify([header, Buffer.from(JSON.stringify({ ...claims, nonce: 'n-522' })).toString('base64url'), signature].join('.'), 'vp+jwt')).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: jwt, options: { challenge: 'n-521', domain: 'connector.example' } });
  expect(verified.status, verified.text).toBe(200);
});

describe('an algorithm and a key type that do not belong together are refused', () => {
  it.each([
    ['ES512 with a P-256 key', { format: 'vc+jwt', alg: 'ES512', keyType: 'P-256' }, /ES512 is signed with P-521 keys, not P-256/],
    ['ES384 with the P-521 key', { format: 'vc+jwt', alg: 'ES384', keyType: 'P-521' }, /ES384 is signed with P-384 keys, not P-521/],
    ['ecdsa-rdfc-2019 with the P-521 key', { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-521' }, /ecdsa-rdfc-2019 is not signed with P-521 keys/],
    ['eddsa-rdfc-2022 with the P-521 key', { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', keyType: 'P-521' }, /eddsa-rdfc-2022 is not signed with P-521 keys/],
  ])('%s: 400 INVALID_INPUT at /options/keyType, with a hint; nothing signed', async (_name, options, detail) => {
    const answer = await issue(credentialBody(svc.service.keyring.did), options);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/keyType' });
    expect(answer.body.detail).toMatch(detail);
    expect(answer.body.hint).toMatch(/P-521/);
    expect(answer.body).not.toHaveProperty('verifiableCredential');
  });

  it.each([
    ['ES256 as the P-521 did:key', { format: 'vc+jwt', alg: 'ES256' }],
    ['ecdsa-rdfc-2019 as the P-521 did:key', { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }],
  ])('%s: 400 INVALID_INPUT at /credential/issuer, the hint naming ES512', async (_name, options) => {
    const answer = await issue(credentialBody(p521DidKey), options);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
    expect(answer.body.hint).toMatch(/P-521 key: sign as it with a P-521 algorithm \(ES512/);
  });

  /** A vc+jwt the service's own P-521 key signed under `alg` (hashing with `hash`), as gx-trust never would. */
  function forge(alg: string, hash: string, kid = `${didDocument.id}#jwk-p521`, key = servicePrivateKey(svc.service, 'P-521')): string {
    const payload = { ...credentialBody(didDocument.id), id: `urn:uuid:${crypto.randomUUID()}`, iss: didDocument.id, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const input = `${Buffer.from(JSON.stringify({ alg, typ: 'vc+jwt', kid })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
    return `${input}.${nodeSign(hash, Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  }

  it('the honest control: the same forge with ES512 over SHA-512 verifies (so the refusals below are the algorithm\'s)', async () => {
    const honest = await verifyJwtAtGxTrust(forge('ES512', 'sha512'));
    expect(honest.status, honest.text).toBe(200);
  });

  it.each([
    ['ES256 over SHA-256', 'ES256', 'sha256'],
    ['ES384 over SHA-384', 'ES384', 'sha384'],
  ])('a JWS whose header says %s but which the P-521 key signed is refused on verify (ALG_NOT_ALLOWED)', async (_name, alg, hash) => {
    const answer = await verifyJwtAtGxTrust(forge(alg, hash));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.verified).toBe(false);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'ALG_NOT_ALLOWED' }));
  });

  it('a JWS whose header says ES512 but which names (and was signed by) the P-256 key is refused on verify (ALG_NOT_ALLOWED)', async () => {
    const p256 = servicePrivateKey(svc.service, 'P-256');
    const answer = await verifyJwtAtGxTrust(forge('ES512', 'sha512', `${didDocument.id}#jwk-p256`, p256));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'ALG_NOT_ALLOWED' }));
  });

  it('an ecdsa-rdfc-2019 proof made with the P-521 key under its did:key Multikey method is refused by gx-trust, not verified', async () => {
    // A signer claiming P-384 (the cryptosuite accepts only P-256 / P-384 signers) whose bytes are
    // the P-521 key's: what a confused issuer would publish.
    const key = createPrivateKey(servicePrivateKey(svc.service, 'P-521').export({ format: 'pem', type: 'pkcs8' }));
    const signer = {
      id: svc.service.keyring.didKey('P-521').verificationMethodId,
      algorithm: 'P-384',
      sign: async ({ data }: { data: Uint8Array }) => new Uint8Array(nodeSign('sha512', data, { key, dsaEncoding: 'ieee-p1363' })),
    };
    const credential = { ...credentialBody(p521DidKey), id: `urn:uuid:${crypto.randomUUID()}`, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const signed = await vc.issue({ credential, suite: new DataIntegrityProof({ signer, cryptosuite: ecdsaRdfc2019 }), documentLoader });
    expect(signed.proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: signer.id });
    const answer = await verifyAtGxTrust(signed);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.verified).toBe(false);
    const proof = answer.body.checks.find((c: { check: string }) => c.check === 'proof');
    expect(proof, answer.text).toMatchObject({ verified: false });
    // Refused before any signature check: the method's key is one no cryptosuite takes.
    expect(proof, answer.text).toMatchObject({ code: 'KEY_BINDING', pointer: '/proof' });
    expect(proof.message).toMatch(/P-521 key has no Data Integrity cryptosuite/);
  });
});

describe('status lists of the P-521 did:key', () => {
  it('a vc+jwt issued as the P-521 did:key with a revocation entry points at a list that did:key signs with ES512 (in the one form it can, also to a JSON request); it verifies, then shows revoked', async () => {
    const answer = await issue(credentialBody(p521DidKey), { format: 'vc+jwt', alg: 'ES512', credentialStatus: ['revocation'] });
    expect(answer.status, answer.text).toBe(201);
    const jwt = compactOf(answer.body.verifiableCredential);
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
    const entry = Array.isArray(claims.credentialStatus) ? claims.credentialStatus[0] : claims.credentialStatus;
    // The list id names the 95-character did:key: it must be one the route accepts.
    expect(entry.statusListCredential).toContain(`key.${p521DidKey.slice('did:key:'.length)}.revocation-`);
    for (const accept of ['application/json', 'application/vc+jwt']) {
      const fetched = await fetch(entry.statusListCredential, { headers: { accept } });
      expect(fetched.status, `${accept} ${entry.statusListCredential}`).toBe(200);
      expect(fetched.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
      const list = await fetched.text();
      expect(decodeProtectedHeader(list)).toMatchObject({ alg: 'ES512', kid: svc.service.keyring.didKey('P-521').verificationMethodId });
      const { payload } = await joseVerify(list, 'vc+jwt');
      // The Bitstring Status List rule: the list's issuer is the credential's.
      expect(payload.issuer).toBe(p521DidKey);
    }
    const verified = await postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: claims.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);
    const after = await postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
    expect(after.status, after.text).toBe(422);
    expect(after.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: false }));
  });
});
