import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import { publicKeyToMultikey } from '../../../src/dids/multikey.js';
import { createDocumentLoader } from '../../../src/document-loader/index.js';
import { signCredentialDataIntegrity, type Cryptosuite, type DataIntegritySigner } from '../../../src/formats/data-integrity/sign.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const VC_V2 = 'https://www.w3.org/ns/credentials/v2';
const VC_V1 = 'https://www.w3.org/2018/credentials/v1';
const documentLoader = createDocumentLoader();

interface Party {
  did: string;
  signer: DataIntegritySigner;
}

function didKeyParty(cryptosuite: Cryptosuite): Party {
  const { privateKey, publicKey }: { privateKey: KeyObject; publicKey: KeyObject } =
    cryptosuite === 'ecdsa-rdfc-2019' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const multikey = publicKeyToMultikey(publicKey);
  const did = `did:key:${multikey}`;
  return { did, signer: { cryptosuite, signer: signingKeyOf(privateKey).signer(`${did}#${multikey}`) } };
}

function makeCredential(version: '2.0' | '1.1', issuer: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> =
    version === '2.0'
      ? { '@context': [VC_V2], type: ['VerifiableCredential'], issuer, validFrom: '2025-01-01T00:00:00Z', credentialSubject: { id: 'did:example:alice', name: 'Alice' } }
      : { '@context': [VC_V1], type: ['VerifiableCredential'], issuer, issuanceDate: '2025-01-01T00:00:00Z', credentialSubject: { id: 'did:example:alice' } };
  return { ...base, ...overrides };
}

async function issue(party: Party, credential: Record<string, unknown>): Promise<Record<string, unknown>> {
  return signCredentialDataIntegrity({ credential, signer: party.signer, documentLoader, now: NOW });
}

describe('signCredentialDataIntegrity()', () => {
  it('does not modify its input and appends the proof to a copy', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const credential = makeCredential('1.1', issuer.did);
    const before = structuredClone(credential);
    const signed = await issue(issuer, credential);
    expect(credential).toEqual(before);
    expect(signed['@context']).toEqual([VC_V1, 'https://w3id.org/security/data-integrity/v2']);
    expect(signed['proof']).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', verificationMethod: issuer.signer.signer.kid });
  });

  it('gives the same proofValue for the same input (Ed25519 is deterministic; the key is reused from the cache)', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const first = await issue(issuer, makeCredential('2.0', issuer.did));
    const second = await issue(issuer, makeCredential('2.0', issuer.did));
    expect((second['proof'] as Record<string, unknown>)['proofValue']).toBe((first['proof'] as Record<string, unknown>)['proofValue']);
  });
});

describe('signCredentialDataIntegrity() refuses', () => {
  it('an undefined term at issuance (credentialSubject.isAdmin), with SAFE_MODE_VIOLATION and its pointer', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const credential = makeCredential('1.1', issuer.did, { credentialSubject: { id: 'did:example:alice', isAdmin: true } });
    await expect(issue(issuer, credential)).rejects.toMatchObject({ code: 'SAFE_MODE_VIOLATION', pointer: '/credentialSubject/isAdmin' });
    const v2 = makeCredential('2.0', issuer.did, { credentialSubject: { id: 'did:example:alice', isAdmin: true } });
    await expect(issue(issuer, v2)).rejects.toMatchObject({ code: 'SAFE_MODE_VIOLATION' });
  });

  it('credentialSubject.id "__proto__", leaving Object.prototype unchanged', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const before = Object.getOwnPropertyNames(Object.prototype).sort();
    const credential = JSON.parse(JSON.stringify(makeCredential('2.0', issuer.did, { credentialSubject: { id: '__proto__', name: 'x' } }))) as Record<string, unknown>;
    await expect(issue(issuer, credential)).rejects.toMatchObject({ code: 'SAFE_MODE_VIOLATION' });
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(before);
    expect(({} as Record<string, unknown>)['@id']).toBeUndefined();
  });

  it('a context outside the allowed set, keeping CONTEXT_NOT_ALLOWED through the library wrapping', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const credential = makeCredential('2.0', issuer.did, { '@context': [VC_V2, 'https://evil.example/ctx'] });
    await expect(issue(issuer, credential)).rejects.toMatchObject({ code: 'CONTEXT_NOT_ALLOWED' });
  });

  it('a context URL nested in a scoped context', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    const credential = makeCredential('2.0', issuer.did, {
      '@context': [VC_V2, { Thing: { '@id': 'https://example.org/Thing', '@context': 'https://evil.example/scoped' } }],
    });
    await expect(issue(issuer, credential)).rejects.toMatchObject({ code: 'CONTEXT_NOT_ALLOWED' });
  });

  it('a key that does not fit the cryptosuite', async () => {
    const issuer = didKeyParty('ecdsa-rdfc-2019');
    const credential = makeCredential('2.0', issuer.did);
    await expect(
      signCredentialDataIntegrity({ credential, signer: { ...issuer.signer, cryptosuite: 'eddsa-rdfc-2022' }, documentLoader, now: NOW }),
    ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('a poison graph (blank-node clique), with CANONICALIZATION_LIMIT', async () => {
    const issuer = didKeyParty('eddsa-rdfc-2022');
    // K_{3,3} of blank nodes: every node of one side links to every node of the other, so no
    // node can be told apart by its first-degree hash (rdf-canonize test/graphs.js, "clique").
    const left = ['_:a0', '_:a1', '_:a2'];
    const right = ['_:b0', '_:b1', '_:b2'];
    const nodes = [
      ...left.map((id) => ({ '@id': id, 'https://example.org/p': right.map((r) => ({ '@id': r })) })),
      ...right.map((id) => ({ '@id': id, 'https://example.org/p': left.map((l) => ({ '@id': l })) })),
    ];
    const credential = makeCredential('2.0', issuer.did, {
      credentialSubject: { id: 'did:example:alice', 'https://example.org/graph': nodes },
    });
    const error = await issue(issuer, credential).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CANONICALIZATION_LIMIT' });
  });
});

