/**
 * The vc+jwt form of gx-trust's status lists (`GET /status-lists/{id}?format=vc+jwt`), read by
 * peers that know nothing of gx-trust: raw jose verifies the JWS under the key the issuer's DID
 * document lists at the header's `kid` (the document fetched from the did:web, as any verifier
 * does), with `typ` checked; @digitalcredentials/vc-bitstring-status-list's `decodeList` reads the
 * payload's `encodedList`, and its `checkStatus` reads the payload a JOSE verifier handed it (it
 * verifies Data Integrity lists only: asserted); the DIF stack (did-jwt, did-jwt-vc) verifies the
 * same JWT over its resolver. The bits the peer reads must be those gx-trust reports for the same
 * credentials.
 */
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import { checkStatus, decodeList } from '@digitalcredentials/vc-bitstring-status-list';
import { verifyJWT } from 'did-jwt';
import { verifyCredential } from 'did-jwt-vc';
import { Resolver, type DIDDocument, type DIDResolver } from 'did-resolver';
import { decodeProtectedHeader, errors, importJWK, jwtVerify, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { issuedByGxTrust, peerDocumentLoader, VCDM2 } from './peers.js';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

interface IssuedWithStatus {
  id: string;
  credentialStatus: { statusListIndex: string; statusListCredential: string }[];
}
/** Two credentials on the same revocation list, the first revoked. */
let revoked: IssuedWithStatus;
let untouched: IssuedWithStatus;
let listUrl: string;
/** The vc+jwt list as served before the revocation. */
let jwtBefore: string;

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  revoked = await issuedByGxTrust(svc, { credentialStatus: true });
  untouched = await issuedByGxTrust(svc, { credentialStatus: true });
  listUrl = revoked.credentialStatus[0]!.statusListCredential;
  expect(untouched.credentialStatus[0]!.statusListCredential).toBe(listUrl);
  jwtBefore = await listJwt();
  const answer = await postJson(`${svc.url}/credentials/status`, { credentialId: revoked.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
  expect(answer.status, answer.text).toBe(200);
});
afterAll(async () => {
  await svc?.close();
});

async function listJwt(): Promise<string> {
  const response = await fetch(`${listUrl}?format=vc+jwt`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
  return response.text();
}

/** did:web resolution (DID Web §3.2) over http://, loopback only: the service is served there. */
async function resolveDidWeb(did: string): Promise<DIDDocument> {
  const host = decodeURIComponent(did.replace(/^did:web:/, ''));
  if (!/^(localhost|127\.0\.0\.1):\d+$/.test(host)) throw new Error(`${did} is not a loopback did:web`);
  const response = await fetch(`http://${host}/.well-known/did.json`);
  expect(response.status).toBe(200);
  return (await response.json()) as DIDDocument;
}

/** What a raw JOSE verifier does: the key is the issuer DID document's method named by `kid`. */
async function joseVerify(jwt: string, typ = 'vc+jwt') {
  const { kid, alg } = decodeProtectedHeader(jwt);
  const did = String(kid).split('#')[0]!;
  const method = (await resolveDidWeb(did)).verificationMethod?.find((vm) => vm.id === kid);
  expect(method?.publicKeyJwk, `${kid} has a publicKeyJwk in ${did}'s document`).toBeDefined();
  return jwtVerify(jwt, await importJWK(method!.publicKeyJwk as JWK, alg), { typ, algorithms: [alg!], issuer: did });
}

/** The JWT with its payload changed by `change`, header and signature kept. */
function tamperedJwt(jwt: string, change: (claims: any) => void): string {
  const [header, payload, signature] = jwt.split('.');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
  change(claims);
  return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
}

const indexOf = (credential: IssuedWithStatus) => Number(credential.credentialStatus[0]!.statusListIndex);

/** The list's bitstring with the revoked credential's bit cleared, as a forger undoing a revocation writes it. */
async function clearedEncodedList(): Promise<string> {
  const { payload } = await joseVerify(await listJwt());
  const list = await decodeList({ encodedList: (payload['credentialSubject'] as { encodedList: string }).encodedList });
  list.setStatus(indexOf(revoked), false);
  const encodedList = await list.encode();
  expect((await decodeList({ encodedList })).getStatus(indexOf(revoked))).toBe(false);
  return encodedList;
}

describe('jose verifies the vc+jwt status list under the key its issuer\'s DID document names', () => {
  it('jwtVerify (typ vc+jwt, issuer the kid\'s DID) accepts it; the payload is the list fetched', async () => {
    const jwt = await listJwt();
    const { payload, protectedHeader } = await joseVerify(jwt);
    expect(protectedHeader).toMatchObject({ typ: 'vc+jwt', kid: expect.stringMatching(new RegExp(`^${svc.service.keyring.did}#`)) });
    expect(payload).toMatchObject({
      '@context': expect.arrayContaining([VCDM2]),
      id: listUrl,
      type: expect.arrayContaining(['BitstringStatusListCredential']),
      issuer: svc.service.keyring.did,
      credentialSubject: { type: 'BitstringStatusList', statusPurpose: 'revocation' },
    });
  });

  it('refuses it where typ is checked for another kind of token', async () => {
    await expect(joseVerify(await listJwt(), 'vp+jwt')).rejects.toThrow(errors.JWTClaimValidationFailed);
  });

  it('refuses it with the revoked bit cleared, signature kept', async () => {
    const encodedList = await clearedEncodedList();
    const forged = tamperedJwt(await listJwt(), (claims) => { claims.credentialSubject.encodedList = encodedList; });
    await expect(joseVerify(forged)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
  });
});

describe('decodeList (@digitalcredentials/vc-bitstring-status-list) reads the JWT\'s encodedList as gx-trust does', () => {
  const bitsOf = async (jwt: string) => {
    const { payload } = await joseVerify(jwt);
    const list = await decodeList({ encodedList: (payload['credentialSubject'] as { encodedList: string }).encodedList });
    return [list.getStatus(indexOf(revoked)), list.getStatus(indexOf(untouched))];
  };

  // Read before and after: a list served from a signature made before the change would pass the
  // second half alone if the bit had been set from the start.
  it('before the revocation both bits are clear; after it the revoked credential\'s bit is set, the untouched one\'s clear, and gx-trust reports the same', async () => {
    expect(await bitsOf(jwtBefore)).toEqual([false, false]);
    expect(await bitsOf(await listJwt())).toEqual([true, false]);

    const record = async (credential: IssuedWithStatus) => (await (await fetch(`${svc.url}/credentials/${encodeURIComponent(credential.id)}`, { headers: auth() })).json()) as { status: string };
    expect((await record(revoked)).status).toBe('revoked');
    expect((await record(untouched)).status).toBe('active');

    const statusCheck = async (credential: IssuedWithStatus) => {
      const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: credential });
      return (answer.body.checks as { check: string }[]).find((check) => check.check === 'status');
    };
    expect(await statusCheck(revoked)).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    expect(await statusCheck(untouched)).toMatchObject({ verified: true });
  });

  it('the JWT form carries the same bitstring as the JSON form of the list', async () => {
    const { payload } = await joseVerify(await listJwt());
    const json = (await (await fetch(listUrl, { headers: { accept: 'application/json' } })).json()) as { credentialSubject: { encodedList: string } };
    const fromJwt = await decodeList({ encodedList: (payload['credentialSubject'] as { encodedList: string }).encodedList });
    const fromJson = await decodeList({ encodedList: json.credentialSubject.encodedList });
    expect(fromJwt.length).toBe(fromJson.length);
    expect(Buffer.from(fromJwt.bitstring.bits).equals(Buffer.from(fromJson.bitstring.bits))).toBe(true);
  });
});

/** did:web as web-did-resolver reads it, but over http:// (its https-only limitation: did-jwt-vc.test.ts). */
const loopbackDidWeb: DIDResolver = async (did) => ({ didDocument: await resolveDidWeb(did), didDocumentMetadata: {}, didResolutionMetadata: { contentType: 'application/did+json' } });
// did-jwt pins did-resolver 4, the service 6: the same interface, typed twice.
type DifResolvable = Parameters<typeof verifyCredential>[1];
const resolver = new Resolver({ web: loopbackDidWeb }) as unknown as DifResolvable;

describe('the DIF stack (did-jwt, did-jwt-vc) verifies the vc+jwt status list', () => {
  it('did-jwt verifyJWT accepts it, the signer the method the kid names', async () => {
    const jwt = await listJwt();
    const verified = await verifyJWT(jwt, { resolver, policies: { aud: false } });
    expect(verified.issuer).toBe(svc.service.keyring.did);
    expect(verified.signer.id).toBe(decodeProtectedHeader(jwt).kid);
  });

  it('did-jwt verifyJWT refuses it with the revoked bit cleared', async () => {
    const encodedList = await clearedEncodedList();
    const forged = tamperedJwt(await listJwt(), (claims) => { claims.credentialSubject.encodedList = encodedList; });
    await expect(verifyJWT(forged, { resolver, policies: { aud: false } })).rejects.toThrow(/invalid_signature/);
  });

  // did-jwt-vc reads VCDM 1.1 only (recorded in did-jwt-vc.test.ts): with its format policy on it
  // refuses the VCDM 2.0 list by format; off, it checks signature and issuer.
  it('did-jwt-vc verifyCredential accepts it with its format policy off, refuses it by format with it on', async () => {
    const jwt = await listJwt();
    expect((await verifyCredential(jwt, resolver, { policies: { format: false } })).verified).toBe(true);
    await expect(verifyCredential(jwt, resolver)).rejects.toThrow(/missing default context "https:\/\/www\.w3\.org\/2018\/credentials\/v1"/);
  });
});

describe('@digitalcredentials/vc-bitstring-status-list checkStatus on the vc+jwt form', () => {
  /**
   * A loader that fetches the list's vc+jwt form where the credential names the list, as a
   * verifier preferring JWT lists would; `verified` hands checkStatus the payload jose verified,
   * otherwise the compact JWT as fetched. Contexts and DID documents as the other peers get them.
   */
  async function jwtListLoader(verified: boolean) {
    const base = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
    return async (url: string) => {
      if (url !== listUrl) return base(url);
      const jwt = await listJwt();
      return { contextUrl: null, documentUrl: url, document: verified ? (await joseVerify(jwt)).payload : jwt };
    };
  }
  const suite = () => [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })];

  it('reads the revoked and the untouched bit from the payload jose verified, its own list verification off', async () => {
    const documentLoader = await jwtListLoader(true);
    const read = async (credential: IssuedWithStatus) => {
      const result = await checkStatus({ credential, documentLoader, suite: suite(), verifyBitstringStatusListCredential: false, verifyMatchingIssuers: true });
      expect(result.error?.message).toBeUndefined();
      return result.verified as boolean;
    };
    expect(await read(revoked)).toBe(false);
    expect(await read(untouched)).toBe(true);
  });

  // The reader's own list verification is @digitalcredentials/vc's verifyCredential: Data Integrity
  // only, so the JWT's payload (its proof is the JWS around it) is "not verified" to it, and the
  // compact JWT itself is no credential it can read.
  it('cannot verify a vc+jwt list itself: the payload has no proof it knows, the compact JWT is no object', async () => {
    const verifiedPayload = await checkStatus({ credential: untouched, documentLoader: await jwtListLoader(true), suite: suite(), verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true });
    expect(verifiedPayload.verified).toBe(false);
    expect(verifiedPayload.error?.message).toMatch(/"BitstringStatusListCredential" not verified/);
    expect((verifiedPayload.error as { cause?: { errors?: Error[] } }).cause?.errors?.map((e) => e.message)).toEqual(['No matching proofs found in the given document.']);
    const compact = await checkStatus({ credential: untouched, documentLoader: await jwtListLoader(false), suite: suite(), verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true });
    expect(compact.verified).toBe(false);
    expect(compact.error?.message).toMatch(/'statusPurpose' of 'slCredential\.credentialSubject' as it is undefined/);
  });
});
