/**
 * How the issuer chooses the BLS12-381 key, without HTTP: a production keyring configured before
 * that key existed (no GX_KEY_BLS12381_FILE) still signs everything else and refuses a bbs-2023
 * request with 400 at /options naming the setting; with the key, bbs-2023 signs as the did:web's
 * #multikey-bls12381 method; and the environment variable reaches the keyring's options.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import type { Issuer } from '../../src/issuing/index.js';
import { optionalKeyIssuers, type OptionalKeyIssuers } from './optional-key.js';
import { productionEnv } from '../helpers/production.js';

let issuers: OptionalKeyIssuers;
let dir: string;
let withoutBls: Issuer;
let withBls: Issuer;
const DID = 'did:web:trust.example.org';

const credential = (issuer: string) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: 'did:web:member.example' },
});

beforeAll(async () => {
  issuers = await optionalKeyIssuers('bls12381');
  ({ dir, without: withoutBls, with: withBls } = issuers);
});
afterAll(async () => {
  await issuers?.close();
});

describe('a production keyring without a BLS12-381 key file', () => {
  it('refuses bbs-2023 with 400 INVALID_INPUT at /options naming GX_KEY_BLS12381_FILE', async () => {
    await expect(withoutBls.issueCredential(credential(DID), { cryptosuite: 'bbs-2023' })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      status: 400,
      pointer: '/options',
      hint: expect.stringMatching(/GX_KEY_BLS12381_FILE/),
    });
  });

  it('signs ecdsa-sd-2023 and eddsa-rdfc-2022 as before', async () => {
    for (const cryptosuite of ['ecdsa-sd-2023', 'eddsa-rdfc-2022'] as const) {
      const issued = await withoutBls.issueCredential(credential(DID), { cryptosuite });
      expect(issued.format === 'ldp_vc' && issued.verifiableCredential['proof']).toMatchObject({ cryptosuite });
    }
  });
});

describe('with the key file', () => {
  it('signs bbs-2023 as #multikey-bls12381, the mandatory pointers checked against the credential', async () => {
    const issued = await withBls.issueCredential(credential(DID), { cryptosuite: 'bbs-2023', mandatoryPointers: ['/type'] });
    expect(issued.format === 'ldp_vc' && issued.verifiableCredential['proof']).toMatchObject({ cryptosuite: 'bbs-2023', verificationMethod: `${DID}#multikey-bls12381` });
    await expect(withBls.issueCredential(credential(DID), { cryptosuite: 'bbs-2023', mandatoryPointers: ['/credentialSubject/nothing'] })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      pointer: '/options/mandatoryPointers/0',
    });
  });

  it('answers reviewValidity for bbs-2023 (onboarding asks before it issues) by time alone', () => {
    expect(withBls.reviewValidity({ ...credential(DID), validUntil: '2000-01-01T00:00:00Z' }, { cryptosuite: 'bbs-2023' })).toMatchObject({ code: 'INVALID_DATE', pointer: '/validUntil' });
    expect(withBls.reviewValidity({ ...credential(DID), validUntil: '2999-01-01T00:00:00Z' }, { cryptosuite: 'bbs-2023' })).toBeUndefined();
  });
});

describe('GX_KEY_BLS12381_FILE', () => {
  it('names the keyring\'s BLS12-381 key file; left out, there is none', async () => {
    const env = await productionEnv(dir);
    expect(parseConfig(env).keyFiles.bls12381).toBeUndefined();
    expect(parseConfig({ ...env, GX_KEY_BLS12381_FILE: '/etc/gx-trust/bls12381.key.json' }).keyFiles.bls12381).toBe('/etc/gx-trust/bls12381.key.json');
  });
});
