/**
 * gx-trust signing with its P-384 key, checked by software it did not write: a vc+jwt / vp+jwt
 * with ES384 verified by raw jose `jwtVerify` under the JWK the served did:web document publishes,
 * and ecdsa-rdfc-2019 P-384 credentials verified by @digitalbazaar/vc with Digital Bazaar's own
 * ecdsa-rdfc-2019 cryptosuite (which imports the Multikey with @digitalbazaar/ecdsa-multikey),
 * under the did:web Multikey method and under the service's P-384 did:key. gx-trust's own verifier
 * says the same; a changed claim is refused by both. Then the refusals: an algorithm and a key
 * type that do not belong together, asked at issue or forged into a JWS header.
 */
import { sign as nodeSign } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58btcDecode } from '../../src/dids/multikey.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { servicePrivateKey } from '../helpers/service-keys.js';
import { credentialBody, peerDocumentLoader, tampered, VCDM2, type PeerDocumentLoader } from './peers.js';

let svc: RunningService;
let didDocument: { id: string; verificationMethod: { id: string; type: string; controller: string; publicKeyJwk?: JWK; publicKeyMultibase?: string }[]; assertionMethod: string[] };
let documentLoader: PeerDocumentLoader;
let p384DidKey: string;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
  // The peer's did:key driver: the document follows from the identifier alone (here, as the service builds it).
  const identity = svc.service.keyring.didKey('P-384');
  p384DidKey = identity.did;
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

/** A raw JOSE verifier: the key is the served DID document's method named by `kid`, the algorithm pinned to ES384. */
async function joseVerify(jwt: string, typ: string) {
  const { kid } = decodeProtectedHeader(jwt);
  const method = didDocument.verificationMethod.find((vm) => vm.id === kid);
  expect(method?.publicKeyJwk, `${kid} in the served DID document`).toBeDefined();
  return jwtVerify(jwt, await importJWK(method!.publicKeyJwk!, 'ES384'), { typ, algorithms: ['ES384'] });
}

function changeOneClaim(jwt: string): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  claims.credentialSubject = { id: 'did:web:mallory.example' };
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

const verifyJwtAtGxTrust = (jwt: string) => postJson(`${svc.url}/credentials/verify`, jwt, { 'content-type': 'application/vc+jwt' });
const verifyAtGxTrust = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential });

describe('the served did:web document lists the P-384 key', () => {
  it('as JsonWebKey2020 (alg ES384), as JsonWebKey (VC-JOSE-COSE 4.3) and as Multikey (z82...), each an assertionMethod', () => {
    const byId = (fragment: string) => didDocument.verificationMethod.find((vm) => vm.id === `${didDocument.id}#${fragment}`);
    const jwk = byId('jwk-p384');
    expect(jwk).toMatchObject({ type: 'JsonWebKey2020', controller: didDocument.id, publicKeyJwk: { kty: 'EC', crv: 'P-384', alg: 'ES384' } });
    expect(jwk!.publicKeyJwk).not.toHaveProperty('d');
    expect(Buffer.from(jwk!.publicKeyJwk!.x!, 'base64url')).toHaveLength(48);
    expect(byId('jwk-p384-jsonwebkey')).toMatchObject({ type: 'JsonWebKey', publicKeyJwk: jwk!.publicKeyJwk });
    const multikey = byId('multikey-p384');
    expect(multikey?.type).toBe('Multikey');
    expect(multikey!.publicKeyMultibase!.startsWith('z82')).toBe(true);
    // 2-byte multicodec header (p384-pub, 0x1201) + 49-byte compressed point.
    expect(base58btcDecode(multikey!.publicKeyMultibase!.slice(1))).toHaveLength(51);
    for (const fragment of ['jwk-p384', 'jwk-p384-jsonwebkey', 'multikey-p384']) expect(didDocument.assertionMethod).toContain(`${didDocument.id}#${fragment}`);
    // The service's P-384 did:key is the same key.
    expect(p384DidKey).toBe(`did:key:${multikey!.publicKeyMultibase}`);
  });
});

describe.each([
  ['alg ES384', { format: 'vc+jwt', alg: 'ES384' }],
  ['keyType P-384', { format: 'vc+jwt', keyType: 'P-384' }],
])('gx-trust issues a vc+jwt with %s', (_name, options) => {
  it('is ES384 under #jwk-p384, and jose jwtVerify accepts it under the served JWK', async () => {
    const jwt = compactOf(await issued(options));
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES384', kid: `${didDocument.id}#jwk-p384`, typ: 'vc+jwt' });
    // 96 bytes: r||s of P-384 (RFC 7518 §3.4), not DER.
    expect(Buffer.from(jwt.split('.')[2]!, 'base64url')).toHaveLength(96);
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

it('an ES384 vc+jwt issued as the service\'s P-384 did:key verifies in jose and in gx-trust', async () => {
  const jwt = compactOf(await issued({ format: 'vc+jwt', alg: 'ES384' }, p384DidKey));
  const { kid } = decodeProtectedHeader(jwt);
  expect(kid).toBe(svc.service.keyring.didKey('P-384').verificationMethodId);
  const jwk = didDocument.verificationMethod.find((vm) => vm.id === `${didDocument.id}#jwk-p384`)!.publicKeyJwk!;
  await jwtVerify(jwt, await importJWK(jwk, 'ES384'), { typ: 'vc+jwt', algorithms: ['ES384'] });
  const answer = await verifyJwtAtGxTrust(jwt);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.issuer).toBe(p384DidKey);
});

/** What a deployment of @digitalbazaar/vc configures to verify ecdsa-rdfc-2019 proofs (either curve). */
async function verifyAtPeer(credential: unknown) {
  const result = await vc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite: ecdsaRdfc2019 }), documentLoader });
  return { verified: result.verified as boolean, errors: JSON.stringify(result.error?.errors?.map((e: { message: string }) => e.message) ?? result.error?.message ?? result) };
}

describe.each([
  ['the did:web Multikey method, chosen by options.keyType', { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-384' }, () => svc.service.keyring.did, () => `${didDocument.id}#multikey-p384`],
  ['the P-384 did:key, chosen by the issuer', { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' }, () => p384DidKey, () => svc.service.keyring.didKey('P-384').verificationMethodId],
])('gx-trust issues ecdsa-rdfc-2019 with P-384 under %s', (_name, options, issuer, method) => {
  it('a 96-byte proofValue; @digitalbazaar/vc verifies it, and so does gx-trust', async () => {
    const credential = await issued(options, issuer());
    expect(credential.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: method(), proofPurpose: 'assertionMethod' });
    expect(base58btcDecode(credential.proof.proofValue.slice(1))).toHaveLength(96);
    const peer = await verifyAtPeer(credential);
    expect(peer.verified, peer.errors).toBe(true);
    const answer = await verifyAtGxTrust(credential);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.body).toMatchObject({ verified: true, format: 'ecdsa-rdfc-2019', issuer: issuer() });
  });

  it('a changed subject is refused by @digitalbazaar/vc (signature) and by gx-trust', async () => {
    const changed = tampered(await issued(options, issuer()));
    const peer = await verifyAtPeer(changed);
    expect(peer.verified).toBe(false);
    expect(peer.errors).toMatch(/signature/i);
    const answer = await verifyAtGxTrust(changed);
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'INVALID_SIGNATURE' }));
  });
});

it('ecdsa-rdfc-2019 without keyType still signs with P-256 as the did:web (unchanged default)', async () => {
  const credential = await issued({ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019' });
  expect(credential.proof.verificationMethod).toBe(`${didDocument.id}#multikey-p256`);
  expect(base58btcDecode(credential.proof.proofValue.slice(1))).toHaveLength(64);
});

describe('presentations signed with the P-384 key', () => {
  const presentation = () => ({ '@context': [VCDM2], type: ['VerifiablePresentation'], holder: svc.service.keyring.did });

  it('vp+jwt ES384: jose verifies it (nonce, aud); a changed nonce is refused', async () => {
    const answer = await postJson(`${svc.url}/presentations/prove`, { presentation: presentation(), options: { format: 'vp+jwt', alg: 'ES384', challenge: 'n-384', domain: 'connector.example' } }, auth());
    expect(answer.status, answer.text).toBe(201);
    const jwt = compactOf(answer.body.verifiablePresentation);
    expect(decodeProtectedHeader(jwt)).toMatchObject({ alg: 'ES384', kid: `${didDocument.id}#jwk-p384` });
    const { payload } = await joseVerify(jwt, 'vp+jwt');
    expect(payload).toMatchObject({ holder: didDocument.id, nonce: 'n-384', aud: 'connector.example' });
    const [header, body, signature] = jwt.split('.');
    const claims = JSON.parse(Buffer.from(body!, 'base64url').toString('utf8'));
    await expect(joseVerify([header, Buffer.from(JSON.stringify({ ...claims, nonce: 'n-385' })).toString('base64url'), signature].join('.'), 'vp+jwt')).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });

  it('a Data Integrity VP (ecdsa-rdfc-2019, keyType P-384) verifies in gx-trust with its challenge', async () => {
    const answer = await postJson(`${svc.url}/presentations/prove`, { presentation: presentation(), options: { cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-384', challenge: 'c-384' } }, auth());
    expect(answer.status, answer.text).toBe(201);
    const vp = answer.body.verifiablePresentation;
    expect(vp.proof.verificationMethod).toBe(`${didDocument.id}#multikey-p384`);
    const verified = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: vp, options: { challenge: 'c-384' } });
    expect(verified.status, verified.text).toBe(200);
    const changed = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: { ...vp, holder: didDocument.id, id: 'urn:uuid:changed' }, options: { challenge: 'c-384' } });
    expect(changed.status, changed.text).toBe(422);
  });
});

describe('an algorithm and a key type that do not belong together are refused', () => {
  it.each([
    ['ES384 with a P-256 key', { format: 'vc+jwt', alg: 'ES384', keyType: 'P-256' }, '/options/keyType', /ES384 is signed with P-384 keys, not P-256/],
    ['ES256 with the P-384 key', { format: 'vc+jwt', alg: 'ES256', keyType: 'P-384' }, '/options/keyType', /ES256 is signed with P-256 keys, not P-384/],
    ['eddsa-rdfc-2022 with the P-384 key', { type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', keyType: 'P-384' }, '/options/keyType', /eddsa-rdfc-2022 is not signed with P-384 keys/],
    ['ecdsa-rdfc-2019 with the RSA key', { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', keyType: 'RSA' }, '/options/keyType', /ecdsa-rdfc-2019 is not signed with RSA keys/],
  ])('%s: 400 INVALID_INPUT at the option, with a hint; nothing signed', async (_name, options, pointer, detail) => {
    const answer = await issue(credentialBody(svc.service.keyring.did), options);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer });
    expect(answer.body.detail).toMatch(detail);
    expect(answer.body.hint).toMatch(/keyType/);
    expect(answer.body).not.toHaveProperty('verifiableCredential');
  });

  it.each([
    ['ES256 as the P-384 did:key', { format: 'vc+jwt', alg: 'ES256' }, () => p384DidKey, /P-384/],
    ['ES384 as the P-256 did:key', { format: 'vc+jwt', alg: 'ES384' }, () => svc.service.keyring.didKey('P-256').did, /P-256/],
  ])('%s: 400 INVALID_INPUT at /credential/issuer, the hint naming the did:key\'s key type', async (_name, options, issuer, keyTypeInHint) => {
    const answer = await issue(credentialBody(issuer()), options);
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
    expect(answer.body.hint).toMatch(keyTypeInHint);
  });

  it('a JWS whose header says ES256 but which the P-384 key signed is refused on verify (ALG_NOT_ALLOWED)', async () => {
    // Sign what gx-trust never would: the service's own P-384 key, read from its key file as an
    // operator's tooling could, under a header claiming ES256 (ECDSA over SHA-256, r||s).
    const privateKey = servicePrivateKey(svc.service, 'P-384');
    const payload = { ...credentialBody(didDocument.id), id: `urn:uuid:${crypto.randomUUID()}`, iss: didDocument.id, validFrom: new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
    const forge = (alg: string, hash: string) => {
      const input = `${Buffer.from(JSON.stringify({ alg, typ: 'vc+jwt', kid: `${didDocument.id}#jwk-p384` })).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${nodeSign(hash, Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
    };
    // The same payload under its true header verifies: the refusal below is the algorithm's.
    const honest = await verifyJwtAtGxTrust(forge('ES384', 'sha384'));
    expect(honest.status, honest.text).toBe(200);
    const answer = await verifyJwtAtGxTrust(forge('ES256', 'sha256'));
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.verified).toBe(false);
    expect(answer.body.checks).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code: 'ALG_NOT_ALLOWED' }));
  });
});

describe('status lists of the P-384 did:key', () => {
  it('a credential issued as the P-384 did:key with a revocation entry points at a list that did:key signs with P-384; it verifies, then shows revoked', async () => {
    const answer = await issue(credentialBody(p384DidKey), { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-rdfc-2019', credentialStatus: ['revocation'] });
    expect(answer.status, answer.text).toBe(201);
    const credential = answer.body.verifiableCredential;
    const entry = Array.isArray(credential.credentialStatus) ? credential.credentialStatus[0] : credential.credentialStatus;
    // The Bitstring Status List rule: the list's issuer is the credential's.
    const fetched = await fetch(entry.statusListCredential, { headers: { accept: 'application/json' } });
    expect(fetched.status, entry.statusListCredential).toBe(200);
    const list: any = await fetched.json();
    expect(list.issuer).toBe(p384DidKey);
    expect(list.proof).toMatchObject({ cryptosuite: 'ecdsa-rdfc-2019', verificationMethod: svc.service.keyring.didKey('P-384').verificationMethodId });
    expect(base58btcDecode(list.proof.proofValue.slice(1))).toHaveLength(96);
    // Digital Bazaar's stack verifies the list's P-384 proof too.
    const peer = await verifyAtPeer(list);
    expect(peer.verified, peer.errors).toBe(true);
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: credential, options: { checks: ['proof', 'status'] } });
    expect(verified.status, verified.text).toBe(200);
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: credential.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);
    const after = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: credential, options: { checks: ['proof', 'status'] } });
    expect(after.status, after.text).toBe(422);
  });
});
