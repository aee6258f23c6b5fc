/**
 * How the issuer chooses the P-521 key, without HTTP: a production keyring configured before the
 * P-521 key existed (no GX_KEY_P521_FILE) still signs everything else and refuses an ES512 request
 * with 400 at /options naming the setting; with the key, alg ES512, options.keyType and the P-521
 * did:key choose it, and no Data Integrity cryptosuite does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Issuer } from '../../src/issuing/index.js';
import type { Keyring } from '../../src/keyring/index.js';
import { optionalKeyIssuers, type OptionalKeyIssuers } from './optional-key.js';

let issuers: OptionalKeyIssuers;
let development: Keyring;
let withoutP521: Issuer;
let withP521: Issuer;

const credential = (issuer: string) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: 'did:web:member.example' },
});
const headerOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString());

beforeAll(async () => {
  issuers = await optionalKeyIssuers('p521', ['p384']);
  ({ development, without: withoutP521, with: withP521 } = issuers);
});
afterAll(async () => {
  await issuers?.close();
});

describe('a production keyring without a P-521 key file', () => {
  it.each([
    ['alg ES512', { format: 'vc+jwt', alg: 'ES512' }],
    ['vc+jwt with keyType P-521', { format: 'vc+jwt', keyType: 'P-521' }],
  ] as const)('refuses %s with 400 INVALID_INPUT at /options naming GX_KEY_P521_FILE', async (_name, options) => {
    await expect(withoutP521.issueCredential(credential('did:web:trust.example.org'), options)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      pointer: '/options',
      hint: expect.stringMatching(/GX_KEY_P521_FILE/),
    });
  });

  it('signs ES256 and ES384 as before', async () => {
    for (const alg of ['ES256', 'ES384'] as const) {
      const jwt = await withoutP521.issueCredential(credential('did:web:trust.example.org'), { format: 'vc+jwt', alg });
      expect(jwt.format === 'vc+jwt' && headerOf(jwt.jwt).alg).toBe(alg);
    }
  });
});

describe('with the P-521 key', () => {
  it('options.keyType alone picks ES512 for vc+jwt', async () => {
    const issued = await withP521.issueCredential(credential('did:web:trust.example.org'), { format: 'vc+jwt', keyType: 'P-521' });
    expect(issued.format === 'vc+jwt' && headerOf(issued.jwt)).toMatchObject({ alg: 'ES512', kid: 'did:web:trust.example.org#jwk-p521' });
  });

  it('ES512 as the P-521 did:key signs under its did:key method', async () => {
    const didKey = development.didKey('P-521');
    const issued = await withP521.issueCredential(credential(didKey.did), { format: 'vc+jwt', alg: 'ES512' });
    expect(issued.format === 'vc+jwt' && headerOf(issued.jwt)).toMatchObject({ alg: 'ES512', kid: didKey.verificationMethodId });
  });

  it('options naming only P-521, or the P-521 did:key as issuer with no options, mean vc+jwt ES512 (P-521 has no cryptosuite); a presentation likewise', async () => {
    const named = await withP521.issueCredential(credential('did:web:trust.example.org'), { keyType: 'P-521' });
    expect(named.format === 'vc+jwt' && headerOf(named.jwt)).toMatchObject({ alg: 'ES512', kid: 'did:web:trust.example.org#jwk-p521' });
    const didKey = development.didKey('P-521');
    const asDidKey = await withP521.issueCredential(credential(didKey.did));
    expect(asDidKey.format === 'vc+jwt' && headerOf(asDidKey.jwt)).toMatchObject({ alg: 'ES512', kid: didKey.verificationMethodId });
    const presented = await withP521.signPresentation({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'], holder: didKey.did });
    expect(presented.format === 'vp+jwt' && headerOf(presented.jwt)).toMatchObject({ alg: 'ES512', kid: didKey.verificationMethodId });
  });

  it.each([
    ['ecdsa-rdfc-2019', { cryptosuite: 'ecdsa-rdfc-2019', keyType: 'P-521' }],
    ['eddsa-rdfc-2022', { cryptosuite: 'eddsa-rdfc-2022', keyType: 'P-521' }],
  ] as const)('keyType P-521 with %s is 400 at /options/keyType (no cryptosuite takes P-521)', async (_name, options) => {
    await expect(withP521.issueCredential(credential('did:web:trust.example.org'), options)).rejects.toMatchObject({ code: 'INVALID_INPUT', status: 400, pointer: '/options/keyType' });
  });
});
