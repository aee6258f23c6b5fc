/**
 * The W3C selective-disclosure suites' verifier assertions (w3c/vc-di-ecdsa-test-suite
 * `tests/50-sd-verify.js` for ecdsa-sd-2023, w3c/vc-di-bbs-test-suite `tests/suites/verify.js` for
 * bbs-2023) against gx-trust's POST /credentials/verify on loopback, and the specifications' own
 * published derived credentials (vc-di-ecdsa and vc-di-bbs `TestVectors/derivedRevealDocument.json`).
 *
 * gx-trust as issuer (ecdsa-sd-2023 base proof, POST /credentials/issue) and holder service
 * (POST /credentials/derive) is checked the other way round at the end: Digital Bazaar's verifier
 * reads the service's DID document and verifies what gx-trust derived.
 *
 * As the suites do, the issuer and holder side is Digital Bazaar's: raw `@digitalbazaar/vc`
 * `issue` with the cryptosuite's sign suite (base proof, mandatory pointers) and `derive` with its
 * disclose suite (selective pointers), by a did:key the test makes (P-256 for ecdsa-sd-2023,
 * BLS12-381 G2 for bbs-2023; gx-trust resolves both offline). gx-trust only verifies.
 *
 * The suites' inputs here: their valid credential and their achievement credential (nested objects
 * and arrays) with its pointers. The suites' own driver's-licence and permanent-resident-card
 * inputs (under the pinned `https://w3id.org/vdl/v2` and citizenship contexts) run in
 * selective-disclosure-suite-inputs.test.ts.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import * as Bls12381Multikey from '@digitalbazaar/bls12-381-multikey';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import jsigs from 'jsonld-signatures';
import { pinnedContexts, withVerificationMethod, createDocumentLoader } from '../../src/document-loader/index.js';
import { resolveDidKey } from '../../src/dids/key.js';
import { base58btcEncode } from '../../src/dids/multikey.js';
import { selectiveDisclosureVerifyingSuite } from '../../src/formats/data-integrity/suites.js';
import { didKeyIssuer, signedByDidKey } from './di-generator.js';
import { fixture, issued, startSuiteTarget, type SuiteEndpoints } from './harness.js';
import { derive, didKeyOf, expectRefused, expectVerified, issueBase, peerLoader, type SdIssuer, type SdSuite } from './sd-peer.js';
import { postJson } from '../helpers/service.js';

type Suite = SdSuite;

let target: SuiteEndpoints;

beforeAll(async () => {
  target = await startSuiteTarget();
});
afterAll(async () => {
  await target?.svc.close();
});

const SUITE_FILES = 'vc-di-ecdsa-test-suite';

/** POST /credentials/derive takes an API key (member or connector; the service's admin key here). */
const keyed = () => ({ authorization: `Bearer ${target.svc.apiKey}` });

describe.each(['ecdsa-sd-2023', 'bbs-2023'] as const)('%s (verifiers): Digital Bazaar issues and derives, gx-trust verifies', (suite) => {
  let issuer: SdIssuer;
  let validBase: any;
  let disclosed: any;
  let nested: any;
  let noIds: any;
  let full: any;
  let lessThanFull: any;
  let withoutFirst: any;
  let mandatoryDescription: any;

  beforeAll(async () => {
    issuer = await didKeyOf(suite);
    const valid = fixture(SUITE_FILES, 'validVc.json');
    const achievement = fixture(SUITE_FILES, 'sd-achievement-document.json');
    const mandatory: string[] = fixture(SUITE_FILES, 'sd-achievement-mandatoryPointers.json');
    const selective: string[] = fixture(SUITE_FILES, 'sd-achievement-selectivePointers.json');
    validBase = await issueBase(suite, issuer, valid, ['/issuer']);
    disclosed = await derive(suite, validBase, ['/credentialSubject/id']);
    const achievementBase = await issueBase(suite, issuer, achievement, mandatory);
    nested = await derive(suite, achievementBase, selective.slice(1, 3));
    const { id: _id, ...validWithoutId } = valid;
    const { id: _subjectId, ...subjectWithoutId } = valid.credentialSubject;
    noIds = await derive(suite, await issueBase(suite, issuer, { ...validWithoutId, credentialSubject: subjectWithoutId }, ['/issuer']), ['/credentialSubject/name']);
    full = await derive(suite, achievementBase, [...selective]);
    lessThanFull = await derive(suite, achievementBase, selective.slice(2, -4));
    withoutFirst = await derive(suite, achievementBase, selective.slice(7));
    mandatoryDescription = await derive(suite, await issueBase(suite, issuer, valid, ['/issuer', '/credentialSubject/description']), ['/credentialSubject/name']);
  }, 60_000);

  it(`MUST verify a valid VC with an ${suite} proof.`, async () => {
    expect(disclosed.proof.cryptosuite).toBe(suite);
    expect(disclosed.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440' });
    expectVerified(await target.verify(disclosed));
  });

  it('MUST verify a valid VC with nested disclosed properties.', async () => {
    expect(nested.credentialSubject.achievements[0].sails).toHaveLength(2);
    expectVerified(await target.verify(nested));
  });

  it('MUST verify a valid VC with disclosed properties and bnodes.', async () => {
    expect(noIds.id).toBeUndefined();
    expect(noIds.credentialSubject).toEqual({ name: 'Alice' });
    expectVerified(await target.verify(noIds));
  });

  it('MUST verify with full array revealed properties', async () => {
    expectVerified(await target.verify(full));
  });

  it('MUST verify with fewer array revealed properties', async () => {
    expectVerified(await target.verify(lessThanFull));
  });

  it('MUST verify w/o first element revealed properties', async () => {
    expectVerified(await target.verify(withoutFirst));
  });

  it('a mandatory statement is disclosed without being selected, and verifies', async () => {
    expect(mandatoryDescription.credentialSubject.description).toBe('A credential about Alice.');
    expectVerified(await target.verify(mandatoryDescription));
  });

  it('If the "proofValue" string does not start with "u", an error MUST be raised.', async () => {
    const copy = structuredClone(disclosed);
    copy.proof.proofValue = 'a';
    const answer = await target.verify(copy);
    expectRefused(answer, 'proof', 'INVALID_SIGNATURE');
    expect(answer.body.checks.find((c: { check: string }) => c.check === 'proof').pointer).toBe('/proof/proofValue');
  });

  it(`If the "cryptosuite" field is not the string "${suite}", an error MUST be raised.`, async () => {
    const copy = structuredClone(disclosed);
    copy.proof.cryptosuite = 'invalid-cryptosuite';
    expectRefused(await target.verify(copy), 'format', 'UNSUPPORTED_FORMAT');
  });

  it('MUST fail to verify a base proof.', async () => {
    const answer = await target.verify(validBase);
    expectRefused(answer, 'proof', 'BASE_PROOF_PRESENTED');
    expect(answer.body.checks.find((c: { check: string }) => c.check === 'proof').pointer).toBe('/proof/proofValue');
  });

  it('MUST fail to verify a modified disclosed credential.', async () => {
    const copy = structuredClone(disclosed);
    copy.credentialSubject.id = 'urn:invalid';
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
  });

  it('fails a disclosed value changed in a nested array element', async () => {
    const copy = structuredClone(nested);
    copy.credentialSubject.achievements[0].sails[0].size = 9.9;
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
  });

  it('fails a credential whose mandatory statement was removed', async () => {
    const copy = structuredClone(mandatoryDescription);
    delete copy.credentialSubject.description;
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
  });

  it('fails a statement added that the holder did not disclose', async () => {
    const copy = structuredClone(disclosed);
    copy.credentialSubject.name = 'Alice';
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
  });

  it("fails a proof made with another key under the issuer's verification method", async () => {
    const other = await didKeyOf(suite);
    const forged = { ...other.signer, id: issuer.methodId, algorithm: other.signer.algorithm, sign: other.signer.sign.bind(other.signer) };
    const base = await issueBase(suite, { ...issuer, signer: forged }, fixture(SUITE_FILES, 'validVc.json'), ['/issuer']);
    const derived = await derive(suite, base, ['/credentialSubject/id']);
    expect(derived.proof.verificationMethod).toBe(issuer.methodId);
    expectRefused(await target.verify(derived), 'proof', 'INVALID_SIGNATURE');
  });

  it('fails a proofValue whose header names the other proof mode or suite', async () => {
    for (const byte of suite === 'bbs-2023' ? [0x01, 0x04] : [0x03, 0x02]) {
      const copy = structuredClone(disclosed);
      const bytes = Buffer.from(copy.proof.proofValue.slice(1), 'base64url');
      bytes[2] = byte;
      copy.proof.proofValue = `u${bytes.toString('base64url')}`;
      const answer = await target.verify(copy);
      expectRefused(answer, 'proof', 'INVALID_SIGNATURE');
      expect(answer.text).toContain(`0xd95d${byte.toString(16).padStart(2, '0')}`);
    }
  });

  it("gx-trust's POST /credentials/derive derives from the peer's base proof, as a holder service, and the result verifies", async () => {
    const options = suite === 'bbs-2023' ? { selectivePointers: ['/credentialSubject/name'], presentationHeader: '113377aa' } : { selectivePointers: ['/credentialSubject/name'] };
    const answer = await postJson(`${target.svc.url}/credentials/derive`, { verifiableCredential: validBase, options }, keyed());
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.verifiableCredential.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440', name: 'Alice' });
    expectVerified(await target.verify(answer.body.verifiableCredential));
    if (suite === 'ecdsa-sd-2023') {
      const header = await postJson(`${target.svc.url}/credentials/derive`, { verifiableCredential: validBase, options: { ...options, presentationHeader: '00' } }, keyed());
      expect(header.status, header.text).toBe(400);
      expect(header.body.pointer).toBe('/options/presentationHeader');
    }
  });

  it('fails a derived proof whose body is cut short', async () => {
    const copy = structuredClone(disclosed);
    copy.proof.proofValue = copy.proof.proofValue.slice(0, 40);
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
  });
});

describe('the key type is tied to the cryptosuite', () => {
  let ecdsaSd: any;
  let bbs: any;
  beforeAll(async () => {
    const valid = fixture(SUITE_FILES, 'validVc.json');
    ecdsaSd = await derive('ecdsa-sd-2023', await issueBase('ecdsa-sd-2023', await didKeyOf('ecdsa-sd-2023'), valid, ['/issuer']), ['/credentialSubject/id']);
    bbs = await derive('bbs-2023', await issueBase('bbs-2023', await didKeyOf('bbs-2023'), valid, ['/issuer']), ['/credentialSubject/id']);
  }, 60_000);

  /** The credential as if issued by `did`'s only key (the signature no longer matters: the key is refused first). */
  function claimedBy(credential: any, did: string): any {
    const copy = structuredClone(credential);
    copy.issuer = did;
    copy.proof.verificationMethod = resolveDidKey(did).verificationMethod?.[0]?.id;
    return copy;
  }

  it('ecdsa-sd-2023 refuses a P-384, an Ed25519 and a BLS12-381 key (ALG_NOT_ALLOWED)', async () => {
    const bls = (await didKeyOf('bbs-2023')).did;
    for (const did of [didKeyIssuer('P-384').did, didKeyIssuer('Ed25519').did, bls]) {
      const answer = await target.verify(claimedBy(ecdsaSd, did));
      expectRefused(answer, 'proof', 'ALG_NOT_ALLOWED');
      expect(answer.text).toContain('ecdsa-sd-2023 proofs are not verified with');
    }
  });

  it('bbs-2023 refuses a P-256 key (ALG_NOT_ALLOWED)', async () => {
    const answer = await target.verify(claimedBy(bbs, didKeyIssuer('P-256').did));
    expectRefused(answer, 'proof', 'ALG_NOT_ALLOWED');
    expect(answer.text).toContain('bbs-2023 proofs are not verified with P-256 keys');
  });

  it('a BLS12-381 key verifies no other proof: an ecdsa-rdfc-2019 credential claimed by a BLS did:key is refused (ALG_NOT_ALLOWED)', async () => {
    const signed = await signedByDidKey(fixture(SUITE_FILES, 'validVc.json'), didKeyIssuer('P-256'), 'ecdsa-rdfc-2019');
    const answer = await target.verify(claimedBy(signed, (await didKeyOf('bbs-2023')).did));
    expectRefused(answer, 'proof', 'ALG_NOT_ALLOWED');
    expect(answer.text).toContain('verifies bbs-2023 Data Integrity proofs only');
  });
});

/** The key pair the specification publishes (SDKeyMaterial.json's base key, BBSKeyMaterial.json), with its secret. */
async function publishedKey(suite: Suite): Promise<any> {
  if (suite === 'ecdsa-sd-2023') {
    const { baseKeyPair } = fixture('vc-di-ecdsa', 'SDKeyMaterial.json');
    return EcdsaMultikey.from({ type: 'Multikey', publicKeyMultibase: baseKeyPair.publicKeyMultibase, secretKeyMultibase: baseKeyPair.privateKeyMultibase });
  }
  const { publicKeyHex, privateKeyHex } = fixture('vc-di-bbs', 'BBSKeyMaterial.json');
  // Multicodec bls12_381-g2-pub (0xeb) and bls12_381-g2-priv (0x130a), as varints.
  const multikey = (prefix: number[], hex: string) => `z${base58btcEncode(Uint8Array.from([...prefix, ...Buffer.from(hex, 'hex')]))}`;
  return Bls12381Multikey.from({
    type: 'Multikey',
    publicKeyMultibase: multikey([0xeb, 0x01], publicKeyHex),
    secretKeyMultibase: multikey([0x8a, 0x26], privateKeyHex),
  });
}

describe("the specifications' published derived credentials (TestVectors/derivedRevealDocument.json)", () => {
  /** The published proof checked with gx-trust's verifying suite, under the key its did:key names. */
  async function suiteVerifies(document: any): Promise<boolean> {
    const methodId: string = document.proof.verificationMethod;
    const didDocument = resolveDidKey(methodId.split('#')[0] ?? '');
    const method = didDocument.verificationMethod?.find((m) => m.id === methodId);
    if (method === undefined) throw new Error(`${methodId} not in its did:key document`);
    const suite = selectiveDisclosureVerifyingSuite(document.proof.cryptosuite, method);
    const purpose = new jsigs.purposes.AssertionProofPurpose({ controller: { id: didDocument.id, assertionMethod: [method.id] } });
    const result = await jsigs.verify(document, { suite, purpose, documentLoader: withVerificationMethod(createDocumentLoader(), method) });
    return result.verified === true;
  }

  describe.each([
    ['ecdsa-sd-2023', 'vc-di-ecdsa'],
    ['bbs-2023', 'vc-di-bbs'],
  ])('%s (%s)', (_suite, dir) => {
    it('the published proof verifies under the published key, with gx-trust\'s pinned contexts and in JSON-LD safe mode', async () => {
      expect(await suiteVerifies(fixture(dir, 'derivedRevealDocument.json'))).toBe(true);
    });

    it('the published credential with a disclosed value changed does not verify', async () => {
      const changed = fixture(dir, 'derivedRevealDocument.json');
      changed.credentialSubject.boards[0].year = 2021;
      expect(await suiteVerifies(changed)).toBe(false);
    });

    it('as published, the service refuses it for its issuer, an https URL no key can be bound to (KEY_BINDING); the proof check is not run', async () => {
      const answer = await target.verify(fixture(dir, 'derivedRevealDocument.json'));
      expectRefused(answer, 'key-binding', 'KEY_BINDING');
      expectRefused(answer, 'proof', 'CHECK_NOT_RUN');
    });

    it('re-targeted: the published key re-issues the published content as its own did:key, and the service verifies what the holder derives; a changed value is refused', async () => {
      const suite = _suite as Suite;
      const published = fixture(dir, 'derivedRevealDocument.json');
      const key = await publishedKey(suite);
      const did = `did:key:${key.publicKeyMultibase}`;
      expect(published.proof.verificationMethod).toBe(`${did}#${key.publicKeyMultibase}`);
      key.id = `${did}#${key.publicKeyMultibase}`;
      key.controller = did;
      const { proof: _proof, ...content } = published;
      const base = await issueBase(suite, { did, methodId: key.id, signer: key.signer() }, content, ['/issuer', '/credentialSubject/sailNumber', '/credentialSubject/boards/0/year']);
      const derived = await derive(suite, base, ['/credentialSubject/boards/0', '/credentialSubject/sails/1']);
      expect(derived.credentialSubject.sails).toHaveLength(1);
      expectVerified(await target.verify(derived));
      derived.credentialSubject.boards[0].brand = 'Tillo';
      expectRefused(await target.verify(derived), 'proof', 'INVALID_SIGNATURE');
    });
  });
});

describe('ecdsa-sd-2023 (create): gx-trust issues the base proof and derives; gx-trust and Digital Bazaar verify', () => {
  let base: any;
  let derived: any;
  let didDocument: any;

  const deriveAt = (verifiableCredential: unknown, selectivePointers: unknown) =>
    postJson(`${target.svc.url}/credentials/derive`, { verifiableCredential, options: { selectivePointers } }, keyed());

  /** Digital Bazaar's verifier, reading the service's DID document as any verifier fetches it. */
  async function peerVerifies(credential: any): Promise<boolean> {
    const contexts = pinnedContexts();
    const documentLoader = async (url: string) => {
      const answer = (document: unknown) => ({ contextUrl: null, documentUrl: url, document: structuredClone(document) });
      if (contexts.has(url)) return answer(contexts.get(url));
      if (url === didDocument.id) return answer(didDocument);
      const method = didDocument.verificationMethod.find((m: { id: string }) => m.id === url);
      if (method !== undefined) return answer({ '@context': didDocument['@context'], ...method });
      throw new Error(`peer loader: ${url}`);
    };
    const suite = new DataIntegrityProof({ cryptosuite: ecdsaSd2023.createVerifyCryptosuite() });
    // The peer's status check is not what this test is about (status list interop: digitalcredentials-vc.test.ts).
    const result = await vc.verifyCredential({ credential, suite, documentLoader, checkStatus: async () => ({ verified: true }) });
    return result.verified === true;
  }

  beforeAll(async () => {
    didDocument = await (await fetch(`${target.svc.url}/.well-known/did.json`)).json();
    // The suite's valid credential; the achievement input (an inline context) is issued and derived
    // in selective-disclosure-suite-inputs.test.ts.
    const answer = await target.issue({ ...fixture(SUITE_FILES, 'validVc.json'), id: `urn:uuid:${randomUUID()}` }, {
      type: 'DataIntegrityProof',
      cryptosuite: 'ecdsa-sd-2023',
      mandatoryPointers: ['/credentialSubject/name'],
      credentialStatus: true,
    });
    expect(answer.status, answer.text).toBe(201);
    base = answer.body.verifiableCredential;
    const derivedAnswer = await deriveAt(base, ['/credentialSubject/description']);
    expect(derivedAnswer.status, derivedAnswer.text).toBe(201);
    derived = derivedAnswer.body.verifiableCredential;
  }, 60_000);

  it('The field "cryptosuite" MUST be "ecdsa-sd-2023"; the base proofValue is "u" and the base header 0xd95d00', () => {
    expect(base.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023', proofPurpose: 'assertionMethod' });
    expect(base.proof.proofValue.startsWith('u')).toBe(true);
    expect(Buffer.from(base.proof.proofValue.slice(1), 'base64url').subarray(0, 3).toString('hex')).toBe('d95d00');
  });

  it('Dereferencing "verificationMethod" gives the service\'s P-256 Multikey (zDn...) under assertionMethod', () => {
    const method = didDocument.verificationMethod.find((m: { id: string }) => m.id === base.proof.verificationMethod);
    expect(method).toMatchObject({ type: 'Multikey', controller: target.issuerId });
    expect(method.publicKeyMultibase.startsWith('zDn')).toBe(true);
    expect(didDocument.assertionMethod).toContain(method.id);
  });

  it('gx-trust refuses its own base proof presented to its verifier (BASE_PROOF_PRESENTED)', async () => {
    expectRefused(await target.verify(base), 'proof', 'BASE_PROOF_PRESENTED');
  });

  it('POST /credentials/derive discloses the selected statements, the caller\'s mandatory ones and the members gx-trust makes mandatory (issuer, validity, status)', () => {
    expect(Buffer.from(derived.proof.proofValue.slice(1), 'base64url').subarray(0, 3).toString('hex')).toBe('d95d01');
    expect(derived.issuer).toBe(target.issuerId);
    expect(derived.validFrom).toBe(base.validFrom);
    expect(derived.credentialStatus).toEqual(base.credentialStatus);
    // A node's id is in every statement about it (the credential's in the mandatory issuer
    // statement, the subject's in name and description), so it is disclosed with any of them.
    expect(derived.id).toBe(base.id);
    expect(derived.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440', name: 'Alice', description: 'A credential about Alice.' });
  });

  it('the derived credential verifies at gx-trust, every check (status included)', async () => {
    const answer = await postJson(`${target.svc.url}/credentials/verify`, { verifiableCredential: derived });
    expectVerified(answer);
    expect(answer.body.checks.map((c: { check: string }) => c.check)).toContain('status');
  });

  it('Digital Bazaar verifies the derived credential under the service\'s did:web, and refuses it tampered', async () => {
    expect(await peerVerifies(derived)).toBe(true);
    const changed = structuredClone(derived);
    changed.credentialSubject.description = 'A credential about Mallory.';
    expect(await peerVerifies(changed)).toBe(false);
    expectRefused(await target.verify(changed), 'proof', 'INVALID_SIGNATURE');
  });

  it('Digital Bazaar derives from gx-trust\'s base proof, and gx-trust verifies', async () => {
    const peerDerived = await vc.derive({
      verifiableCredential: base,
      suite: new DataIntegrityProof({ cryptosuite: ecdsaSd2023.createDiscloseCryptosuite({ selectivePointers: ['/id', '/credentialSubject/id'] }) }),
      documentLoader: peerLoader(),
    });
    expect(peerDerived.id).toBe(base.id);
    expect(peerDerived.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440', name: 'Alice' });
    expectVerified(await target.verify(peerDerived));
  });

  it('a holder deriving with no selective pointers still discloses the mandatory statements, and it verifies', async () => {
    const answer = await deriveAt(base, []);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.verifiableCredential.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440', name: 'Alice' });
    expect(answer.body.verifiableCredential.credentialStatus).toBeDefined();
    expectVerified(await target.verify(answer.body.verifiableCredential));
  });

  it('refuses mandatoryPointers that select nothing (400 at the pointer), and mandatoryPointers with another cryptosuite', async () => {
    const unmatched = await target.issue(fixture(SUITE_FILES, 'validVc.json'), { cryptosuite: 'ecdsa-sd-2023', mandatoryPointers: ['/credentialSubject/name', '/credentialSubject/nickname'] });
    expect(unmatched.status, unmatched.text).toBe(400);
    expect(unmatched.body.pointer).toBe('/options/mandatoryPointers/1');
    const otherSuite = await target.issue(fixture(SUITE_FILES, 'validVc.json'), { cryptosuite: 'eddsa-rdfc-2022', mandatoryPointers: ['/credentialSubject/name'] });
    expect(otherSuite.status, otherSuite.text).toBe(400);
    expect(otherSuite.body.pointer).toBe('/options/mandatoryPointers');
  });

  it('refuses ecdsa-sd-2023 with the P-384 key (400 at /options/keyType)', async () => {
    const answer = await target.issue(fixture(SUITE_FILES, 'validVc.json'), { cryptosuite: 'ecdsa-sd-2023', keyType: 'P-384' });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body.pointer).toBe('/options/keyType');
  });

  it('POST /credentials/derive refuses selectivePointers that select nothing, and a credential without a base proof', async () => {
    const unmatched = await deriveAt(base, ['/credentialSubject/nickname']);
    expect(unmatched.status, unmatched.text).toBe(400);
    expect(unmatched.body.pointer).toBe('/options/selectivePointers/0');
    const noBase = await deriveAt(derived, ['/credentialSubject/name']);
    expect(noBase.status, noBase.text).toBe(400);
    const issuedEddsa = issued(await target.issue({ ...fixture(SUITE_FILES, 'validVc.json'), id: `urn:uuid:${randomUUID()}` }, { cryptosuite: 'eddsa-rdfc-2022' }));
    const other = await deriveAt(issuedEddsa, ['/credentialSubject/name']);
    expect(other.status, other.text).toBe(400);
    expect(other.body.pointer).toBe('/verifiableCredential/proof');
  });
});
