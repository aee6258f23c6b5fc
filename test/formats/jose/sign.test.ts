import { compactVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../../src/dids/multikey.js';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import {
  envelopeCredential,
  signCredentialJwt,
  signPresentationJwt,
  type JoseAlgorithm,
} from '../../../src/formats/jose/sign.js';
import {
  NOW,
  codeOf,
  decodeJws,
  generateKeys,
  issuerFor,
  makeCredential,
  makePresentation,
} from './fixtures.js';

const ALGORITHMS: JoseAlgorithm[] = ['EdDSA', 'ES256', 'PS256'];

describe('signCredentialJwt()', () => {
  describe.each(ALGORITHMS)('%s', (alg) => {
    it('signs the credential itself as the payload, with the W3C media types by default', async () => {
      const issuer = issuerFor(alg);
      const credential = makeCredential(issuer.did);
      const jwt = await signCredentialJwt({ credential, signer: issuer.signer, now: NOW });
      const { protectedHeader, payload } = await compactVerify(jwt, issuer.publicKey, { algorithms: [alg] });
      expect(protectedHeader).toEqual({ alg, kid: issuer.kid, iss: issuer.did, typ: 'vc+jwt', cty: 'vc' });
      const decoded = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
      expect(decoded).toEqual({ ...credential, iss: issuer.did, iat: NOW.getTime() / 1000, exp: Date.parse('2027-01-01T00:00:00Z') / 1000 });
      expect(decoded).not.toHaveProperty('vc');
    });

    it('uses the Gaia-X ICAM media types with the gaia-x-danube profile', async () => {
      const issuer = issuerFor(alg);
      const jwt = await signCredentialJwt({ credential: makeCredential(issuer.did), signer: issuer.signer, profile: 'gaia-x-danube' });
      const { header } = decodeJws(jwt);
      expect(header.typ).toBe('vc+ld+json+jwt');
      expect(header.cty).toBe('vc+ld+json');
    });
  });

  it('sets iss to the issuer, and no exp, nbf or jti when the credential has no validUntil', async () => {
    const issuer = issuerFor('EdDSA');
    const credential = makeCredential(issuer.did);
    delete credential.validUntil;
    const { payload } = decodeJws(await signCredentialJwt({ credential, signer: issuer.signer, now: NOW }));
    expect(Object.keys(payload).filter((k) => ['iat', 'exp', 'nbf', 'jti', 'iss'].includes(k))).toEqual(['iss', 'iat']);
    expect(payload.iss).toBe(issuer.did);
  });

  it('truncates exp to the second of validUntil, never later', async () => {
    const issuer = issuerFor('EdDSA');
    const credential = makeCredential(issuer.did, { validUntil: '2027-01-01T00:00:00.900Z' });
    const { payload } = decodeJws(await signCredentialJwt({ credential, signer: issuer.signer }));
    expect(payload.exp).toBe(Date.parse('2027-01-01T00:00:00Z') / 1000);
  });

  describe('refuses', () => {
    it('an algorithm that does not fit the key (ES256 with an Ed25519 key)', async () => {
      const issuer = issuerFor('EdDSA');
      const signer = { ...issuer.signer, algorithm: 'ES256' as const };
      expect(await codeOf(signCredentialJwt({ credential: makeCredential(issuer.did), signer }))).toBe('ALG_NOT_ALLOWED');
    });

    it('PS256 with an RSA key shorter than 2048 bits', async () => {
      const issuer = issuerFor('PS256');
      const short = generateKeys('RSA-1024');
      // The keyring never makes a signer of such a key; a signer claiming one is refused by the format too.
      expect(() => signingKeyOf(short.privateKey)).toThrow(expect.objectContaining({ code: 'ALG_NOT_ALLOWED' }));
      const signer = { ...issuer.signer, publicJwk: publicJwkOf(short.publicKey) };
      expect(await codeOf(signCredentialJwt({ credential: makeCredential(issuer.did), signer }))).toBe('ALG_NOT_ALLOWED');
    });

    it('a credential whose issuer is not the signer', async () => {
      const issuer = issuerFor('EdDSA');
      const credential = makeCredential('did:example:someone-else');
      expect(await codeOf(signCredentialJwt({ credential, signer: issuer.signer }))).toBe('INVALID_INPUT');
    });

    it('a kid that is not a DID URL of the issuer', async () => {
      const issuer = issuerFor('EdDSA');
      const signer = { ...issuer.signer, kid: 'did:example:other#key-1' };
      expect(await codeOf(signCredentialJwt({ credential: makeCredential(issuer.did), signer }))).toBe('INVALID_INPUT');
    });

    it('a VCDM 1.1 "vc" claim', async () => {
      const issuer = issuerFor('EdDSA');
      const credential = makeCredential(issuer.did, { vc: {} });
      expect(await codeOf(signCredentialJwt({ credential, signer: issuer.signer }))).toBe('INVALID_INPUT');
    });

    it('an exp claim that disagrees with validUntil', async () => {
      const issuer = issuerFor('EdDSA');
      const credential = makeCredential(issuer.did, { exp: 4102444800 });
      expect(await codeOf(signCredentialJwt({ credential, signer: issuer.signer }))).toBe('INVALID_INPUT');
    });
  });
});

describe('envelopeCredential()', () => {
  it('builds the EnvelopedVerifiableCredential of VCDM 2.0 with a data: URL', async () => {
    const issuer = issuerFor('ES256');
    const jwt = await signCredentialJwt({ credential: makeCredential(issuer.did), signer: issuer.signer });
    expect(envelopeCredential(jwt)).toEqual({
      '@context': 'https://www.w3.org/ns/credentials/v2',
      id: `data:application/vc+jwt,${jwt}`,
      type: 'EnvelopedVerifiableCredential',
    });
    expect(envelopeCredential(jwt, 'application/vc+ld+json+jwt').id).toBe(`data:application/vc+ld+json+jwt,${jwt}`);
  });

  it('refuses what is not a compact JWS', () => {
    expect(() => envelopeCredential('not a jws')).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });
});

describe('signPresentationJwt()', () => {
  it('signs the presentation with the holder, enveloped credentials, nonce and aud', async () => {
    const issuer = issuerFor('ES256');
    const holder = issuerFor('EdDSA');
    const vcJwt = await signCredentialJwt({ credential: makeCredential(issuer.did), signer: issuer.signer });
    const jwt = await signPresentationJwt({
      presentation: makePresentation({ verifiableCredential: [vcJwt, envelopeCredential(vcJwt)] }),
      signer: holder.signer,
      nonce: 'n-0S6_WzA2Mj',
      audience: 'https://verifier.example',
      now: NOW,
    });
    const { protectedHeader, payload } = await compactVerify(jwt, holder.publicKey, { algorithms: ['EdDSA'] });
    expect(protectedHeader).toEqual({ alg: 'EdDSA', kid: holder.kid, iss: holder.did, typ: 'vp+jwt', cty: 'vp' });
    const decoded = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    expect(decoded).toMatchObject({
      holder: holder.did,
      nonce: 'n-0S6_WzA2Mj',
      aud: 'https://verifier.example',
      iat: NOW.getTime() / 1000,
      verifiableCredential: [envelopeCredential(vcJwt), envelopeCredential(vcJwt)],
    });
  });

  it('refuses an embedded (not enveloped) credential', async () => {
    const holder = issuerFor('EdDSA');
    const presentation = makePresentation({ verifiableCredential: [makeCredential(holder.did)] });
    expect(await codeOf(signPresentationJwt({ presentation, signer: holder.signer }))).toBe('INVALID_INPUT');
  });

  it('refuses a holder other than the signer', async () => {
    const holder = issuerFor('EdDSA');
    const presentation = makePresentation({ holder: 'did:example:someone-else' });
    expect(await codeOf(signPresentationJwt({ presentation, signer: holder.signer }))).toBe('INVALID_INPUT');
  });
});
