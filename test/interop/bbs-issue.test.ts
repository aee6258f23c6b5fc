/**
 * gx-trust issuing bbs-2023 (VC DI BBS) with its BLS12-381 G2 key (issue 14): the base proof, the
 * holder's derivation and the verification, through the service and through Digital Bazaar's
 * bbs-2023 cryptosuite as a peer (its own createDiscloseCryptosuite and createVerifyCryptosuite,
 * resolving the did:web the service serves on loopback). Then the refusals the one allow-list
 * makes: bbs-2023 signs with the BLS12-381 key only, and that key signs nothing else.
 */
import { generateKeyPairSync } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import * as bbs2023 from '@digitalbazaar/bbs-2023-cryptosuite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDidKey } from '../../src/dids/key.js';
import { publicKeyToMultikey } from '../../src/dids/multikey.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { isGxTrustError } from '../../src/errors.js';
import { signCredentialDataIntegrity } from '../../src/formats/data-integrity/sign.js';
import { signingKeyOf } from '../../src/keyring/signer.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { peerDocumentLoader, tampered, VCDM2, type PeerDocumentLoader } from './peers.js';

let svc: RunningService;
let documentLoader: PeerDocumentLoader;
let didDocument: { id: string; verificationMethod: { id: string; type: string; controller: string; publicKeyMultibase?: string }[]; assertionMethod: string[] };
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  didDocument = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as typeof didDocument;
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
  const bbsKey = svc.service.keyring.bbsKey()!;
  documentLoader.addDidKey(bbsKey.didKey.did, bbsKey.didKey.document.verificationMethod![0] as unknown as Record<string, unknown>, bbsKey.didKey.document['@context'] as string[]);
});
afterAll(async () => {
  await svc?.close();
});

/** A credential with statements to withhold: the holder discloses some of them. */
function credential(issuer: string): Record<string, unknown> {
  return {
    '@context': [VCDM2, { '@vocab': 'https://gx-trust.example/vocab#' }],
    type: ['VerifiableCredential'],
    issuer,
    credentialSubject: { id: 'did:web:member.example', legalName: 'Example GmbH', country: 'DE', employees: 42 },
  };
}

const issue = (body: Record<string, unknown>, options: Record<string, unknown>) => postJson(`${svc.url}/credentials/issue`, { credential: body, options }, auth());
const derive = (verifiableCredential: unknown, options: Record<string, unknown>) => postJson(`${svc.url}/credentials/derive`, { verifiableCredential, options }, auth());
// With the API key: anonymous callers have a small share of costly JSON-LD work, and a bbs-2023 proof costs 30 of it.
const verify = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential }, auth());

async function issuedBase(issuer = svc.service.keyring.did, mandatoryPointers = ['/credentialSubject/country']): Promise<any> {
  const answer = await issue(credential(issuer), { cryptosuite: 'bbs-2023', mandatoryPointers });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.verifiableCredential;
}

async function derivedByGxTrust(base: unknown, options: Record<string, unknown> = { selectivePointers: ['/credentialSubject/legalName'] }): Promise<any> {
  const answer = await derive(base, options);
  expect(answer.status, answer.text).toBe(201);
  return answer.body.verifiableCredential;
}

function expectVerified(answer: { status: number; text: string; body: any }): void {
  expect(answer.status, answer.text).toBe(200);
  expect(answer.body.verified, answer.text).toBe(true);
}

function expectProofRefused(answer: { status: number; text: string; body: any }, code: string): void {
  expect(answer.body?.verified, answer.text).not.toBe(true);
  expect(answer.body.checks, answer.text).toContainEqual(expect.objectContaining({ check: 'proof', verified: false, code }));
}

describe('the BLS12-381 key in the service identity', () => {
  it('is a Multikey method #multikey-bls12381 (zUC7...) of the served did:web, after every older method, in assertionMethod', () => {
    const last = didDocument.verificationMethod.at(-1)!;
    expect(last).toEqual({ id: `${didDocument.id}#multikey-bls12381`, type: 'Multikey', controller: didDocument.id, publicKeyMultibase: expect.stringMatching(/^zUC7/) });
    expect(didDocument.verificationMethod.filter((vm) => vm.id.includes('bls12381'))).toHaveLength(1);
    expect(didDocument.assertionMethod).toContain(last.id);
    expect(last.publicKeyMultibase).toBe(svc.service.keyring.bbsKey()!.publicKeyMultibase);
  });

  it('has a did:key that resolves, offline, to the same key', () => {
    const { didKey, publicKeyMultibase } = svc.service.keyring.bbsKey()!;
    expect(didKey.did).toBe(`did:key:${publicKeyMultibase}`);
    expect(resolveDidKey(didKey.did)).toMatchObject({ verificationMethod: [{ id: didKey.verificationMethodId, type: 'Multikey', publicKeyMultibase }], assertionMethod: [didKey.verificationMethodId] });
    // Not among the keyring's JOSE and ECDSA/EdDSA did:keys: the BLS12-381 key signs bbs-2023 only.
    expect(svc.service.keyring.didKeys().map((k) => k.did)).not.toContain(didKey.did);
  });
});

describe('issue -> derive -> verify, through the service', () => {
  let base: any;
  beforeAll(async () => {
    base = await issuedBase();
  });

  it('issues a base proof as the did:web\'s #multikey-bls12381 method: proofValue tagged 0xd95d02, no created', () => {
    expect(base.proof).toMatchObject({
      type: 'DataIntegrityProof',
      cryptosuite: 'bbs-2023',
      proofPurpose: 'assertionMethod',
      verificationMethod: `${svc.service.keyring.did}#multikey-bls12381`,
    });
    expect(base.proof).not.toHaveProperty('created');
    expect(Buffer.from(base.proof.proofValue.slice(1, 5), 'base64url').subarray(0, 3)).toEqual(Buffer.from([0xd9, 0x5d, 0x02]));
  });

  it('records the issuance and audits it, as every issuance', async () => {
    const record = await svc.service.store.getCredential(base.id);
    expect(record, 'the credential is recorded').toBeDefined();
    const entries = (await svc.service.store.auditEntries(0, await svc.service.store.auditSize())).map((e) => JSON.parse(e.leaf));
    expect(entries.some((entry) => JSON.stringify(entry).includes(base.id))).toBe(true);
  });

  it('refuses the base proof presented to a verifier (BASE_PROOF_PRESENTED)', async () => {
    expectProofRefused(await verify(base), 'BASE_PROOF_PRESENTED');
  });

  it('derives a disclosure (selective and mandatory statements only) that verifies', async () => {
    const derived = await derivedByGxTrust(base);
    // The subject's id comes with any statement about it (a selection keeps the node's id).
    expect(derived.credentialSubject).toEqual({ id: 'did:web:member.example', legalName: 'Example GmbH', country: 'DE' });
    // Always mandatory: the issuer and the validity period (src/issuing: MANDATORY_MEMBERS).
    expect(derived.issuer).toBe(svc.service.keyring.did);
    expect(derived.validFrom).toBe(base.validFrom);
    expect(Buffer.from(derived.proof.proofValue.slice(1, 5), 'base64url').subarray(0, 3)).toEqual(Buffer.from([0xd9, 0x5d, 0x03]));
    expectVerified(await verify(derived));
  });

  it('derives on the worker pool, off the event loop (a bbs-2023 derivation is about 100 ms of CPU)', async () => {
    const pool = svc.service.workerPool!;
    const before = pool.stats().completed;
    await derivedByGxTrust(base);
    expect(pool.stats().completed).toBe(before + 1);
  });

  it('derives with a presentation header, and the result verifies', async () => {
    expectVerified(await verify(await derivedByGxTrust(base, { selectivePointers: ['/credentialSubject/employees'], presentationHeader: '0badc0de' })));
  });

  it('refuses a tampered disclosure, a changed mandatory statement and an added statement', async () => {
    const derived = await derivedByGxTrust(base);
    expectProofRefused(await verify(tampered(derived)), 'INVALID_SIGNATURE');
    expectProofRefused(await verify({ ...derived, credentialSubject: { ...derived.credentialSubject, country: 'FR' } }), 'INVALID_SIGNATURE');
    expectProofRefused(await verify({ ...derived, credentialSubject: { ...derived.credentialSubject, employees: 42 } }), 'INVALID_SIGNATURE');
  });

  it('issues as the BLS12-381 did:key (bbs-2023 by default for it), and the disclosure verifies', async () => {
    const { didKey } = svc.service.keyring.bbsKey()!;
    const answer = await issue(credential(didKey.did), {});
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.verifiableCredential.proof).toMatchObject({ cryptosuite: 'bbs-2023', verificationMethod: didKey.verificationMethodId });
    expectVerified(await verify(await derivedByGxTrust(answer.body.verifiableCredential)));
  });
});

describe('bbs-2023 with the VC-API options the W3C suites send, and with a status entry', () => {
  it('takes {"type": "DataIntegrityProof", "cryptosuite": "bbs-2023", "mandatoryPointers": [...]}', async () => {
    const answer = await issue(credential(svc.service.keyring.did), { type: 'DataIntegrityProof', cryptosuite: 'bbs-2023', mandatoryPointers: ['/credentialSubject/country'] });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.body.verifiableCredential.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'bbs-2023' });
  });

  it('keeps the status entry mandatory: the disclosure carries it and verifies with its status checked', async () => {
    const answer = await issue(credential(svc.service.keyring.did), { cryptosuite: 'bbs-2023', credentialStatus: ['revocation'] });
    expect(answer.status, answer.text).toBe(201);
    const derived = await derivedByGxTrust(answer.body.verifiableCredential);
    expect(derived.credentialStatus).toEqual(answer.body.verifiableCredential.credentialStatus);
    const verified = await verify(derived);
    expectVerified(verified);
    expect(verified.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
  });

  it('gives a status entry as the BLS12-381 did:key too, on a list of that did:key (no longer refused)', async () => {
    const { didKey } = svc.service.keyring.bbsKey()!;
    const answer = await issue(credential(didKey.did), { cryptosuite: 'bbs-2023', credentialStatus: ['revocation'] });
    expect(answer.status, answer.text).toBe(201);
    const [entry] = answer.body.verifiableCredential.credentialStatus;
    expect(entry).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(new URL(entry.statusListCredential).pathname).toBe(`/status-lists/key.${didKey.did.slice('did:key:'.length)}.revocation-0`);
  });
});

describe('status lists of the BLS12-381 did:key: a derived bbs-2023 proof disclosing the whole list', () => {
  let didKey: { did: string; verificationMethodId: string };
  let base: any;
  let listUrl: string;
  let list: any;
  beforeAll(async () => {
    didKey = svc.service.keyring.bbsKey()!.didKey;
    const answer = await issue(credential(didKey.did), { cryptosuite: 'bbs-2023', credentialStatus: ['revocation'] });
    expect(answer.status, answer.text).toBe(201);
    base = answer.body.verifiableCredential;
    listUrl = base.credentialStatus[0].statusListCredential;
    const served = await fetch(listUrl);
    expect(served.status, await served.clone().text()).toBe(200);
    list = await served.json();
  });

  it('serves the list as the did:key, with a derived proof (0xd95d03) that discloses every statement', () => {
    expect(list).toMatchObject({
      id: listUrl,
      type: ['VerifiableCredential', 'BitstringStatusListCredential'],
      issuer: didKey.did,
      validFrom: expect.any(String),
      validUntil: expect.any(String),
      credentialSubject: { id: `${listUrl}#list`, type: 'BitstringStatusList', statusPurpose: 'revocation', encodedList: expect.stringMatching(/^u/), ttl: expect.any(Number) },
      proof: { type: 'DataIntegrityProof', cryptosuite: 'bbs-2023', proofPurpose: 'assertionMethod', verificationMethod: didKey.verificationMethodId },
    });
    expect(Buffer.from(list.proof.proofValue.slice(1, 5), 'base64url').subarray(0, 3)).toEqual(Buffer.from([0xd9, 0x5d, 0x03]));
  });

  it('verifies in gx-trust, and not tampered', async () => {
    expectVerified(await verify(list));
    const emptied = { ...list, credentialSubject: { ...list.credentialSubject, statusPurpose: 'suspension' } };
    expectProofRefused(await verify(emptied), 'INVALID_SIGNATURE');
  });

  it('verifies in Digital Bazaar\'s bbs-2023 (createVerifyCryptosuite), the did:key resolved locally, and not tampered', async () => {
    const suite = new DataIntegrityProof({ cryptosuite: bbs2023.createVerifyCryptosuite() });
    const result = await vc.verifyCredential({ credential: list, suite, documentLoader });
    expect(result.verified, JSON.stringify(result.error)).toBe(true);
    const refused = await vc.verifyCredential({ credential: { ...list, credentialSubject: { ...list.credentialSubject, ttl: 1 } }, suite, documentLoader });
    expect(refused.verified).toBe(false);
  });

  it('has no vc+jwt form: ?format=vc+jwt and Accept: application/vc+jwt are 400 UNSUPPORTED_FORMAT with a hint', async () => {
    for (const [url, headers, pointer, hint] of [
      [`${listUrl}?format=vc%2Bjwt`, {}, '/format', /leave \?format out/],
      // The header is no member of anything a pointer could name: the request as a whole, as a refused Content-Type.
      [listUrl, { accept: 'application/vc+jwt' }, '', /Accept application\/vc\+ld\+json/],
    ] as const) {
      const answer = await fetch(url, { headers });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(await answer.json()).toMatchObject({ code: 'UNSUPPORTED_FORMAT', pointer, detail: expect.stringMatching(/no JWS algorithm/), hint: expect.stringMatching(hint) });
    }
  });

  it('reports the status of a derived credential from this list: valid before the revocation, revoked after', async () => {
    const derived = await derivedByGxTrust(base);
    expect(derived.credentialStatus).toEqual(base.credentialStatus);
    const before = await verify(derived);
    expectVerified(before);
    expect(before.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: base.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);
    const after = await verify(derived);
    expect(after.body.verified, after.text).toBe(false);
    expect(after.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: false, code: 'CREDENTIAL_REVOKED' }));
    // The list served after the revocation is signed anew, and still verifies for a peer.
    const suite = new DataIntegrityProof({ cryptosuite: bbs2023.createVerifyCryptosuite() });
    const relisted = (await (await fetch(listUrl)).json()) as any;
    expect(relisted.credentialSubject.encodedList).not.toBe(list.credentialSubject.encodedList);
    expect((await vc.verifyCredential({ credential: relisted, suite, documentLoader })).verified).toBe(true);
  });

  it('keeps the other purposes and widths on lists of its own too (suspension, a 2-bit message entry)', async () => {
    const messages = ['0x0', '0x1', '0x2', '0x3'].map((status) => ({ status, message: `state ${status}` }));
    const answer = await issue(credential(didKey.did), {
      cryptosuite: 'bbs-2023',
      credentialStatus: [
        { type: 'BitstringStatusListEntry', statusPurpose: 'suspension' },
        { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusSize: 2, statusMessage: messages },
      ],
    });
    expect(answer.status, answer.text).toBe(201);
    const scope = `/status-lists/key.${didKey.did.slice('did:key:'.length)}`;
    expect(answer.body.verifiableCredential.credentialStatus.map((e: any) => new URL(e.statusListCredential).pathname)).toEqual([`${scope}.suspension-0`, `${scope}.message-2bit-0`]);
    const verified = await verify(await derivedByGxTrust(answer.body.verifiableCredential));
    expectVerified(verified);
    expect(verified.body.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
  });
});

describe('Digital Bazaar bbs-2023 as a peer, resolving the did:web served on loopback', () => {
  let base: any;
  beforeAll(async () => {
    base = await issuedBase();
  });

  it('derives from gx-trust\'s base proof (createDiscloseCryptosuite), and gx-trust verifies the result', async () => {
    const suite = new DataIntegrityProof({ cryptosuite: bbs2023.createDiscloseCryptosuite({ selectivePointers: ['/credentialSubject/employees'] }) });
    const derived = await vc.derive({ verifiableCredential: base, suite, documentLoader });
    expect(derived.credentialSubject).toEqual({ id: 'did:web:member.example', country: 'DE', employees: 42 });
    expectVerified(await verify(derived));
    expectProofRefused(await verify(tampered(derived)), 'INVALID_SIGNATURE');
  });

  it('verifies gx-trust\'s derived proof (createVerifyCryptosuite), and refuses it tampered', async () => {
    const derived = await derivedByGxTrust(base);
    const suite = new DataIntegrityProof({ cryptosuite: bbs2023.createVerifyCryptosuite() });
    const result = await vc.verifyCredential({ credential: derived, suite, documentLoader });
    expect(result.verified, JSON.stringify(result.error)).toBe(true);
    const refused = await vc.verifyCredential({ credential: tampered(derived), suite, documentLoader });
    expect(refused.verified).toBe(false);
  });
});

describe('the allow-list: bbs-2023 with the BLS12-381 key only, and that key with bbs-2023 only', () => {
  it('refuses bbs-2023 with options.keyType naming a P-256 or Ed25519 key (400 at /options/keyType)', async () => {
    for (const keyType of ['P-256', 'Ed25519']) {
      const answer = await issue(credential(svc.service.keyring.did), { cryptosuite: 'bbs-2023', keyType });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/keyType' });
    }
  });

  it('refuses bbs-2023 as the P-256 or Ed25519 did:key (400 at /credential/issuer)', async () => {
    for (const kind of ['P-256', 'Ed25519'] as const) {
      const answer = await issue(credential(svc.service.keyring.didKey(kind).did), { cryptosuite: 'bbs-2023' });
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
    }
  });

  it('refuses an Ed25519 or ECDSA cryptosuite, or a JOSE format, as the BLS12-381 did:key (400 at /credential/issuer)', async () => {
    const { didKey } = svc.service.keyring.bbsKey()!;
    for (const options of [{ cryptosuite: 'eddsa-rdfc-2022' }, { cryptosuite: 'Ed25519Signature2020' }, { cryptosuite: 'ecdsa-sd-2023' }, { format: 'vc+jwt' }]) {
      const answer = await issue(credential(didKey.did), options);
      expect(answer.status, `${JSON.stringify(options)}: ${answer.text}`).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/issuer' });
      expect(answer.body.hint).toMatch(/BLS12-381 key, which signs bbs-2023 only/);
    }
  });

  it('refuses options that pick another key or format with bbs-2023', async () => {
    for (const [options, pointer] of [
      [{ cryptosuite: 'bbs-2023', format: 'vc+jwt' }, '/options/cryptosuite'],
      [{ cryptosuite: 'bbs-2023', alg: 'ES256' }, '/options/cryptosuite'],
    ] as const) {
      const answer = await issue(credential(svc.service.keyring.did), options);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer });
    }
  });

  it('the Data Integrity signer refuses bbs-2023 with a P-256 key and eddsa-rdfc-2022 with the BLS12-381 key (ALG_NOT_ALLOWED)', async () => {
    const loader = createDocumentLoader();
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p256Did = `did:key:${publicKeyToMultikey(p256.publicKey)}`;
    const p256Signer = signingKeyOf(p256.privateKey).signer(`${p256Did}#${p256Did.slice(8)}`);
    const unsigned = { ...credential(p256Did), id: 'urn:uuid:5b1f6a5e-7f3c-4a2e-9d1b-2f0e8c7a6b5d' };
    const attempts = [
      signCredentialDataIntegrity({ credential: unsigned, signer: { cryptosuite: 'bbs-2023', signer: p256Signer }, documentLoader: loader, now: new Date() }),
      signCredentialDataIntegrity({ credential: unsigned, signer: { cryptosuite: 'eddsa-rdfc-2022', signer: svc.service.keyring.bbsKey()!.signer() }, documentLoader: loader, now: new Date() }),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(() => undefined, (e: unknown) => e);
      expect(isGxTrustError(error) && error.code, String(error)).toBe('ALG_NOT_ALLOWED');
    }
  });
});
