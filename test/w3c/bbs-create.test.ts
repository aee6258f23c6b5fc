/**
 * The W3C bbs-2023 suite's issuer assertions (w3c/vc-di-bbs-test-suite `tests/suites/create.js`,
 * commit 015240a00de5e00ca65a22628e98af2fb2bf026e, BSD-3-Clause; the assertions are restated here,
 * not copied) against gx-trust's POST /credentials/issue with `{"type": "DataIntegrityProof",
 * "cryptosuite": "bbs-2023"}` on loopback: what a base proof must look like. Each `it` names the
 * suite's assertion it runs. The issuers: the service's did:web (the suites' configured issuer)
 * and its BLS12-381 did:key. The input is the suites' valid credential (shared with the ecdsa-sd
 * suite, test/fixtures/w3c/README.md), with `/issuer` mandatory as the suites' configuration has it.
 *
 * One assertion is skipped in the suite itself (`it.skip`: "The proof.proofPurpose field MUST
 * match the verification relationship expressed by the verification method controller"); it is
 * run here all the same, since gx-trust's DID documents do list the relationship.
 */
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as bbs2023 from '@digitalbazaar/bbs-2023-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58btcDecode } from '../../src/dids/multikey.js';
import { peerDocumentLoader, type PeerDocumentLoader } from '../interop/peers.js';
import { fixture, startSuiteTarget, type SuiteEndpoints } from './harness.js';

const SOURCE = 'w3c/vc-di-bbs-test-suite tests/suites/create.js';
const BASE58 = /^[1-9A-HJ-NP-Za-km-z]+$/;

let target: SuiteEndpoints;
let documentLoader: PeerDocumentLoader;

beforeAll(async () => {
  target = await startSuiteTarget();
  documentLoader = await peerDocumentLoader(`${target.svc.url}/.well-known/did.json`);
  const { didKey } = target.svc.service.keyring.bbsKey()!;
  documentLoader.addDidKey(didKey.did, didKey.document.verificationMethod![0] as unknown as Record<string, unknown>, didKey.document['@context'] as string[]);
});
afterAll(async () => {
  await target?.svc.close();
});

/**
 * A base proofValue as VC DI BBS §3.3.6 serializeBaseProofValue writes it: `u` + base64url (no
 * padding) of the CBOR tag 0xd95d02 and a five-item array: the BBS signature (80 bytes), the BBS
 * header (64: proof hash and mandatory hash), the public key (96), the HMAC key (32), and the
 * mandatory pointers. Read byte by byte, without a CBOR library.
 */
function baseProofParts(proofValue: string): { signature: Buffer; header: Buffer; publicKey: Buffer; hmacKey: Buffer; rest: Buffer } {
  expect(proofValue.startsWith('u'), 'multibase base64url, "u"').toBe(true);
  expect(proofValue.slice(1)).toMatch(/^[A-Za-z0-9_-]+$/);
  const bytes = Buffer.from(proofValue.slice(1), 'base64url');
  expect([...bytes.subarray(0, 3)], 'CBOR tag 0xd95d02 (bbs-2023 base proof)').toEqual([0xd9, 0x5d, 0x02]);
  expect(bytes[3], 'a CBOR array of five items').toBe(0x85);
  let at = 4;
  const byteString = (length: number): Buffer => {
    // CBOR major type 2 with a one-byte length (24 to 255 bytes).
    expect([bytes[at], bytes[at + 1]]).toEqual([0x58, length]);
    const value = bytes.subarray(at + 2, at + 2 + length);
    at += 2 + length;
    return value;
  };
  return { signature: byteString(80), header: byteString(64), publicKey: byteString(96), hmacKey: byteString(32), rest: bytes.subarray(at) };
}

describe.each([
  ['the service\'s did:web (#multikey-bls12381)', () => target.svc.service.keyring.did],
  ['the service\'s BLS12-381 did:key', () => target.svc.service.keyring.bbsKey()!.didKey.did],
])('bbs-2023 (issuers), VC 2.0: gx-trust issuing as %s', (_name, issuerOf) => {
  let issued: any;
  let proofs: any[];
  let bbsProofs: any[];
  let methods: any[];

  beforeAll(async () => {
    const answer = await target.issue({ ...fixture('vc-di-ecdsa-test-suite', 'validVc.json'), id: `urn:uuid:${crypto.randomUUID()}`, issuer: issuerOf() }, {
      type: 'DataIntegrityProof',
      cryptosuite: 'bbs-2023',
      mandatoryPointers: fixture('vc-di-ecdsa-test-suite', 'sd-achievement-mandatoryPointers.json'),
    });
    expect(answer.status, answer.text).toBe(201);
    issued = answer.body.verifiableCredential;
    proofs = [issued.proof].flat();
    bbsProofs = proofs.filter((proof) => proof.cryptosuite === 'bbs-2023');
    methods = await Promise.all(proofs.map(async (proof) => (await documentLoader(proof.verificationMethod)).document));
  });

  it(`The field "cryptosuite" MUST be "bbs-2023". (${SOURCE})`, () => {
    expect(proofs.some((proof) => proof.cryptosuite === 'bbs-2023')).toBe(true);
  });

  it(`The type property of the proof MUST be DataIntegrityProof. (${SOURCE}; VC DI BBS §3.3.1)`, () => {
    expect(bbsProofs.length).toBeGreaterThanOrEqual(1);
    for (const proof of bbsProofs) expect(proof.type).toBe('DataIntegrityProof');
  });

  it(`The value of the proofValue property of the proof MUST be a BBS signature or BBS proof produced according to [CFRG-BBS-SIGNATURE] that is serialized and encoded according to procedures in section 3. Algorithms. (${SOURCE})`, () => {
    for (const proof of bbsProofs) {
      const { publicKey, rest } = baseProofParts(proof.proofValue);
      // The public key the base proof carries is the one the verification method publishes.
      const method = methods.find((m) => m.id === proof.verificationMethod);
      expect(publicKey.equals(Buffer.from(base58btcDecode(method.publicKeyMultibase.slice(1)).subarray(2)))).toBe(true);
      // The mandatory pointers, a CBOR array of text strings: the suite's "/issuer", and "/validFrom",
      // which gx-trust always keeps mandatory (a holder may not hide the validity period).
      expect([...rest]).toEqual([0x82, 0x67, ...Buffer.from('/issuer'), 0x6a, ...Buffer.from('/validFrom')]);
    }
  });

  it(`The derived "proof" MUST verify when using a conformant verifier. (${SOURCE})`, async () => {
    // As the suite: a conformant holder (Digital Bazaar's disclose suite) derives, a conformant verifier checks.
    const derived = await vc.derive({ verifiableCredential: issued, suite: new DataIntegrityProof({ cryptosuite: bbs2023.createDiscloseCryptosuite({ selectivePointers: ['/credentialSubject/name'] }) }), documentLoader });
    const result = await vc.verifyCredential({ credential: derived, suite: new DataIntegrityProof({ cryptosuite: bbs2023.createVerifyCryptosuite() }), documentLoader });
    expect(result.verified, JSON.stringify(result.error)).toBe(true);
    // And gx-trust's own verifier says the same.
    const answer = await target.verify(derived);
    expect(answer.body.verified, answer.text).toBe(true);
  });

  it(`The "proof.proofPurpose" field MUST match the verification relationship expressed by the verification method controller. (${SOURCE}, it.skip there)`, async () => {
    for (const proof of bbsProofs) {
      const method = methods.find((m) => m.id === proof.verificationMethod);
      const controller = (await documentLoader(method.controller)).document;
      expect(proof.proofPurpose).toBe('assertionMethod');
      expect(controller[proof.proofPurpose]).toContain(proof.verificationMethod);
    }
  });

  it(`Dereferencing "verificationMethod" MUST result in an object containing a type property with "Multikey" value. (${SOURCE})`, () => {
    expect(methods.some((method) => method.type === 'Multikey')).toBe(true);
  });

  it(`The publicKeyMultibase property represents a Multibase-encoded Multikey expression of a BLS12-381 public key in the G2 group: 0xeb01 and 96 bytes, base58-btc (z); any other encoding MUST NOT be allowed. (${SOURCE})`, () => {
    const proof = bbsProofs[0];
    const method = methods.find((m) => m.id === proof.verificationMethod);
    expect(method.publicKeyMultibase).toMatch(/^z/);
    expect(method.publicKeyMultibase.slice(1)).toMatch(BASE58);
    const bytes = base58btcDecode(method.publicKeyMultibase.slice(1));
    expect(bytes).toHaveLength(98);
    expect([...bytes.subarray(0, 2)]).toEqual([0xeb, 0x01]);
  });

  it(`The transformation options MUST contain a type identifier for the cryptographic suite (type), a cryptosuite identifier (cryptosuite), and a verification method (verificationMethod). (${SOURCE})`, () => {
    for (const proof of bbsProofs) {
      expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'bbs-2023', verificationMethod: expect.any(String) });
      // The suite checks the encoding of what follows "did:key:" in the method's DID.
      const [did] = proof.verificationMethod.split('#');
      if (did.startsWith('did:key:')) expect(did.slice('did:key:'.length)).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
      else expect(did).toBe(target.svc.service.keyring.did);
    }
  });
});
