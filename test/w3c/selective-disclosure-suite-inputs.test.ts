/**
 * The selective-disclosure suites' own inputs, and the ecdsa-sd-2023 suite's create and interop
 * files, against gx-trust on loopback:
 *
 * - w3c/vc-di-ecdsa-test-suite: its driver's-licence credential (`tests/mocks/valid/document.json`,
 *   an inline context scoped to its types) for `tests/50-sd-verify.js` "nested disclosed
 *   properties" and "disclosed properties and bnodes", the create assertions of
 *   `tests/40-sd-create.js` (02c147f4a570cab69fae035eff2ab387eb20c54b) and the interop matrix of
 *   `tests/60-sd-interop.js` (048bd9fab5f9caf1e9a08f52092e3771b470871d), each a test named as the
 *   suite names it;
 * - w3c/vc-di-bbs-test-suite: its licence (`https://w3id.org/vdl/v2`) and permanent-resident-card
 *   (`https://w3id.org/citizenship/v4rc1`) fixtures through `tests/suites/verify.js`
 *   (0d30ce49eed505c494cae58815566c8120175dec), and its generator's malformed vectors rebuilt
 *   (`tests/setup.js`, `tests/vc-generator/generators.js`);
 * - the same inputs issued by gx-trust (ecdsa-sd-2023 base proof), derived by gx-trust and
 *   verified by gx-trust and Digital Bazaar.
 *
 * The peer side (issuer and holder of the suites' generators) is Digital Bazaar's, as in the
 * suites: `test/w3c/sd-peer.ts`. Inputs and provenance: `test/fixtures/w3c/README.md`.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, encode, Tagged } from 'cborg';
import jsonld from 'jsonld';
import jsigs from 'jsonld-signatures';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as ecdsaSd2023 from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import { createDocumentLoader, withVerificationMethod } from '../../src/document-loader/index.js';
import { resolveDidKey } from '../../src/dids/key.js';
import { base58btcDecode } from '../../src/dids/multikey.js';
import { selectiveDisclosureVerifyingSuite } from '../../src/formats/data-integrity/suites.js';
import { postJson } from '../helpers/service.js';
import { fixture, startSuiteTarget, type SuiteEndpoints } from './harness.js';
import { derive, didKeyOf, expectRefused, expectVerified, issueBase, peerLoader, peerVerifies } from './sd-peer.js';

const ECDSA_SUITE = 'vc-di-ecdsa-test-suite';
const BBS_SUITE = 'vc-di-bbs-test-suite';

let target: SuiteEndpoints;
let didDocument: any;

beforeAll(async () => {
  target = await startSuiteTarget();
  didDocument = await (await fetch(`${target.svc.url}/.well-known/did.json`)).json();
});
afterAll(async () => {
  await target?.svc.close();
});

const keyed = () => ({ authorization: `Bearer ${target.svc.apiKey}` });
const deriveAt = (verifiableCredential: unknown, options: Record<string, unknown>) =>
  postJson(`${target.svc.url}/credentials/derive`, { verifiableCredential, options }, keyed());

/** An input without its `id` (the suites' "bnodes" vectors: the credential becomes a blank node). */
function withoutId(input: any): any {
  const { id: _id, ...rest } = input;
  return rest;
}

describe('the contexts the suites\' inputs name, pinned', () => {
  it('https://w3id.org/vdl/v2 maps the licence\'s terms to the IRIs of the W3C vc-di-bbs published licence vectors', async () => {
    // The IRIs (and datatypes) the vc-di-bbs specification's licence vectors canonicalize to
    // (TestVectors/HolderBinding/addBaseDocCanon.json, c43e92d26d56a2c97a5d094a42fd6200e934c29a).
    const nquads: string = await jsonld.canonize(fixture(BBS_SUITE, 'license-credential.json'), {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      safe: true,
      documentLoader: createDocumentLoader(),
    });
    for (const statement of [
      '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/vdl#Iso18013DriversLicenseCredential> .',
      '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/vdl#LicensedDriver> .',
      '<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/vdl#Iso18013DriversLicense> .',
      '<https://w3id.org/vdl#license> _:',
      '<https://w3id.org/vdl#documentNumber> "T21387yc328c7y32h23f23" .',
      '<https://w3id.org/vdl#birthDate> "01-01-1990"^^<http://www.w3.org/2001/XMLSchema#dateTime> .',
      '<https://w3id.org/vdl#expiryDate> "01-01-2030"^^<http://www.w3.org/2001/XMLSchema#dateTime> .',
      '<https://w3id.org/vdl#issuingAuthority> "VA" .',
    ]) {
      expect(nquads).toContain(statement);
    }
  });

  /** The published proof checked with gx-trust's verifying suite, under the key its did:key names. */
  async function suiteVerifies(document: any): Promise<boolean> {
    const methodId: string = document.proof.verificationMethod;
    const did = resolveDidKey(methodId.split('#')[0] ?? '');
    const method = did.verificationMethod?.find((m) => m.id === methodId);
    if (method === undefined) throw new Error(`${methodId} not in its did:key document`);
    const suite = selectiveDisclosureVerifyingSuite(document.proof.cryptosuite, method);
    const purpose = new jsigs.purposes.AssertionProofPurpose({ controller: { id: did.id, assertionMethod: [method.id] } });
    const result = await jsigs.verify(document, { suite, purpose, documentLoader: withVerificationMethod(createDocumentLoader(), method) });
    return result.verified === true;
  }

  it('https://w3id.org/citizenship/v4rc1: the W3C vc-di-bbs published permanent-resident-card derived credential verifies under it; a disclosed value changed does not', async () => {
    expect(await suiteVerifies(fixture('vc-di-bbs', 'prc-derivedRevealDocument.json'))).toBe(true);
    const changed = fixture('vc-di-bbs', 'prc-derivedRevealDocument.json');
    changed.credentialSubject.birthCountry = 'Utopia';
    expect(await suiteVerifies(changed)).toBe(false);
  });
});

describe('issuing an input whose inline context aliases `id` (the suites\' licence and achievement credentials)', () => {
  it('`"id": "@id"` inside an inline @context is a term definition: the input is issued; a relative `@id` in a context, or `"@id"` as an identifier outside one, is still refused', async () => {
    const options = { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023' };
    const licence = await target.issue({ ...fixture(ECDSA_SUITE, 'sd-dl-document.json'), id: `urn:uuid:${randomUUID()}` }, options);
    expect(licence.status, licence.text).toBe(201);
    const relative = fixture(ECDSA_SUITE, 'sd-dl-document.json');
    relative.id = `urn:uuid:${randomUUID()}`;
    relative['@context'][1].DriverLicense['@id'] = 'DriverLicense';
    const refused = await target.issue(relative, options);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body.pointer).toBe('/credential/@context/1/DriverLicense/@id');
    const keywordAsId = fixture(ECDSA_SUITE, 'sd-dl-document.json');
    keywordAsId.id = `urn:uuid:${randomUUID()}`;
    keywordAsId.credentialSubject.id = '@id';
    const outside = await target.issue(keywordAsId, options);
    expect(outside.status, outside.text).toBe(400);
    expect(outside.body.pointer).toBe('/credential/credentialSubject/id');
  });
});

/**
 * tests/50-sd-verify.js and tests/suites/verify.js with the suites' own driver's-licence (and, for
 * bbs-2023, permanent-resident-card) inputs. The suites' mandatory pointers files for these inputs
 * were not available: `/issuer` is mandatory, as in selective-disclosure.test.ts.
 */
describe.each([
  ['ecdsa-sd-2023', ECDSA_SUITE, 'sd-dl-document.json', 'sd-dl-selectivePointers.json', 'driverLicense'],
  ['bbs-2023', BBS_SUITE, 'license-credential.json', 'license-selectivePointers.json', 'driversLicense'],
] as const)('%s (verifiers) with the suite\'s driver\'s licence (%s %s)', (suite, dir, file, pointersFile, member) => {
  let base: any;
  let basic: any;
  let nested: any;
  let noIds: any;

  beforeAll(async () => {
    const issuer = await didKeyOf(suite);
    const input = fixture(dir, file);
    const selective: string[] = fixture(dir, pointersFile);
    base = await issueBase(suite, issuer, input, ['/issuer']);
    basic = await derive(suite, base, ['/credentialSubject/id']);
    nested = await derive(suite, base, selective.slice(1, 3));
    noIds = await derive(suite, await issueBase(suite, issuer, withoutId(input), ['/issuer']), selective.slice(1, 3));
  }, 60_000);

  it(`MUST verify a valid VC with an ${suite} proof.`, async () => {
    expect(basic.credentialSubject.id).toBe('urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440');
    expect(basic.credentialSubject[member]).toBeUndefined();
    expectVerified(await target.verify(basic));
  });

  it('MUST verify a valid VC with nested disclosed properties.', async () => {
    const selected = (fixture(dir, pointersFile) as string[]).slice(1, 3).map((pointer) => pointer.split('/').at(-1));
    expect(Object.keys(nested.credentialSubject[member]).sort()).toEqual(['type', ...selected].sort());
    expectVerified(await target.verify(nested));
  });

  it('MUST verify a valid VC with disclosed properties and bnodes.', async () => {
    expect(noIds.id).toBeUndefined();
    expectVerified(await target.verify(noIds));
  });

  it('a disclosed nested value changed, and a nested value added that was not disclosed, are refused', async () => {
    const changed = structuredClone(nested);
    const [first] = Object.keys(changed.credentialSubject[member]).filter((k) => k !== 'type');
    changed.credentialSubject[member][first!] = 'changed';
    expectRefused(await target.verify(changed), 'proof', 'INVALID_SIGNATURE');
    const added = structuredClone(noIds);
    added.credentialSubject[member] = { ...fixture(dir, file).credentialSubject[member], ...added.credentialSubject[member] };
    expectRefused(await target.verify(added), 'proof', 'INVALID_SIGNATURE');
  });

  it('MUST fail to verify a base proof.', async () => {
    expectRefused(await target.verify(base), 'proof', 'BASE_PROOF_PRESENTED');
  });

  it('a derived proofValue whose first component is CBOR-tagged is refused (both specifications: CBOR tagging MUST NOT be used); untagged again, it verifies', async () => {
    const bytes = Buffer.from(basic.proof.proofValue.slice(1), 'base64url');
    const components = decode(bytes.subarray(3), { useMaps: true }) as unknown[];
    const withValue = (body: Uint8Array) => ({ ...basic, proof: { ...basic.proof, proofValue: `u${Buffer.concat([bytes.subarray(0, 3), body]).toString('base64url')}` } });
    const answer = await target.verify(withValue(encode([new Tagged(64, components[0]), ...components.slice(1)])));
    expectRefused(answer, 'proof', 'INVALID_SIGNATURE');
    expect(answer.body.checks.find((c: { check: string }) => c.check === 'proof').pointer).toBe('/proof/proofValue');
    expectVerified(await target.verify(withValue(encode(components))));
  });
});

describe('bbs-2023 (verifiers) with the suite\'s permanent-resident-card fixture (https://w3id.org/citizenship/v4rc1)', () => {
  let disclosed: any;
  beforeAll(async () => {
    const base = await issueBase('bbs-2023', await didKeyOf('bbs-2023'), fixture(BBS_SUITE, 'pcr-credential.json'), ['/issuer']);
    disclosed = await derive('bbs-2023', base, fixture(BBS_SUITE, 'pcr-selectivePointers.json'));
  }, 60_000);

  it('its selective pointers disclosed (given and family name, card identifier, without ids), it verifies; a disclosed value changed is refused', async () => {
    expect(disclosed.credentialSubject).toEqual({ type: ['PermanentResident', 'Person'], givenName: 'JANE', familyName: 'SMITH', permanentResidentCard: { type: ['PermanentResidentCard'], identifier: '83627465' } });
    expectVerified(await target.verify(disclosed));
    const changed = structuredClone(disclosed);
    changed.credentialSubject.permanentResidentCard.identifier = '00000000';
    expectRefused(await target.verify(changed), 'proof', 'INVALID_SIGNATURE');
  });
});

/**
 * The vectors the bbs-2023 suite's generator builds on purpose (tests/setup.js), rebuilt on its
 * licence: each is made by Digital Bazaar's bbs library with one step of the base proof changed
 * and signed, then derived with `/credentialSubject/id` disclosed. The control (nothing changed)
 * must verify, so a refusal is for the change.
 */
describe('bbs-2023 (verifiers): the suite\'s malformed vectors, rebuilt', () => {
  let issuer: Awaited<ReturnType<typeof didKeyOf>>;
  const licence = () => fixture(BBS_SUITE, 'license-credential.json');

  beforeAll(async () => {
    issuer = await didKeyOf('bbs-2023');
  });

  it('control: the same licence, nothing changed, verifies', async () => {
    expectVerified(await target.verify(await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer']), ['/credentialSubject/id'])));
  });

  it('Whenever this algorithm (base proof) encodes strings, it MUST use UTF-8 encoding.', async () => {
    // The suite's invalidStringEncoding: every byte of the non-mandatory messages plus one
    // before they are signed, so the signed messages are not the UTF-8 of the statements.
    const multisign = issuer.signer.multisign!.bind(issuer.signer);
    const notUtf8 = { ...issuer, signer: { ...issuer.signer, sign: issuer.signer.sign.bind(issuer.signer), multisign: ({ header, messages }: { header: Uint8Array; messages: Uint8Array[] }) => multisign({ header, messages: messages.map((m) => m.map((c) => c + 1)) }) } };
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', notUtf8, licence(), ['/issuer']), ['/credentialSubject/id']);
    expectRefused(await target.verify(derived), 'proof', 'INVALID_SIGNATURE');
  });

  it('If the "cryptosuite" field is not the string "bbs-2023", an error MUST be raised.', async () => {
    // Signed with the other name in the proof configuration (not changed after signing).
    const tweak = { cryptosuite: 'invalid-cryptosuite' };
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer'], tweak), ['/credentialSubject/id'], tweak);
    expect(derived.proof.cryptosuite).toBe('invalid-cryptosuite');
    expectRefused(await target.verify(derived), 'format', 'UNSUPPORTED_FORMAT');
  });

  it('If proofConfig.type is not set to DataIntegrityProof and/or proofConfig.cryptosuite is not set to bbs-2023, an INVALID_PROOF_CONFIGURATION error MUST be raised.', async () => {
    // The cryptosuite is signed as another name; the type is changed after signing (Digital
    // Bazaar's library signs a DataIntegrityProof only, and no pinned context defines another type).
    const tweak = { cryptosuite: 'invalid-cryptosuite' };
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer'], tweak), ['/credentialSubject/id'], tweak);
    derived.proof.type = 'UnknownProofType';
    expectRefused(await target.verify(derived), 'format', 'UNSUPPORTED_FORMAT');
  });

  it('The proof options MUST contain a type identifier for the cryptographic suite (type) and MUST contain a cryptosuite identifier (cryptosuite). A proof configuration object is produced as output.', async () => {
    const tweak = { cryptosuite: '' };
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer'], tweak), ['/credentialSubject/id'], tweak);
    expect(derived.proof.cryptosuite).toBe('');
    expectRefused(await target.verify(derived), 'format', 'UNSUPPORTED_FORMAT');
    const noType = structuredClone(await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer']), ['/credentialSubject/id']));
    delete noType.proof.type;
    expectRefused(await target.verify(noType), 'format', 'UNSUPPORTED_FORMAT');
  });

  it('If proofConfig.created is set and if the value is not a valid [XMLSCHEMA11-2] datetime, an INVALID_PROOF_DATETIME error MUST be raised.', async () => {
    // Digital Bazaar's bbs-2023 library writes no `created` (asked for one, it leaves it out), so
    // the vector carries one the issuer did not sign; it is part of the proof options the
    // signature covers, so the proof fails (the suite asserts a failure only, its FIXME says why).
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer'], { created: 'not-a-datetime' }), ['/credentialSubject/id']);
    expect(derived.proof.created).toBeUndefined();
    derived.proof.created = 'not-a-datetime';
    expectRefused(await target.verify(derived), 'proof', 'INVALID_SIGNATURE');
  });

  it('CBOR-encode components per [RFC8949] where CBOR tagging MUST NOT be used on any of the components. Append the produced encoded value to proofValue.', async () => {
    const derived = await derive('bbs-2023', await issueBase('bbs-2023', issuer, licence(), ['/issuer']), ['/credentialSubject/id']);
    const bytes = Buffer.from(derived.proof.proofValue.slice(1), 'base64url');
    const components = decode(bytes.subarray(3), { useMaps: true }) as unknown[];
    // The same components, the BBS proof bytes under tag 64 (a typed array, RFC 8746).
    const tagged = encode([new Tagged(64, components[0]), ...components.slice(1)]);
    const copy = structuredClone(derived);
    copy.proof.proofValue = `u${Buffer.concat([bytes.subarray(0, 3), tagged]).toString('base64url')}`;
    expectRefused(await target.verify(copy), 'proof', 'INVALID_SIGNATURE');
    // Untagged again, the same components verify: the tag alone was refused.
    const untagged = structuredClone(derived);
    untagged.proof.proofValue = `u${Buffer.concat([bytes.subarray(0, 3), encode(components)]).toString('base64url')}`;
    expectVerified(await target.verify(untagged));
  });
});

/**
 * gx-trust as issuer (POST /credentials/issue) and holder service (POST /credentials/derive) of the
 * suites' inputs. gx-trust gives a credential sent without `id` one of its own, so the suites'
 * "bnodes" vector (a credential without id) cannot come from it; the licences' nested objects and
 * the permanent-resident card's subject and card are blank nodes all the same.
 */
describe.each([
  [ECDSA_SUITE, 'sd-dl-document.json', 'sd-dl-selectivePointers.json'],
  [BBS_SUITE, 'license-credential.json', 'license-selectivePointers.json'],
  [BBS_SUITE, 'pcr-credential.json', 'pcr-selectivePointers.json'],
  [ECDSA_SUITE, 'sd-achievement-document.json', 'sd-achievement-selectivePointers.json'],
])('ecdsa-sd-2023: gx-trust issues %s %s, derives and verifies; Digital Bazaar verifies', (dir, file, pointersFile) => {
  let nested: any;
  let selective: string[];

  beforeAll(async () => {
    selective = fixture(dir, pointersFile);
    const options = { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023' };
    const answer = await target.issue({ ...fixture(dir, file), id: `urn:uuid:${randomUUID()}` }, options);
    expect(answer.status, answer.text).toBe(201);
    const derived = await deriveAt(answer.body.verifiableCredential, { selectivePointers: selective.slice(1, 3) });
    expect(derived.status, derived.text).toBe(201);
    nested = derived.body.verifiableCredential;
  }, 60_000);

  it('the nested disclosed credential verifies at gx-trust and at Digital Bazaar', async () => {
    expect(nested.proof.cryptosuite).toBe('ecdsa-sd-2023');
    expectVerified(await target.verify(nested));
    expect(await peerVerifies(nested, didDocument)).toBe(true);
  });

  it('a disclosed nested value changed is refused by both', async () => {
    const changed = structuredClone(nested);
    const path = selective[1]!.split('/').slice(1);
    let at: any = changed;
    for (const token of path.slice(0, -1)) at = at[token];
    at[path.at(-1)!] = 'changed';
    expectRefused(await target.verify(changed), 'proof', 'INVALID_SIGNATURE');
    expect(await peerVerifies(changed, didDocument)).toBe(false);
  });
});

/** The decoded components of an ecdsa-sd-2023 base proofValue (header 0xd95d00, then a CBOR array of five). */
function baseComponents(proofValue: string): { header: string; components: unknown[] } | undefined {
  if (!/^u[A-Za-z0-9_-]+$/.test(proofValue)) return undefined;
  const bytes = Buffer.from(proofValue.slice(1), 'base64url');
  try {
    return { header: bytes.subarray(0, 3).toString('hex'), components: decode(bytes.subarray(3)) as unknown[] };
  } catch {
    return undefined;
  }
}

/**
 * The suite's RFC 4754 assertion: a base-64-url-no-pad multibase value ("u"), header 0xd95d00,
 * and the base signature and every statement signature 64 bytes (r and s, 32 bytes each for
 * P-256, IEEE P1363), not DER.
 */
function isP1363BaseProofValue(proofValue: string): boolean {
  const decoded = baseComponents(proofValue);
  if (decoded === undefined || decoded.header !== 'd95d00' || decoded.components.length !== 5) return false;
  const [baseSignature, , , signatures] = decoded.components as [Uint8Array, Uint8Array, Uint8Array, Uint8Array[]];
  return baseSignature.length === 64 && signatures.length > 0 && signatures.every((s) => s.length === 64);
}

/** MULTIBASE base58btc ("z") of MULTICODEC p256-pub (0x1200, varint 0x80 0x24) and a 33-byte compressed point. */
function isMultibaseP256Multikey(publicKeyMultibase: unknown): boolean {
  if (typeof publicKeyMultibase !== 'string' || !publicKeyMultibase.startsWith('z')) return false;
  try {
    const bytes = base58btcDecode(publicKeyMultibase.slice(1));
    return bytes.length === 35 && bytes[0] === 0x80 && bytes[1] === 0x24;
  } catch {
    return false;
  }
}

/**
 * tests/40-sd-create.js against gx-trust's issuer (P-256, the service's did:web). The suite's
 * create input is its driver's-licence credential (`credentials.create.document`), given a fresh
 * id and the configured issuer, as its `createInitialVc` does; its mandatory pointers file was not
 * available, so none are sent (gx-trust makes the issuer and validity mandatory itself). Each
 * assertion is also applied to a broken copy, which it must reject.
 */
describe('ecdsa-sd-2023 (create): gx-trust: P-256', () => {
  let issued: any;
  let proofs: any[];
  let methods: any[];

  beforeAll(async () => {
    const answer = await target.issue({ ...fixture(ECDSA_SUITE, 'sd-dl-document.json'), id: `urn:uuid:${randomUUID()}`, issuer: target.issuerId }, { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023' });
    expect(answer.status, answer.text).toBe(201);
    issued = answer.body.verifiableCredential;
    proofs = Array.isArray(issued.proof) ? issued.proof : [issued.proof];
    // The suite dereferences each verificationMethod with its document loader; here, from the DID document the service serves.
    methods = proofs.map((proof) => didDocument.verificationMethod.find((m: { id: string }) => m.id === proof.verificationMethod));
  }, 60_000);

  it('The field "cryptosuite" MUST be "ecdsa-sd-2023".', () => {
    expect(proofs.some((proof) => proof.cryptosuite === 'ecdsa-sd-2023')).toBe(true);
    expect(proofs.some((proof) => ({ ...proof, cryptosuite: 'ecdsa-rdfc-2019' }).cryptosuite === 'ecdsa-sd-2023')).toBe(false);
  });

  it('the signature value (proofValue) MUST be expressed according to section 7 of [RFC4754] (sometimes referred to as the IEEE P1363 format) and encoded according to the specific cryptosuite proof generation algorithm.', () => {
    const proof = proofs.find((p) => p.cryptosuite === 'ecdsa-sd-2023');
    expect(isP1363BaseProofValue(proof.proofValue)).toBe(true);
    // A DER-length (72-byte) base signature, and the derived header 0xd95d01, fail the assertion.
    const decoded = baseComponents(proof.proofValue)!;
    const der = encode([new Uint8Array(72), ...decoded.components.slice(1)]);
    expect(isP1363BaseProofValue(`u${Buffer.concat([Buffer.from('d95d00', 'hex'), der]).toString('base64url')}`)).toBe(false);
    expect(isP1363BaseProofValue(`u${Buffer.concat([Buffer.from('d95d01', 'hex'), encode(decoded.components)]).toString('base64url')}`)).toBe(false);
  });

  it('The field "proofValue" MUST start with "u".', () => {
    expect(proofs.some((proof) => proof.proofValue.startsWith('u'))).toBe(true);
    expect(proofs.some((proof) => `z${proof.proofValue.slice(1)}`.startsWith('u'))).toBe(false);
  });

  it('The "proof" MUST verify with a conformant verifier.', async () => {
    // The suite's holder and verifier are Digital Bazaar's (its deriveCredential and localVerifier).
    const derived = await vc.derive({
      verifiableCredential: issued,
      suite: new DataIntegrityProof({ cryptosuite: ecdsaSd2023.createDiscloseCryptosuite({ selectivePointers: ['/credentialSubject/id'] }) }),
      documentLoader: peerLoader(),
    });
    expect(await peerVerifies(derived, didDocument)).toBe(true);
    derived.credentialSubject.id = 'urn:invalid';
    expect(await peerVerifies(derived, didDocument)).toBe(false);
  });

  it('The "proof.proofPurpose" field MUST match the verification relationship expressed by the verification method controller.', () => {
    expect(methods.some((method) => method?.type === 'Multikey')).toBe(true);
    // The controller document (the suite loads it by the method's controller): the service's DID document.
    const controllers = methods.map((method) => (method.controller === didDocument.id ? didDocument : undefined));
    const matches = (docs: any[]) => proofs.some((proof) => docs.some((doc) => doc !== undefined && Object.hasOwn(doc, proof.proofPurpose)));
    expect(matches(controllers)).toBe(true);
    const { assertionMethod: _assertionMethod, ...withoutAssertionMethod } = didDocument;
    expect(matches([withoutAssertionMethod])).toBe(false);
  });

  it('Dereferencing "verificationMethod" MUST result in an object containing a type property with "Multikey" value.', () => {
    expect(methods).not.toEqual([]);
    expect(methods.some((method) => method?.type === 'Multikey')).toBe(true);
    expect(methods.some((method) => ({ ...method, type: 'JsonWebKey' }).type === 'Multikey')).toBe(false);
  });

  it('The "publicKeyMultibase" property of the verification method MUST be public key encoded according to MULTICODEC and formatted according to MULTIBASE.', () => {
    expect(methods.some((method) => isMultibaseP256Multikey(method?.publicKeyMultibase))).toBe(true);
    // The P-384 Multikey the service also lists (another multicodec), and a base64url ("u") form, fail it.
    const p384 = didDocument.verificationMethod.find((m: { publicKeyMultibase?: string }) => m.publicKeyMultibase?.startsWith('z82L'));
    expect(isMultibaseP256Multikey(p384?.publicKeyMultibase)).toBe(false);
    const raw = base58btcDecode(methods[0].publicKeyMultibase.slice(1));
    expect(isMultibaseP256Multikey(`u${Buffer.from(raw).toString('base64url')}`)).toBe(false);
  });
});

/**
 * tests/60-sd-interop.js: every ecdsa-sd-2023 issuer's credential (the suite's VC 1.1 interop
 * input, `credentials.interop['1.1'].document`), derived by the suite's default holder (Digital
 * Bazaar, `/credentialSubject/id` disclosed), verified by every verifier. Issuers and verifiers:
 * gx-trust (P-256, its did:web) and Digital Bazaar (a P-256 did:key).
 */
describe('ecdsa-sd-2023 (interop)', () => {
  const disclosed = new Map<string, any>();

  async function holderDerives(base: any): Promise<any> {
    return vc.derive({
      verifiableCredential: base,
      suite: new DataIntegrityProof({ cryptosuite: ecdsaSd2023.createDiscloseCryptosuite({ selectivePointers: ['/credentialSubject/id'] }) }),
      documentLoader: peerLoader(),
    });
  }

  beforeAll(async () => {
    const input = fixture(ECDSA_SUITE, 'sd-vc1.1-document.json');
    const answer = await target.issue({ ...input, id: `urn:uuid:${randomUUID()}` }, { type: 'DataIntegrityProof', cryptosuite: 'ecdsa-sd-2023' });
    expect(answer.status, answer.text).toBe(201);
    disclosed.set('gx-trust: P-256', await holderDerives(answer.body.verifiableCredential));
    const peer = await didKeyOf('ecdsa-sd-2023');
    // Mandatory as Digital Bazaar's VC-API issuer makes them: a credential derived without its
    // issuer is no verifiable credential (both verifiers refuse it).
    const peerBase = await issueBase('ecdsa-sd-2023', peer, { ...input, id: `urn:uuid:${randomUUID()}`, issuanceDate: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, ['/issuer', '/issuanceDate']);
    disclosed.set('Digital Bazaar: P-256', await holderDerives(peerBase));
  }, 60_000);

  const verifiers: Record<string, (credential: any) => Promise<boolean>> = {
    'gx-trust: P-256': async (credential) => {
      const answer = await target.verify(credential);
      return answer.status === 200 && answer.body.verified === true;
    },
    'Digital Bazaar: P-256': (credential) => peerVerifies(credential, didDocument),
  };

  for (const issuerName of ['gx-trust: P-256', 'Digital Bazaar: P-256']) {
    for (const [verifierName, verifies] of Object.entries(verifiers)) {
      it(`"${verifierName}" should verify "${issuerName}"`, async () => {
        const credential = disclosed.get(issuerName);
        expect(credential, `Expected issuer ${issuerName} to issue a disclosed VC.`).toBeDefined();
        expect(credential.credentialSubject).toEqual({ id: 'urn:uuid:1a0e4ef5-091f-4060-842e-18e519ab9440' });
        expect(await verifies(credential)).toBe(true);
        const tampered = structuredClone(credential);
        tampered.credentialSubject.id = 'urn:invalid';
        expect(await verifies(tampered)).toBe(false);
      });
    }
  }
});

