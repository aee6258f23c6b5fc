/**
 * How the issuer chooses the P-384 key, without HTTP: a production keyring configured before the
 * P-384 key existed (no GX_KEY_P384_FILE) still signs everything else and refuses a P-384 request
 * with 400 naming the setting; with the key, options.keyType and the P-384 did:key choose it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issuer } from '../../src/issuing/index.js';
import type { Keyring } from '../../src/keyring/index.js';
import { optionalKeyIssuers, type OptionalKeyIssuers } from './optional-key.js';

let issuers: OptionalKeyIssuers;
let development: Keyring;
let withoutP384: Issuer;
let withP384: Issuer;

const credential = (issuer: string) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: 'did:web:member.example' },
});

beforeAll(async () => {
  issuers = await optionalKeyIssuers('p384');
  ({ development, without: withoutP384, with: withP384 } = issuers);
});
afterAll(async () => {
  await issuers?.close();
});

describe('a production keyring without a P-384 key file', () => {
  it.each([
    ['alg ES384', { format: 'vc+jwt', alg: 'ES384' }],
    ['ecdsa-rdfc-2019 with keyType P-384', { cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-384' }],
  ] as const)('refuses %s with 400 INVALID_INPUT naming GX_KEY_P384_FILE', async (_name, options) => {
    await expect(withoutP384.issueCredential(credential('did:web:trust.example.org'), options)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      pointer: '/options',
      hint: expect.stringMatching(/GX_KEY_P384_FILE/),
    });
  });

  it('signs ES256 and ecdsa-rdfc-2019 with P-256 as before', async () => {
    const jwt = await withoutP384.issueCredential(credential('did:web:trust.example.org'), { format: 'vc+jwt', alg: 'ES256' });
    expect(jwt.format === 'vc+jwt' && JSON.parse(Buffer.from(jwt.jwt.split('.')[0]!, 'base64url').toString()).alg).toBe('ES256');
    const di = await withoutP384.issueCredential(credential('did:web:trust.example.org'), { cryptosuite: 'ecdsa-rdfc-2019' });
    expect((di.verifiableCredential['proof'] as { verificationMethod: string }).verificationMethod).toBe('did:web:trust.example.org#multikey-p256');
  });
});

describe('with the P-384 key', () => {
  it('options.keyType alone picks ES384 for vc+jwt', async () => {
    const issued = await withP384.issueCredential(credential('did:web:trust.example.org'), { format: 'vc+jwt', keyType: 'P-384' });
    expect(issued.format === 'vc+jwt' && JSON.parse(Buffer.from(issued.jwt.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'ES384', kid: 'did:web:trust.example.org#jwk-p384' });
  });

  it('the P-384 did:key as issuer picks the P-384 key for ecdsa-rdfc-2019; keyType P-256 with it is refused at the issuer', async () => {
    const didKey = development.didKey('P-384');
    const issued = await withP384.issueCredential(credential(didKey.did), { cryptosuite: 'ecdsa-rdfc-2019' });
    expect((issued.verifiableCredential['proof'] as { verificationMethod: string }).verificationMethod).toBe(didKey.verificationMethodId);
    await expect(withP384.issueCredential(credential(didKey.did), { cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-256' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      pointer: '/credential/issuer',
      hint: expect.stringMatching(/did:key of the service's P-384 key/),
    });
  });
});

describe('options that name only a key type, or an issuer that is one of our did:keys', () => {
  const header = (issued: Awaited<ReturnType<Issuer['issueCredential']>>) =>
    issued.format === 'vc+jwt' ? JSON.parse(Buffer.from(issued.jwt.split('.')[0]!, 'base64url').toString()) : undefined;
  const proofOf = (issued: Awaited<ReturnType<Issuer['issueCredential']>>) => issued.verifiableCredential['proof'] as { cryptosuite: string; verificationMethod: string };

  it.each([
    ['P-384', 'did:web:trust.example.org#multikey-p384'],
    ['P-256', 'did:web:trust.example.org#multikey-p256'],
    ['Ed25519', 'did:web:trust.example.org#multikey-ed25519'],
  ] as const)('keyType %s alone signs Data Integrity with that key\'s cryptosuite', async (keyType, method) => {
    const issued = await withP384.issueCredential(credential('did:web:trust.example.org'), { keyType });
    expect(issued.format).toBe('ldp_vc');
    expect(proofOf(issued)).toMatchObject({ cryptosuite: keyType === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019', verificationMethod: method });
  });

  it('keyType RSA alone signs vc+jwt with PS256 (RSA keys have no Data Integrity cryptosuite here)', async () => {
    const issued = await withP384.issueCredential(credential('did:web:trust.example.org'), { keyType: 'RSA' });
    expect(header(issued)).toMatchObject({ alg: 'PS256', kid: 'did:web:trust.example.org#jwk-rsa' });
  });

  it.each(['P-384', 'P-256', 'Ed25519'] as const)('the %s did:key as issuer, no options: its own key and cryptosuite; vc+jwt without alg: its own algorithm', async (kind) => {
    const didKey = development.didKey(kind);
    const di = await withP384.issueCredential(credential(didKey.did));
    expect(proofOf(di)).toMatchObject({ cryptosuite: kind === 'Ed25519' ? 'eddsa-rdfc-2022' : 'ecdsa-rdfc-2019', verificationMethod: didKey.verificationMethodId });
    const jwt = await withP384.issueCredential(credential(didKey.did), { format: 'vc+jwt' });
    expect(header(jwt)).toMatchObject({ alg: { 'P-384': 'ES384', 'P-256': 'ES256', Ed25519: 'EdDSA' }[kind], kid: didKey.verificationMethodId });
  });

  it('an option that contradicts the did:key is still refused at the issuer, with the hint naming its key', async () => {
    const didKey = development.didKey('P-384');
    await expect(withP384.issueCredential(credential(didKey.did), { cryptosuite: 'eddsa-rdfc-2022' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      pointer: '/credential/issuer',
      hint: expect.stringMatching(/did:key of the service's P-384 key/),
    });
  });
});
