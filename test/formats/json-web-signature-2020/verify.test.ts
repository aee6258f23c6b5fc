import { generateKeyPairSync, sign as nodeSign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import { createDidResolver } from '../../../src/dids/index.js';
import type { DidDocument, DidResolver } from '../../../src/dids/types.js';
import { publicJwkOf } from '../../../src/dids/multikey.js';
import { createDocumentLoader } from '../../../src/document-loader/index.js';
import { GxTrustError } from '../../../src/errors.js';
import { signJsonWebSignature2020 } from '../../../src/formats/json-web-signature-2020/sign.js';
import type { Check } from '../../../src/verifying/report.js';
import type { VerifyContext } from '../../../src/verifying/types.js';
import {
  canonize,
  jsonWebSignature2020Format as format,
  jsonWebSignature2020Payload,
  parseDetachedJws,
  type JsonWebSignature2020Variant,
} from '../../../src/formats/json-web-signature-2020/verify.js';
import { startDidWebServer, type DidWebServer } from '../../helpers/did-web-server.js';

type Json = Record<string, any>;

const SAMPLES = new URL('../../fixtures/gaiax-samples/tagus-22.10/', import.meta.url);
const readSample = (name: string): Json => JSON.parse(readFileSync(new URL(name, SAMPLES), 'utf8')) as Json;

const participantVp = readSample('participant-vp.json');
const serviceOffering = readSample('service-offering-vp-and-compliance-credential.json');

/** Every real Tagus VC in the two sample files, named for the test titles. Fresh copies per call. */
function sampleCredentials(): [string, Json][] {
  const participant = readSample('participant-vp.json');
  const offering = readSample('service-offering-vp-and-compliance-credential.json');
  const names = ['LRN (notary)', 'LegalParticipant', 'Terms and conditions'];
  return [
    ...participant['verifiableCredential'].map((vc: Json, i: number): [string, Json] => [`participant-vp ${names[i]}`, vc]),
    ...offering['selfDescriptionCredential']['verifiableCredential'].map((vc: Json, i: number): [string, Json] => [
      `service-offering-vp ${[...names, 'ServiceOffering'][i]}`,
      vc,
    ]),
    ['compliance credential', offering['complianceCredential']],
  ];
}

/** The VCs the compliance credential excepted: it uses terms its contexts do not define (see below). */
const signableSamples = (): [string, Json][] => sampleCredentials().filter(([name]) => name !== 'compliance credential');

/** A resolver for hosts this machine cannot reach: every resolution fails as did:web would offline. */
const unreachableResolver: DidResolver = {
  resolve: async (did) => {
    throw new GxTrustError('DID_RESOLUTION_FAILED', `${did} could not be resolved (host unreachable)`);
  },
  resolveVerificationMethod: async (didUrl) => {
    throw new GxTrustError('DID_RESOLUTION_FAILED', `${didUrl} could not be resolved (host unreachable)`);
  },
};

const documentLoader = createDocumentLoader();
const NOW = new Date('2024-03-01T12:00:00Z');

function contextWith(resolver: DidResolver, extra: Partial<VerifyContext> = {}): VerifyContext {
  return { resolver, documentLoader, now: NOW, clockSkewSeconds: 300, ...extra };
}

const check = (checks: Check[], name: Check['check']): Check | undefined => checks.find((c) => c.check === name);
const allPassed = (checks: Check[]): boolean => checks.length > 0 && checks.every((c) => c.verified);

const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
afterAll(() => {
  // JSON-LD processing never pollutes Object.prototype (the __proto__ via JSON-LD case).
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
});

describe('jsonWebSignature2020Format on the real Tagus samples', () => {
  it('does not claim the sample presentations, which carry no proof of their own', () => {
    for (const vp of [participantVp, serviceOffering['selfDescriptionCredential']]) {
      expect(vp['proof']).toBeUndefined();
      expect(format.canVerifyPresentation(vp)).toBe(false);
      expect(format.canVerifyCredential(vp)).toBe(false);
    }
  });

  describe.each(sampleCredentials())('%s', (_name, vc) => {
    it('is recognized as a JsonWebSignature2020 credential', () => {
      expect(format.canVerifyCredential(vc)).toBe(true);
      expect(format.canVerifyPresentation(vc)).toBe(false);
    });

    it('carries the RFC 7797 detached PS256 header and an RSA-2048 signature', () => {
      const jws = parseDetachedJws(vc['proof']['jws']);
      expect(jws.header).toEqual({ alg: 'PS256', b64: false, crit: ['b64'] });
      expect(jws.signature).toHaveLength(256);
    });

    it('reports key-binding failed and the proof not run, since its did:web host is unreachable', async () => {
      const result = await format.verifyCredential(vc, contextWith(unreachableResolver));
      expect(check(result.checks, 'format')?.verified).toBe(true);
      expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'DID_RESOLUTION_FAILED' });
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
      expect(allPassed(result.checks)).toBe(false);
      expect(result.issuer).toBe(vc['issuer']);
    });
  });

  describe.each(signableSamples())('%s', (_name, vc) => {
    it.each(['standard', 'gaia-x'] as const)('canonicalizes offline in safe mode into the %s signing input', async (variant) => {
      const { proof, ...document } = vc;
      const { jws: _jws, ...proofOptions } = proof;
      const payload = await jsonWebSignature2020Payload(variant, document, proofOptions, documentLoader);
      if (variant === 'standard') expect(payload).toHaveLength(64);
      else expect(payload.toString('ascii')).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('refuses to canonicalize the compliance credential in safe mode: its subject terms are undefined', async () => {
    // `integrity` and `version` have no definition in its contexts; the compliance service (jsonld
    // with safe:false) dropped them silently, so they were never signed.
    const { proof: _proof, ...document } = serviceOffering['complianceCredential'];
    await expect(canonize(document, documentLoader)).rejects.toMatchObject({ code: 'SAFE_MODE_VIOLATION' });
  });
});

describe('signJsonWebSignature2020() and jsonWebSignature2020Format, end to end over did:web on loopback', () => {
  let server: DidWebServer;
  let resolver: DidResolver;
  let issuer: string;
  let method: string;
  let privateKey: KeyObject;
  let otherIssuer: string;

  const didDocument = (did: string, key: KeyObject, relationships: Partial<Record<'assertionMethod' | 'authentication', string[]>>): DidDocument => ({
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
    id: did,
    verificationMethod: [{ id: `${did}#key-1`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: { ...publicJwkOf(key), alg: 'PS256' } }],
    ...relationships,
  });

  beforeAll(async () => {
    server = await startDidWebServer();
    resolver = createDidResolver({ testMode: true });
    issuer = server.didFor(['tagus-issuer']);
    method = `${issuer}#key-1`;
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = pair.privateKey;
    server.setDocument(issuer, didDocument(issuer, pair.publicKey, { assertionMethod: [method], authentication: [method] }));
    // A second DID whose key is listed only under authentication.
    otherIssuer = server.didFor(['auth-only']);
    server.setDocument(otherIssuer, didDocument(otherIssuer, pair.publicKey, { authentication: [`${otherIssuer}#key-1`] }));
  });
  afterAll(async () => {
    await server.close();
  });

  const resign = (vc: Json, variant: JsonWebSignature2020Variant, overrides: Json = {}): Promise<Json> => {
    const { proof: _proof, ...document } = structuredClone(vc);
    return signJsonWebSignature2020({
      document: { ...document, issuer, ...overrides },
      signer: signingKeyOf(privateKey).signer(method),
      variant,
      documentLoader,
      now: NOW,
    });
  };

  describe.each(['standard', 'gaia-x'] as const)('%s variant', (variant) => {
    it.each(signableSamples())('verifies a re-signed copy of %s', async (_name, vc) => {
      const signed = await resign(vc, variant);
      expect(parseDetachedJws(signed['proof']['jws']).header).toEqual({ alg: 'PS256', b64: false, crit: ['b64'] });
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(result.checks.filter((c) => !c.verified)).toEqual([]);
      expect(allPassed(result.checks)).toBe(true);
      expect(check(result.checks, 'proof')?.message).toContain(`(${variant} variant)`);
      expect(result.verificationMethod?.id).toBe(method);
      expect(result.document).not.toHaveProperty('proof');
    });

    it('rejects a credential whose subject was edited after signing', async () => {
      const signed = await resign(signableSamples()[1]![1], variant);
      signed['credentialSubject']['gx:legalName'] = 'Someone Else SA';
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
    });

    it('rejects an unsigned extra term added after signing (SAFE_MODE_VIOLATION)', async () => {
      const signed = await resign(signableSamples()[1]![1], variant);
      signed['credentialSubject']['isAdmin'] = true;
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'SAFE_MODE_VIOLATION' });
    });

    it('refuses a remote @context added after signing, without fetching it (CONTEXT_NOT_ALLOWED)', async () => {
      const signed = await resign(signableSamples()[1]![1], variant);
      signed['@context'] = [...signed['@context'], 'https://evil.example/ctx'];
      const before = server.requestCount();
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CONTEXT_NOT_ALLOWED' });
      // Only the (cached) issuer DID document may have been fetched, never the context.
      expect(server.requestCount() - before).toBeLessThanOrEqual(1);
    });
  });

  it('binds the proof options in the standard variant: an edited proof.created fails', async () => {
    const signed = await resign(signableSamples()[0]![1], 'standard');
    signed['proof']['created'] = '2030-01-01T00:00:00Z';
    const result = await format.verifyCredential(signed, contextWith(resolver));
    expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
  });

  it('warns that the gaia-x variant leaves proof.created unsigned', async () => {
    const signed = await resign(signableSamples()[0]![1], 'gaia-x');
    signed['proof']['created'] = '2030-01-01T00:00:00Z';
    const result = await format.verifyCredential(signed, contextWith(resolver));
    expect(check(result.checks, 'proof')?.verified).toBe(true);
    expect(result.warnings?.join(' ')).toMatch(/not covered by the signature/);
  });

  it('refuses to sign a document whose @context is not pinned (CONTEXT_NOT_ALLOWED)', async () => {
    const vc = signableSamples()[1]![1];
    await expect(resign(vc, 'standard', { '@context': [...vc['@context'], 'https://evil.example/ctx'] })).rejects.toMatchObject({
      code: 'CONTEXT_NOT_ALLOWED',
    });
  });

  it('refuses to sign the compliance credential as published, whose terms safe mode rejects', async () => {
    await expect(resign(serviceOffering['complianceCredential'], 'gaia-x')).rejects.toMatchObject({ code: 'SAFE_MODE_VIOLATION' });
  });

  it('stops a poison blank-node graph at the canonicalization limit (CANONICALIZATION_LIMIT)', async () => {
    const p = 'https://example.org/knows';
    const left = ['a1', 'a2', 'a3'];
    const right = ['b1', 'b2', 'b3'];
    const clique = [
      ...left.map((n) => ({ '@id': `_:${n}`, [p]: right.map((m) => ({ '@id': `_:${m}` })) })),
      ...right.map((n) => ({ '@id': `_:${n}`, [p]: left.map((m) => ({ '@id': `_:${m}` })) })),
    ];
    const signed = await resign(signableSamples()[1]![1], 'standard');
    signed['credentialSubject'][p] = clique;
    const result = await format.verifyCredential(signed, contextWith(resolver));
    expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CANONICALIZATION_LIMIT' });
  });

  it('refuses a credential subject id of __proto__ without polluting Object.prototype', async () => {
    const signed = await resign(signableSamples()[1]![1], 'standard');
    signed['credentialSubject']['id'] = '__proto__';
    const result = await format.verifyCredential(signed, contextWith(resolver));
    expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'SAFE_MODE_VIOLATION' });
    expect(Object.prototype).not.toHaveProperty('@id');
  });

  describe('rejects a JWS header', () => {
    const withHeader = async (header: Json): Promise<Json> => {
      const signed = await resign(signableSamples()[0]![1], 'standard');
      const [, , signature] = String(signed['proof']['jws']).split('.');
      signed['proof']['jws'] = `${Buffer.from(JSON.stringify(header)).toString('base64url')}..${signature}`;
      return signed;
    };

    it.each([
      ['alg none', { alg: 'none', b64: false, crit: ['b64'] }, 'ALG_NOT_ALLOWED'],
      ['alg HS256', { alg: 'HS256', b64: false, crit: ['b64'] }, 'ALG_NOT_ALLOWED'],
      ['b64 true', { alg: 'PS256', b64: true, crit: ['b64'] }, 'INVALID_INPUT'],
      ['no crit', { alg: 'PS256', b64: false }, 'INVALID_INPUT'],
      ['an unknown critical member', { alg: 'PS256', b64: false, crit: ['b64', 'x-unknown'] }, 'INVALID_INPUT'],
    ])('with %s', async (_name, header, code) => {
      const result = await format.verifyCredential(await withHeader(header), contextWith(resolver));
      expect(check(result.checks, 'format')).toMatchObject({ verified: false, code });
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
    });

    it('whose alg does not fit the RSA key (ES256 over an RSA method)', async () => {
      const result = await format.verifyCredential(await withHeader({ alg: 'ES256', b64: false, crit: ['b64'] }), contextWith(resolver));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'ALG_NOT_ALLOWED' });
    });

    it('and ignores a header jwk: the attacker-signed proof fails against the DID key', async () => {
      const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const { proof: _proof, ...document } = structuredClone(signableSamples()[0]![1]);
      const forged: Json = await signJsonWebSignature2020({
        document: { ...document, issuer },
        signer: signingKeyOf(attacker.privateKey).signer(method),
        variant: 'standard',
        documentLoader,
        now: NOW,
      });
      const [, , signature] = String(forged['proof']['jws']).split('.');
      const header = { alg: 'PS256', b64: false, crit: ['b64'], jwk: publicJwkOf(attacker.publicKey) };
      forged['proof']['jws'] = `${Buffer.from(JSON.stringify(header)).toString('base64url')}..${signature}`;
      const result = await format.verifyCredential(forged, contextWith(resolver));
      expect(check(result.checks, 'key-binding')?.verified).toBe(true);
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
    });
  });

  describe('rejects the key binding', () => {
    it('when the verification method belongs to another DID than the issuer', async () => {
      const signed = await resign(signableSamples()[0]![1], 'standard');
      signed['proof']['verificationMethod'] = `${otherIssuer}#key-1`;
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
    });

    it('when the method is listed only under authentication', async () => {
      const { proof: _proof, ...document } = structuredClone(signableSamples()[0]![1]);
      const signed = await signJsonWebSignature2020({
        document: { ...document, issuer: otherIssuer },
        signer: signingKeyOf(privateKey).signer(`${otherIssuer}#key-1`),
        variant: 'standard',
        documentLoader,
        now: NOW,
      });
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
    });

    it('when the proof purpose is not assertionMethod', async () => {
      const signed = await resign(signableSamples()[0]![1], 'standard');
      signed['proof']['proofPurpose'] = 'authentication';
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
    });

    describe('for the 2022 compliance.gaia-x.eu DID document (VM id without fragment, controller with one)', () => {
      const complianceDid = readSample('compliance.gaia-x.eu-did.json') as DidDocument;
      const strictResolver = createDidResolver({ testMode: false, localDocuments: new Map([[complianceDid.id, complianceDid]]) });
      const complianceSigned = (verificationMethod: string): Json => {
        const vc = structuredClone(signableSamples()[0]![1]);
        vc['issuer'] = complianceDid.id;
        vc['proof']['verificationMethod'] = verificationMethod;
        return vc;
      };

      it('refuses the method id as published, the bare DID (KEY_BINDING)', async () => {
        const result = await format.verifyCredential(complianceSigned('did:web:compliance.gaia-x.eu'), contextWith(strictResolver));
        expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
        expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
      });

      it('refuses the id its assertionMethod lists, which no method carries (KEY_BINDING)', async () => {
        // Gaia-X compliance would have taken the key anyway: it selects by `indexOf` (proof.service.ts).
        const result = await format.verifyCredential(complianceSigned('did:web:compliance.gaia-x.eu#JWK2020-RSA'), contextWith(strictResolver));
        expect(check(result.checks, 'key-binding')).toMatchObject({ verified: false, code: 'KEY_BINDING' });
        expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'CHECK_NOT_RUN' });
      });
    });
  });

  describe('key types', () => {
    const keys = {
      ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
      EdDSA: generateKeyPairSync('ed25519'),
      PS256: generateKeyPairSync('rsa', { modulusLength: 3072 }),
    } as const;
    let did: string;

    beforeAll(() => {
      did = server.didFor(['multi-alg']);
      const ids = Object.keys(keys).map((alg) => `${did}#${alg}`);
      server.setDocument(did, {
        '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
        id: did,
        verificationMethod: Object.entries(keys).map(([alg, pair]) => ({
          id: `${did}#${alg}`,
          type: 'JsonWebKey2020',
          controller: did,
          publicKeyJwk: publicJwkOf(pair.publicKey),
        })),
        assertionMethod: ids,
      });
    });

    it.each(Object.keys(keys) as (keyof typeof keys)[])('signs and verifies with %s', async (alg) => {
      const { proof: _proof, ...document } = structuredClone(signableSamples()[2]![1]);
      const signed = await signJsonWebSignature2020({
        document: { ...document, issuer: did },
        signer: signingKeyOf(keys[alg].privateKey).signer(`${did}#${alg}`),
        variant: 'standard',
        documentLoader,
        now: NOW,
      });
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(result.checks.filter((c) => !c.verified)).toEqual([]);
    });

    it('verifies RS256, which issuers outside gx-trust still sign with (gx-trust itself signs PS256)', async () => {
      const { proof: _proof, ...document } = structuredClone(signableSamples()[2]![1]);
      const rsa = keys.PS256.privateKey;
      // A signer as another issuer's software would be: RSASSA-PKCS1-v1_5 over SHA-256.
      const rs256 = { ...signingKeyOf(rsa).signer(`${did}#PS256`), algorithm: 'RS256' as 'PS256', sign: async (data: Uint8Array) => nodeSign('sha256', data, rsa) };
      const signed = await signJsonWebSignature2020({ document: { ...document, issuer: did }, signer: rs256, variant: 'standard', documentLoader, now: NOW });
      expect(JSON.parse(Buffer.from(String((signed['proof'] as Json)['jws']).split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256' });
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(result.checks.filter((c) => !c.verified)).toEqual([]);
    });

    it('rejects an alg the method key cannot make (PS256 claimed over the Ed25519 method)', async () => {
      const { proof: _proof, ...document } = structuredClone(signableSamples()[2]![1]);
      const signed: Json = await signJsonWebSignature2020({
        document: { ...document, issuer: did },
        signer: signingKeyOf(privateKey).signer(`${did}#EdDSA`),
        variant: 'standard',
        documentLoader,
        now: NOW,
      });
      const result = await format.verifyCredential(signed, contextWith(resolver));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'ALG_NOT_ALLOWED' });
    });

    it('refuses to sign with an RSA key under 2048 bits', async () => {
      const weak = generateKeyPairSync('rsa', { modulusLength: 1024 });
      const { proof: _proof, ...document } = structuredClone(signableSamples()[2]![1]);
      await expect(
        signJsonWebSignature2020({ document, signer: { ...signingKeyOf(privateKey).signer(method), publicJwk: publicJwkOf(weak.publicKey) }, variant: 'gaia-x', documentLoader, now: NOW }),
      ).rejects.toMatchObject({ code: 'ALG_NOT_ALLOWED' });
      // The keyring makes no signer of such a key in the first place.
      expect(() => signingKeyOf(weak.privateKey)).toThrow(expect.objectContaining({ code: 'ALG_NOT_ALLOWED' }));
    });
  });

  describe('presentations', () => {
    const presentation = async (variant: JsonWebSignature2020Variant, proof: { challenge?: string; domain?: string } = {}): Promise<Json> => {
      const credentials = await Promise.all(signableSamples().slice(0, 3).map(([, vc]) => resign(vc, 'gaia-x')));
      return signJsonWebSignature2020({
        document: {
          '@context': ['https://www.w3.org/2018/credentials/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
          type: ['VerifiablePresentation'],
          holder: issuer,
          verifiableCredential: credentials,
        },
        signer: signingKeyOf(privateKey).signer(method),
        variant,
        purpose: 'authentication',
        ...proof,
        documentLoader,
        now: NOW,
      });
    };

    it('verifies a holder-signed presentation with its challenge and domain, and hands over its credentials', async () => {
      const vp = await presentation('standard', { challenge: 'nonce-123', domain: 'verifier.example' });
      expect(format.canVerifyPresentation(vp)).toBe(true);
      expect(format.canVerifyCredential(vp)).toBe(false);
      const result = await format.verifyPresentation(vp, contextWith(resolver, { challenge: 'nonce-123', domain: 'verifier.example' }));
      expect(result.checks.filter((c) => !c.verified)).toEqual([]);
      expect(check(result.checks, 'challenge')?.verified).toBe(true);
      expect(check(result.checks, 'domain')?.verified).toBe(true);
      expect(result.heldCredentials).toHaveLength(3);
      expect(result.issuer).toBe(issuer);
    });

    it('rejects a presentation made for another challenge or domain', async () => {
      const vp = await presentation('standard', { challenge: 'nonce-123', domain: 'verifier.example' });
      const result = await format.verifyPresentation(vp, contextWith(resolver, { challenge: 'nonce-456', domain: 'other.example' }));
      expect(check(result.checks, 'challenge')).toMatchObject({ verified: false, code: 'CHALLENGE_MISMATCH' });
      expect(check(result.checks, 'domain')).toMatchObject({ verified: false, code: 'DOMAIN_MISMATCH' });
    });

    it('rejects a challenge edited into the proof after signing', async () => {
      const vp = await presentation('standard', { challenge: 'nonce-123' });
      vp['proof']['challenge'] = 'nonce-456';
      const result = await format.verifyPresentation(vp, contextWith(resolver, { challenge: 'nonce-456' }));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
    });

    it('does not accept the gaia-x variant when a challenge is expected: it cannot sign one', async () => {
      const vp = await presentation('gaia-x');
      vp['proof']['challenge'] = 'nonce-123';
      const result = await format.verifyPresentation(vp, contextWith(resolver, { challenge: 'nonce-123' }));
      expect(check(result.checks, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
      await expect(presentation('gaia-x', { challenge: 'nonce-123' })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    });

    it('binds a presentation without holder to the controller of its method, and says so', async () => {
      const { proof: _proof, holder: _holder, ...document } = await presentation('standard');
      const vp = await signJsonWebSignature2020({
        document,
        signer: signingKeyOf(privateKey).signer(method),
        variant: 'standard',
        purpose: 'authentication',
        documentLoader,
        now: NOW,
      });
      const result = await format.verifyPresentation(vp, contextWith(resolver));
      expect(allPassed(result.checks)).toBe(true);
      expect(result.issuer).toBe(issuer);
      expect(result.warnings?.join(' ')).toMatch(/names no holder/);
    });

    it('verifies a gaia-x variant presentation when no challenge is expected', async () => {
      const vp = await presentation('gaia-x');
      const result = await format.verifyPresentation(vp, contextWith(resolver));
      expect(allPassed(result.checks)).toBe(true);
    });
  });
});
