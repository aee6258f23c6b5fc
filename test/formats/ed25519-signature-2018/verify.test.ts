/**
 * Ed25519Signature2018 (legacy VCDM 1.1 Data Integrity): gx-trust verifies credentials and
 * presentations signed by Digital Bazaar's @digitalbazaar/ed25519-signature-2018 suite (an
 * independent implementation, signing through jsonld-signatures), with keys of did:key (Multikey)
 * and of did:web (Ed25519VerificationKey2018 `publicKeyBase58`, and JsonWebKey).
 */
import { Ed25519Signature2018 } from '@digitalbazaar/ed25519-signature-2018';
import { Ed25519VerificationKey2018 } from '@digitalbazaar/ed25519-verification-key-2018';
import jsigs from 'jsonld-signatures';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDidResolver } from '../../../src/dids/index.js';
import { base58btcDecode, base58btcEncode, multikeyToJwk } from '../../../src/dids/multikey.js';
import { createDocumentLoader } from '../../../src/document-loader/index.js';
import { ed25519Signature2018Format as format, jsonWebSignature2020Format } from '../../../src/formats/json-web-signature-2020/verify.js';
import type { VerifyContext } from '../../../src/verifying/types.js';
import { startDidWebServer, type DidWebServer } from '../../helpers/did-web-server.js';
import { postJson, startService, type RunningService } from '../../helpers/service.js';

type Json = Record<string, any>;
interface Jsigs {
  sign(document: Json, options: { suite: unknown; purpose: unknown; documentLoader: unknown }): Promise<Json>;
  purposes: {
    AssertionProofPurpose: new () => unknown;
    AuthenticationProofPurpose: new (options: { challenge: string; domain?: string }) => unknown;
  };
}
const { sign, purposes } = jsigs as Jsigs;

const V1 = 'https://www.w3.org/2018/credentials/v1';
const NOW = new Date('2026-03-01T12:00:00Z');
const ALL_PASSED = ['format:ok', 'key-binding:ok', 'proof:ok'];
const documentLoader = createDocumentLoader();

interface Signer {
  did: string;
  keyPair: { id: string; controller: string; publicKeyBase58: string };
}

/** A 2018 key pair of the library, named as a method of `did` (or of its own did:key). */
async function signer(method?: (multikey: string) => { did: string; id: string }): Promise<Signer> {
  const keyPair = await Ed25519VerificationKey2018.generate();
  const multikey = `z${base58btcEncode(Uint8Array.from([0xed, 0x01, ...base58btcDecode(keyPair.publicKeyBase58)]))}`;
  const { did, id } = method?.(multikey) ?? { did: `did:key:${multikey}`, id: `did:key:${multikey}#${multikey}` };
  keyPair.id = id;
  keyPair.controller = did;
  return { did, keyPair };
}

const credential = (issuer: string): Json => ({
  '@context': [V1],
  id: 'urn:uuid:0b1e7c58-1c7e-4a59-9f51-8a1f2c0d3e44',
  type: ['VerifiableCredential'],
  issuer,
  issuanceDate: '2026-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:member-42' },
});

async function signCredential(by: Signer): Promise<Json> {
  return sign(credential(by.did), { suite: new Ed25519Signature2018({ key: by.keyPair, date: '2026-01-02T00:00:00Z' }), purpose: new purposes.AssertionProofPurpose(), documentLoader });
}

function contextOf(extra: Partial<VerifyContext> = {}): VerifyContext {
  return { resolver: createDidResolver({ testMode: true }), documentLoader, now: NOW, clockSkewSeconds: 300, ...extra };
}

const summary = (result: { checks: { check: string; verified: boolean; code?: string }[] }) =>
  result.checks.map((c) => `${c.check}:${c.verified ? 'ok' : c.code}`);

let server: DidWebServer;
beforeAll(async () => {
  server = await startDidWebServer();
});
afterAll(async () => {
  await server.close();
});

describe('Ed25519Signature2018 credentials', () => {
  it('verifies a VCDM 1.1 credential of a did:key issuer, signed by the Digital Bazaar suite', async () => {
    const issuer = await signer();
    const vc = await signCredential(issuer);
    expect(vc.proof).toMatchObject({ type: 'Ed25519Signature2018', proofPurpose: 'assertionMethod', verificationMethod: issuer.keyPair.id });
    expect(vc.proof.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    expect(format.canVerifyCredential(vc)).toBe(true);
    expect(jsonWebSignature2020Format.canVerifyCredential(vc)).toBe(false);
    const result = await format.verifyCredential(vc, contextOf());
    expect(summary(result)).toEqual(ALL_PASSED);
    expect(result.format).toBe('Ed25519Signature2018');
    expect(result.issuer).toBe(issuer.did);
  });

  it.each([
    ['Ed25519VerificationKey2018 (publicKeyBase58)', (s: Signer) => ({ type: 'Ed25519VerificationKey2018', publicKeyBase58: s.keyPair.publicKeyBase58 })],
    ['JsonWebKey', (s: Signer) => ({ type: 'JsonWebKey', publicKeyJwk: multikeyToJwk(`z${base58btcEncode(Uint8Array.from([0xed, 0x01, ...base58btcDecode(s.keyPair.publicKeyBase58)]))}`) })],
  ])('verifies a credential of a did:web issuer publishing its key as %s', async (name, material) => {
    const did = server.didFor([name.split(' ')[0]!.toLowerCase()]);
    const issuer = await signer(() => ({ did, id: `${did}#key-1` }));
    const method = { id: issuer.keyPair.id, controller: did, ...material(issuer) };
    server.setDocument(did, { id: did, verificationMethod: [method], assertionMethod: [method.id] });
    expect(summary(await format.verifyCredential(await signCredential(issuer), contextOf()))).toEqual(ALL_PASSED);
  });

  it('fails the proof of a credential changed after signing, and of a proof whose created was changed', async () => {
    const issuer = await signer();
    const changed = await signCredential(issuer);
    changed.credentialSubject.id = 'did:example:attacker';
    expect(summary(await format.verifyCredential(changed, contextOf()))).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
    const redated = await signCredential(issuer);
    redated.proof.created = '2020-01-01T00:00:00Z';
    expect(summary(await format.verifyCredential(redated, contextOf()))).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
  });

  it('refuses a JWS header with another algorithm than EdDSA before any key is looked up', async () => {
    const issuer = await signer();
    const vc = await signCredential(issuer);
    const [, , signature] = vc.proof.jws.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'ES256', b64: false, crit: ['b64'] })).toString('base64url');
    vc.proof.jws = `${header}..${signature}`;
    expect(summary(await format.verifyCredential(vc, contextOf()))).toEqual(['format:ALG_NOT_ALLOWED', 'key-binding:CHECK_NOT_RUN', 'proof:CHECK_NOT_RUN']);
  });

  it('refuses a key of another DID than the issuer', async () => {
    const issuer = await signer();
    const other = await signer();
    const vc = await sign(credential(issuer.did), { suite: new Ed25519Signature2018({ key: other.keyPair }), purpose: new purposes.AssertionProofPurpose(), documentLoader });
    expect(summary(await format.verifyCredential(vc, contextOf()))).toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
  });
});

describe('Ed25519Signature2018 presentations', () => {
  it('verifies the holder, challenge and domain of a presentation signed by the suite, and refuses another challenge', async () => {
    const holder = await signer();
    const vp = await sign(
      { '@context': [V1], type: ['VerifiablePresentation'], holder: holder.did, verifiableCredential: [await signCredential(holder)] },
      { suite: new Ed25519Signature2018({ key: holder.keyPair }), purpose: new purposes.AuthenticationProofPurpose({ challenge: 'c-123', domain: 'verifier.example' }), documentLoader },
    );
    expect(format.canVerifyPresentation(vp)).toBe(true);
    const result = await format.verifyPresentation(vp, contextOf({ challenge: 'c-123', domain: 'verifier.example' }));
    expect(summary(result)).toEqual([...ALL_PASSED, 'challenge:ok', 'domain:ok']);
    expect(result.heldCredentials).toHaveLength(1);
    expect(summary(await format.verifyPresentation(vp, contextOf({ challenge: 'other' })))).toEqual([...ALL_PASSED, 'challenge:CHALLENGE_MISMATCH']);
  });
});

describe('the service', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('verifies an Ed25519Signature2018 credential at POST /credentials/verify (200) and reports the suite', async () => {
    const vc = await signCredential(await signer());
    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: vc });
    expect(answer.body.format).toBe('Ed25519Signature2018');
    expect(answer.status).toBe(200);
    vc.issuanceDate = '2026-01-01T00:00:01Z';
    expect((await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: vc })).status).toBe(422);
  });
});
