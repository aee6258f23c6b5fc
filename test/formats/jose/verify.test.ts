import type { KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicJwkOf } from '../../../src/dids/multikey.js';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import type { DidResolver } from '../../../src/dids/types.js';
import {
  envelopeCredential,
  signCredentialJwt,
  signPresentationJwt,
  type JoseAlgorithm,
  type JoseProfile,
} from '../../../src/formats/jose/sign.js';
import { createJoseFormat, joseFormat } from '../../../src/formats/jose/verify.js';
import {
  NOW,
  b64,
  checkOf,
  generateKeys,
  issuerFor,
  makeContext,
  makeCredential,
  makePresentation,
  summary,
} from './fixtures.js';

const ALGORITHMS: JoseAlgorithm[] = ['EdDSA', 'ES256', 'PS256'];
const PROFILES: JoseProfile[] = ['default', 'gaia-x-danube'];
const ALL_PASSED = ['format:ok', 'key-binding:ok', 'proof:ok'];

async function issue(alg: JoseAlgorithm, profile: JoseProfile = 'default', overrides: Record<string, unknown> = {}): Promise<string> {
  const issuer = issuerFor(alg);
  return signCredentialJwt({ credential: makeCredential(issuer.did, overrides), signer: issuer.signer, profile, now: NOW });
}

describe('joseFormat.verifyCredential()', () => {
  describe.each(ALGORITHMS)('%s', (alg) => {
    it.each(PROFILES)('verifies a credential it issued with the %s profile', async (profile) => {
      const jwt = await issue(alg, profile);
      const result = await joseFormat.verifyCredential(jwt, makeContext());
      expect(summary(result)).toEqual(ALL_PASSED);
      expect(result.format).toBe(profile === 'default' ? 'vc+jwt' : 'vc+ld+json+jwt');
      expect(result.issuer).toBe(issuerFor(alg).did);
      expect(result.verificationMethod?.id).toBe(issuerFor(alg).kid);
      expect(result.document).toMatchObject(makeCredential(issuerFor(alg).did));
      expect(result.timeClaims).toEqual({ issuedAt: NOW, expires: new Date('2027-01-01T00:00:00Z') });
    });
  });

  it.each([
    ['a bare JWS', (jwt: string) => jwt],
    ['a data: URL', (jwt: string) => `data:application/vc+jwt,${jwt}`],
    ['an EnvelopedVerifiableCredential', (jwt: string) => envelopeCredential(jwt)],
    ['an EnvelopedVerifiableCredential with a Gaia-X media type', (jwt: string) => envelopeCredential(jwt, 'application/vc+ld+json+jwt')],
  ])('accepts %s', async (_name, wrap) => {
    const input = wrap(await issue('ES256'));
    expect(joseFormat.canVerifyCredential(input)).toBe(true);
    expect(summary(await joseFormat.verifyCredential(input, makeContext()))).toEqual(ALL_PASSED);
  });

  it.each([
    ['a JSON-LD credential', { '@context': [], type: ['VerifiableCredential'] }],
    ['a vp+jwt data: URL', 'data:application/vp+jwt,a.b.c'],
    ['a data: URL of another media type', 'data:text/plain,a.b.c'],
    ['an EnvelopedVerifiablePresentation', { type: 'EnvelopedVerifiablePresentation', id: 'data:application/vp+jwt,a.b.c' }],
    ['a two-part string', 'abc.def'],
    ['a number', 42],
  ])('does not claim %s', (_name, input) => {
    expect(joseFormat.canVerifyCredential(input)).toBe(false);
  });

  describe('fails the proof when the token was changed after signing', () => {
    const tamper = async (change: (parts: string[]) => string[]) => {
      const jwt = await issue('ES256');
      const result = await joseFormat.verifyCredential(change(jwt.split('.')).join('.'), makeContext());
      return summary(result);
    };
    const reencode = (part: string | undefined, edit: (value: Record<string, unknown>) => void): string => {
      const value = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
      edit(value);
      return b64(value);
    };

    it('a payload member', async () => {
      expect(await tamper(([h, p, s]) => [h!, reencode(p, (v) => { (v.credentialSubject as Record<string, unknown>).memberOf = 'other'; }), s!]))
        .toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
    });

    it('the @context of the payload', async () => {
      expect(await tamper(([h, p, s]) => [h!, reencode(p, (v) => { v['@context'] = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#']; }), s!]))
        .toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
    });

    it('the signature', async () => {
      expect(await tamper(([h, p, s]) => [h!, p!, (s!.startsWith('A') ? 'B' : 'A') + s!.slice(1)]))
        .toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
    });

    it('a protected header member', async () => {
      expect(await tamper(([h, p, s]) => [reencode(h, (v) => { v.cty = 'vc+ld+json'; }), p!, s!]))
        .toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
    });
  });

  it('refuses a credential signed by another key than the DID document publishes', async () => {
    const issuer = issuerFor('ES256');
    // The kid names the issuer's key; the signature is from another P-256 key.
    const forged = await signCredentialJwt({
      credential: makeCredential(issuer.did),
      signer: signingKeyOf(generateKeys('ES256').privateKey).signer(issuer.kid),
    });
    expect(summary(await joseFormat.verifyCredential(forged, makeContext()))).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE']);
  });

  it('uses the key the DID document publishes now, not a cached key of the same method id', async () => {
    const did = 'did:example:rotating';
    const kid = `${did}#key-1`;
    const keyA = generateKeys('ES256');
    const keyB = generateKeys('ES256');
    let published = keyA.publicKey;
    const resolver: DidResolver = {
      resolve: () => Promise.reject(new Error('not used')),
      resolveVerificationMethod: async () => ({ id: kid, type: 'JsonWebKey', controller: did, publicKeyJwk: publicJwkOf(published) }),
    };
    const format = createJoseFormat({ keyCacheSize: 4 });
    const signWith = (privateKey: KeyObject) =>
      signCredentialJwt({ credential: makeCredential(did), signer: signingKeyOf(privateKey).signer(kid) });
    const signedByA = await signWith(keyA.privateKey);
    const signedByB = await signWith(keyB.privateKey);
    expect(summary(await format.verifyCredential(signedByA, makeContext({}, resolver)))).toEqual(ALL_PASSED);
    expect(summary(await format.verifyCredential(signedByA, makeContext({}, resolver)))).toEqual(ALL_PASSED);
    published = keyB.publicKey;
    expect(checkOf(await format.verifyCredential(signedByA, makeContext({}, resolver)), 'proof').code).toBe('INVALID_SIGNATURE');
    expect(summary(await format.verifyCredential(signedByB, makeContext({}, resolver)))).toEqual(ALL_PASSED);
  });
});

describe('joseFormat.verifyPresentation()', () => {
  async function present(options: { nonce?: string; audience?: string | string[]; holderAlg?: JoseAlgorithm } = {}) {
    const vcJwt = await issue('PS256');
    const holder = issuerFor(options.holderAlg ?? 'EdDSA');
    const vp = await signPresentationJwt({
      presentation: makePresentation({ verifiableCredential: [envelopeCredential(vcJwt)] }),
      signer: holder.signer,
      ...(options.nonce === undefined ? {} : { nonce: options.nonce }),
      ...(options.audience === undefined ? {} : { audience: options.audience }),
      now: NOW,
    });
    return { vp, vcJwt, holder };
  }

  it('verifies a vp+jwt, its challenge and domain, and hands back the enveloped credentials as found', async () => {
    const { vp, vcJwt, holder } = await present({ nonce: 'c-123', audience: ['https://other.example', 'https://verifier.example'] });
    const result = await joseFormat.verifyPresentation(vp, makeContext({ challenge: 'c-123', domain: 'https://verifier.example' }));
    expect(summary(result)).toEqual([...ALL_PASSED, 'challenge:ok', 'domain:ok']);
    expect(result.format).toBe('vp+jwt');
    expect(result.issuer).toBe(holder.did);
    expect(result.heldCredentials).toEqual([envelopeCredential(vcJwt)]);
    // The dispatcher hands each held credential back to the credential side.
    const held = result.heldCredentials?.[0];
    expect(joseFormat.canVerifyCredential(held)).toBe(true);
    expect(summary(await joseFormat.verifyCredential(held, makeContext()))).toEqual(ALL_PASSED);
  });

  it.each([
    ['a data: URL', (vp: string) => `data:application/vp+jwt,${vp}`],
    ['an EnvelopedVerifiablePresentation', (vp: string) => ({ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vp}` })],
  ])('accepts %s', async (_name, wrap) => {
    const { vp } = await present();
    const input = wrap(vp);
    expect(joseFormat.canVerifyPresentation(input)).toBe(true);
    expect(summary(await joseFormat.verifyPresentation(input, makeContext()))).toEqual(ALL_PASSED);
  });

  it('fails the challenge when the nonce differs or is missing', async () => {
    const { vp } = await present({ nonce: 'c-123' });
    expect(checkOf(await joseFormat.verifyPresentation(vp, makeContext({ challenge: 'c-999' })), 'challenge').code).toBe('CHALLENGE_MISMATCH');
    const { vp: withoutNonce } = await present();
    expect(checkOf(await joseFormat.verifyPresentation(withoutNonce, makeContext({ challenge: 'c-123' })), 'challenge').code).toBe('CHALLENGE_MISMATCH');
  });

  it('fails the domain when aud does not include it, and does not run what follows', async () => {
    const { vp } = await present({ nonce: 'c-1', audience: 'https://else.example' });
    const result = await joseFormat.verifyPresentation(vp, makeContext({ challenge: 'c-1', domain: 'https://verifier.example' }));
    expect(summary(result)).toEqual([...ALL_PASSED, 'challenge:ok', 'domain:DOMAIN_MISMATCH']);
  });

  it('reports challenge and domain as not run when the signature fails', async () => {
    const { vp } = await present({ nonce: 'c-1', audience: 'https://verifier.example' });
    const [h, p, s] = vp.split('.');
    const broken = [h, p, (s!.startsWith('A') ? 'B' : 'A') + s!.slice(1)].join('.');
    const result = await joseFormat.verifyPresentation(broken, makeContext({ challenge: 'c-1', domain: 'https://verifier.example' }));
    expect(summary(result)).toEqual(['format:ok', 'key-binding:ok', 'proof:INVALID_SIGNATURE', 'challenge:CHECK_NOT_RUN', 'domain:CHECK_NOT_RUN']);
  });

  it('refuses a presentation signed with a key of another DID than its holder', async () => {
    const holder = issuerFor('EdDSA');
    const other = issuerFor('ES256');
    const vp = await signPresentationJwt({ presentation: makePresentation(), signer: holder.signer });
    const [, p, s] = vp.split('.');
    // The header claims another DID's key: the holder binding fails before any resolution.
    const header = b64({ alg: 'EdDSA', kid: other.kid, typ: 'vp+jwt' });
    expect(summary(await joseFormat.verifyPresentation([header, p, s].join('.'), makeContext())))
      .toEqual(['format:ok', 'key-binding:KEY_BINDING', 'proof:CHECK_NOT_RUN']);
  });

  it('refuses a vc+jwt sent as a presentation (TOKEN_TYPE)', async () => {
    const result = await joseFormat.verifyPresentation(await issue('EdDSA'), makeContext());
    expect(summary(result)).toEqual(['format:TOKEN_TYPE', 'key-binding:CHECK_NOT_RUN', 'proof:CHECK_NOT_RUN']);
  });
});
