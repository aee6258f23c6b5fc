/**
 * The W3C Ed25519Signature2020 suite (w3c/vc-di-ed25519signature2020-test-suite) against
 * gx-trust's VC-API on loopback. Create: the suite's test credential, issued with the suite
 * configuration's options (`{"type": "Ed25519Signature2020"}`). Verify: credentials signed by a
 * did:key of the test, valid and with each malformation of the suite's verify tests.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base58btcDecode, base58btcEncode } from '../../src/dids/multikey.js';
import { didKeyIssuer, signedByDidKey, type DidKeyIssuer } from './di-generator.js';
import { fixture, issued, startSuiteTarget, type Answer, type SuiteEndpoints } from './harness.js';

const SUITE = 'vc-di-ed25519signature2020-test-suite';
const ED25519_2020 = 'https://w3id.org/security/suites/ed25519-2020/v1';

let target: SuiteEndpoints;

beforeAll(async () => {
  target = await startSuiteTarget();
});
afterAll(async () => {
  await target?.svc.close();
});

function expectRejected(answer: Answer): void {
  expect([400, 422], answer.text).toContain(answer.status);
  expect(answer.body?.verified, answer.text).not.toBe(true);
}

/**
 * The suite's input with the context an Ed25519Signature2020 proof needs, and without its type
 * `TestCredential`, which no context defines (VCDM 1.1 has no @vocab): gx-trust canonicalizes in
 * JSON-LD safe mode and refuses to sign a term that would drop out of the signed graph (the first
 * test below asserts that refusal).
 */
function input(): Record<string, unknown> {
  const vc = fixture(SUITE, 'testVc.json');
  return { ...vc, '@context': [...vc['@context'], ED25519_2020], type: ['VerifiableCredential'] };
}

describe('Ed25519Signature2020: the suite input as written', () => {
  it('is refused for its undefined type TestCredential (SAFE_MODE_VIOLATION at /credential/type/1), a term no pinned context defines', async () => {
    const vc = fixture(SUITE, 'testVc.json');
    const answer = await target.issue({ ...vc, '@context': [...vc['@context'], ED25519_2020], issuer: target.issuerId }, { type: 'Ed25519Signature2020' });
    expect(answer.status, answer.text).toBe(400);
    expect(answer.body).toMatchObject({ code: 'SAFE_MODE_VIOLATION', pointer: '/credential/type/1' });
  });
});

describe('Ed25519Signature2020: the suite\'s later input (tests/vc-generator/testVc.js)', () => {
  // Does the suite pair TestCredential with a context that defines it? No: its document loader
  // (tests/vc-generator/contexts.js) serves only the credentials v1, DID and ed25519-2020 contexts
  // (the examples/v1 context is commented out), and its later input testVc.js drops
  // TestCredential and adds the ed25519-2020 context. So there is no context to pin, and that
  // input is accepted as sent, but for its issuer (the key-controller rule).
  // Its own service: the input's credential id is the one the create tests below record.
  let own: SuiteEndpoints;
  beforeAll(async () => {
    own = await startSuiteTarget();
  });
  afterAll(async () => {
    await own?.svc.close();
  });

  it('is issued as sent, the service\'s DID in place of the suite\'s did:key issuer', async () => {
    const sent = fixture(SUITE, 'testVc.js.json');
    const refused = await own.issue(sent, { type: 'Ed25519Signature2020' });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
    const vc = issued(await own.issue({ ...sent, issuer: own.issuerId }, { type: 'Ed25519Signature2020' }));
    expect(vc['@context']).toEqual(sent['@context']);
    expect(vc.type).toEqual(['VerifiableCredential']);
    expect(vc.proof).toMatchObject({ type: 'Ed25519Signature2020', proofPurpose: 'assertionMethod' });
    expect((await own.verify(vc)).status).toBe(200);
  });
});

describe('Ed25519Signature2020 (create): gx-trust as the issuer', () => {
  let vc: any;

  beforeAll(async () => {
    // The suite's input names the suite's own did:key as issuer; as the configuration's issuerId
    // does, the service's DID takes its place (the key-controller rule: gx-trust signs only as a
    // DID whose key it holds).
    const answer = await target.issue({ ...input(), issuer: target.issuerId }, { type: 'Ed25519Signature2020' });
    vc = issued(answer);
  });

  it('`type` field MUST be the string `Ed25519Signature2020`.', () => {
    expect(vc.proof.type).toBe('Ed25519Signature2020');
  });

  it('`proofValue` field MUST exist and be a Multibase-encoded base58-btc value', () => {
    expect(vc.proof.proofValue).toMatch(/^z[1-9A-HJ-NP-Za-km-z]+$/);
  });

  it('`proofValue` field, when decoded to raw bytes, MUST be 64 bytes in length if the associated public key is 32 bytes in length.', async () => {
    const didDocument: any = await (await fetch(`${target.svc.url}/.well-known/did.json`)).json();
    const method = didDocument.verificationMethod.find((m: { id: string }) => m.id === vc.proof.verificationMethod);
    expect(method.type).toBe('Ed25519VerificationKey2020');
    // Ed25519VerificationKey2020: multicodec ed25519-pub (2 bytes) + 32-byte key.
    expect(base58btcDecode(method.publicKeyMultibase.slice(1)).byteLength).toBe(34);
    expect(base58btcDecode(vc.proof.proofValue.slice(1)).byteLength).toBe(64);
  });

  it('`proof` MUST verify when using a conformant verifier.', async () => {
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(200);
  });
});

describe('Ed25519Signature2020 (verify): gx-trust as the verifier', () => {
  let issuer: DidKeyIssuer;
  let valid: any;

  beforeAll(async () => {
    issuer = didKeyIssuer('Ed25519');
    valid = await signedByDidKey(input(), issuer, 'Ed25519Signature2020');
  });

  it('verifies a valid credential signed by a did:key with an Ed25519Signature2020 proof (the generator is sound)', async () => {
    const answer = await target.verify(valid);
    expect(answer.status, answer.text).toBe(200);
  });

  it.each([
    ['If the `proof` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof; }],
    ['If the `type` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof.type; }],
    ['If the `created` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof.created; }],
    ['If the `verificationMethod` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof.verificationMethod; }],
    ['If the `proofPurpose` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof.proofPurpose; }],
    ['If the `proofValue` field is missing or invalid a MALFORMED error MUST be returned.', (vc: any) => { delete vc.proof.proofValue; }],
    ['If the `type` field is not the string `Ed25519Signature2020`, a UNKNOWN_CRYPTOSUITE_TYPE error MUST be returned.', (vc: any) => { vc.proof.type = 'UnknownCryptoSuite'; }],
    ['If the `proofValue` field is not a Multibase-encoded base58-btc value, an INVALID_PROOF_VALUE error MUST be returned.', (vc: any) => { vc.proof.proofValue = 'not-multibase-bs58-encoded!!'; }],
    ['If the `proofValue` field, when decoded to raw bytes, is not 64 bytes in length if the associated public key is 32 bytes in length, an INVALID_PROOF_LENGTH error MUST be returned.', (vc: any) => {
      vc.proof.proofValue = 'z' + base58btcEncode(Buffer.concat([base58btcDecode(vc.proof.proofValue.slice(1)), randomBytes(32)]));
    }],
  ])('%s', async (_assertion, malform) => {
    const credential = structuredClone(valid);
    malform(credential);
    expectRejected(await target.verify(credential));
  });

  it('If a canonicalization algorithm other than URDNA2015 is used, a INVALID_PROOF_VALUE error MUST be returned.', async () => {
    expectRejected(await target.verify(await signedByDidKey(input(), issuer, 'Ed25519Signature2020', { canonicalization: 'jcs' })));
  });

  it('If a canonicalization data hashing algorithm other than SHA-2-256 is used, a INVALID_PROOF_VALUE error MUST be returned.', async () => {
    expectRejected(await target.verify(await signedByDidKey(input(), issuer, 'Ed25519Signature2020', { hash: 'sha512' })));
  });
});
