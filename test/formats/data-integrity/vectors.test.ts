/**
 * The W3C test vectors of the EdDSA and ECDSA cryptosuites, kept verbatim in
 * test/vectors/data-integrity/ (sources and commits in its README.md).
 *
 * The vectors use `https://www.w3.org/ns/credentials/examples/v2`, pinned in contexts/ (the W3C
 * suites send it) from the same source as the copy kept beside the vectors: these tests give the
 * verifier a loader that serves that copy, so they also show that the two are one context, and the
 * controller document of the spec's issuer
 * `https://vc.example/issuers/5678` (an https controller, not a DID, so the service's resolver
 * would never serve it).
 */
import { createHash, createPrivateKey, createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { describe, expect, it } from 'vitest';
import { signingKeyOf } from '../../../src/keyring/signer.js';
import { bindVerificationMethod, createDidResolver } from '../../../src/dids/index.js';
import { base58btcDecode, multikeyToJwk, publicKeyToMultikey } from '../../../src/dids/multikey.js';
import type { DidDocument, DidResolver } from '../../../src/dids/types.js';
import { createDocumentLoader, withVerificationMethod, type DocumentLoader } from '../../../src/document-loader/index.js';
import { GxTrustError } from '../../../src/errors.js';
import { signCredentialDataIntegrity } from '../../../src/formats/data-integrity/sign.js';
import { dataIntegrityFormat } from '../../../src/formats/data-integrity/verify.js';
import { jsigs, verifierFor, verifyingSuite } from '../../../src/formats/data-integrity/suites.js';
import type { VerifyContext } from '../../../src/verifying/types.js';

const VECTORS = fileURLToPath(new URL('../../vectors/data-integrity/', import.meta.url));
const text = (path: string): string => readFileSync(VECTORS + path, 'utf8');
const json = (path: string): Record<string, unknown> => JSON.parse(text(path)) as Record<string, unknown>;

const EXAMPLES_CONTEXT = 'https://www.w3.org/ns/credentials/examples/v2';
const SPEC_ISSUER = 'https://vc.example/issuers/5678';
const ED_KEY = json('eddsa-rdfc-2022/keyPair.json') as { publicKeyMultibase: string; privateKeyMultibase: string };
const P256_KEY = json('ecdsa-rdfc-2019-p256/p256KeyPair.json') as { publicKeyMultibase: string; secretKeyMultibase: string };

/** Multikey secret keys: multicodec ed25519-priv (0x1300) / p256-priv (0x1306) + 32 bytes. */
function secretKeyBytes(multibase: string, prefix: [number, number]): Buffer {
  const bytes = base58btcDecode(multibase.slice(1));
  expect([bytes[0], bytes[1]]).toEqual(prefix);
  expect(bytes.length).toBe(34);
  return Buffer.from(bytes.subarray(2));
}

function ed25519PrivateKey(): KeyObject {
  const seed = secretKeyBytes(ED_KEY.privateKeyMultibase, [0x80, 0x26]);
  return createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
}

function p256PrivateKey(): KeyObject {
  const d = secretKeyBytes(P256_KEY.secretKeyMultibase, [0x86, 0x26]).toString('base64url');
  return createPrivateKey({ key: { ...multikeyToJwk(P256_KEY.publicKeyMultibase), d } as import('node:crypto').JsonWebKey, format: 'jwk' });
}

/** The spec issuer's controller document, listing both spec keys for assertions. */
const controllerDocument: DidDocument = {
  '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
  id: SPEC_ISSUER,
  verificationMethod: [ED_KEY.publicKeyMultibase, P256_KEY.publicKeyMultibase].map((key) => ({
    id: `${SPEC_ISSUER}#${key}`,
    type: 'Multikey',
    controller: SPEC_ISSUER,
    publicKeyMultibase: key,
  })),
  assertionMethod: [`${SPEC_ISSUER}#${ED_KEY.publicKeyMultibase}`, `${SPEC_ISSUER}#${P256_KEY.publicKeyMultibase}`],
};

const didKeys = createDidResolver({ testMode: true });

/** DIDs go to the real resolver; the spec's https controller is bound with the same rules. */
const resolver: DidResolver = {
  resolve: (did) => didKeys.resolve(did),
  async resolveVerificationMethod(url, options) {
    if (!url.startsWith(`${SPEC_ISSUER}#`)) return didKeys.resolveVerificationMethod(url, options);
    if (options.expectedController !== SPEC_ISSUER) throw new GxTrustError('KEY_BINDING', `${url} does not belong to ${options.expectedController}`);
    return bindVerificationMethod(controllerDocument, url, options.purpose);
  },
};

const closedLoader = createDocumentLoader();
const examplesContext = JSON.parse(text('contexts/credentials-examples-v2.jsonld')) as unknown;

/** The closed loader plus, for these tests only, the examples context (served, and so pinned for the context check). */
const vectorLoader: DocumentLoader = Object.assign(
  async (url: string) => (url === EXAMPLES_CONTEXT ? { contextUrl: null, documentUrl: url, document: examplesContext } : closedLoader(url)),
  { serves: (url: string) => url === EXAMPLES_CONTEXT || closedLoader.serves!(url) },
);

const ctx: VerifyContext = { resolver, documentLoader: vectorLoader, now: new Date('2025-06-01T00:00:00Z'), clockSkewSeconds: 300 };

function unsigned(signed: Record<string, unknown>): Record<string, unknown> {
  const { proof: _proof, ...rest } = signed;
  return rest;
}

const sha256 = (data: string): Buffer => createHash('sha256').update(data).digest();
const canonize = (document: unknown): Promise<string> =>
  (eddsaRdfc2022 as { canonize(input: unknown, options: object): Promise<string> }).canonize(document, { documentLoader: vectorLoader });

describe('W3C vc-di-eddsa test vectors (eddsa-rdfc-2022)', () => {
  const signed = json('eddsa-rdfc-2022/signedDataInt.json');

  it('the key pair is consistent', () => {
    expect(publicKeyToMultikey(createPublicKey(ed25519PrivateKey()))).toBe(ED_KEY.publicKeyMultibase);
  });

  it('verifies the spec\'s signed credential', async () => {
    const result = await dataIntegrityFormat.verifyCredential(signed, ctx);
    expect(result.checks.filter((c) => !c.verified)).toEqual([]);
    expect(result.format).toBe('eddsa-rdfc-2022');
  });

  it('computes the spec\'s canonical proof options and combined hash', async () => {
    const proofCanon = await canonize(json('eddsa-rdfc-2022/proofConfigDataInt.json'));
    expect(proofCanon).toBe(text('eddsa-rdfc-2022/proofCanonDataInt.txt'));
    const docHash = sha256(await canonize(unsigned(signed)));
    expect(Buffer.concat([sha256(proofCanon), docHash]).toString('hex')).toBe(text('eddsa-rdfc-2022/combinedHashDataInt.txt'));
  });

  it('the previous generation (4ced357) signed the canonical proof with an untyped cryptosuite', async () => {
    const untyped = text('eddsa-rdfc-2022/proofCanonDataInt.txt').replace('"eddsa-rdfc-2022"^^<https://w3id.org/security#cryptosuiteString>', '"eddsa-rdfc-2022"');
    const oldProofHash = text('eddsa-rdfc-2022/proofHashDataInt.4ced357.txt');
    expect(sha256(untyped).toString('hex')).toBe(oldProofHash);
    const docHash = sha256(await canonize(unsigned(signed)));
    const signature = Buffer.from(text('eddsa-rdfc-2022/sigHexDataInt.4ced357.txt'), 'hex');
    const publicKey = createPublicKey(ed25519PrivateKey());
    expect(nodeVerify(null, Buffer.concat([Buffer.from(oldProofHash, 'hex'), docHash]), publicKey, signature)).toBe(true);
  });

  it('re-signs the unsigned credential with the spec key to the byte-identical signed credential', async () => {
    const privateKey = ed25519PrivateKey();
    const resigned = await signCredentialDataIntegrity({
      credential: unsigned(signed),
      signer: { cryptosuite: 'eddsa-rdfc-2022', signer: signingKeyOf(privateKey).signer(`${SPEC_ISSUER}#${ED_KEY.publicKeyMultibase}`) },
      documentLoader: vectorLoader,
      now: new Date('2023-02-24T23:36:38Z'),
    });
    expect((resigned['proof'] as Record<string, unknown>)['proofValue']).toBe(text('eddsa-rdfc-2022/sigBTC58DataInt.txt'));
    expect(resigned).toEqual(signed);
  });

  it('verifies the spec credential with the service\'s own loader: the examples context is pinned, byte for byte the vectors\' copy', async () => {
    expect(readFileSync(new URL('../../../contexts/credentials-examples-v2.jsonld', import.meta.url), 'utf8')).toBe(text('contexts/credentials-examples-v2.jsonld'));
    const result = await dataIntegrityFormat.verifyCredential(signed, { ...ctx, documentLoader: closedLoader });
    expect(result.checks.filter((c) => !c.verified)).toEqual([]);
  });
});

describe('W3C vc-di-ecdsa test vectors (ecdsa-rdfc-2019, P-256)', () => {
  const signedB1b4 = json('ecdsa-rdfc-2019-p256/signedECDSAP256.json');
  const proofConfig = json('ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json');

  it('the key pair is consistent', () => {
    expect(publicKeyToMultikey(createPublicKey(p256PrivateKey()))).toBe(P256_KEY.publicKeyMultibase);
  });

  it('the b1b4fa1 signature is valid over the spec\'s older canonical form, but not under the pinned VC 2.0 context', async () => {
    const docHash = sha256(await canonize(unsigned(signedB1b4)));
    const oldProofCanon = text('ecdsa-rdfc-2019-p256/proofCanonECDSAP256.b1b4fa1.txt');
    expect(sha256(oldProofCanon).toString('hex')).toBe(text('ecdsa-rdfc-2019-p256/proofHashECDSAP256.49a168e.txt'));
    const signature = base58btcDecode(String((signedB1b4['proof'] as Record<string, unknown>)['proofValue']).slice(1));
    const publicKey = createPublicKey(p256PrivateKey());
    expect(nodeVerify('sha256', Buffer.concat([sha256(oldProofCanon), docHash]), { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature)).toBe(true);
    // The pinned context types `cryptosuite` as sec:cryptosuiteString, so the canonical proof differs.
    expect(await canonize(proofConfig)).not.toBe(oldProofCanon);
    const result = await dataIntegrityFormat.verifyCredential(signedB1b4, ctx);
    expect(result.checks.find((c) => c.check === 'key-binding')?.verified).toBe(true);
    expect(result.checks.find((c) => c.check === 'proof')?.code).toBe('INVALID_SIGNATURE');
  });

  it('verifies the regenerated 36e8159 signature (did:key method) and computes its combined hash', async () => {
    const did = `did:key:${P256_KEY.publicKeyMultibase}`;
    const proofOptions: Record<string, unknown> = { ...proofConfig, verificationMethod: `${did}#${P256_KEY.publicKeyMultibase}` };
    const methodId = `${did}#${P256_KEY.publicKeyMultibase}`;
    const docHash = sha256(await canonize(unsigned(signedB1b4)));
    const combined = Buffer.concat([sha256(await canonize(proofOptions)), docHash]).toString('hex');
    expect(combined).toBe(text('ecdsa-rdfc-2019-p256/combinedHashECDSAP256.36e8159.txt'));
    const sigBTC58 = text('ecdsa-rdfc-2019-p256/sigBTC58ECDSAP256.36e8159.txt');
    expect(Buffer.from(base58btcDecode(sigBTC58.slice(1))).toString('hex')).toBe(text('ecdsa-rdfc-2019-p256/sigHexECDSAP256.36e8159.txt'));
    const { '@context': _context, ...proof } = proofOptions;
    const signed = { ...unsigned(signedB1b4), proof: { ...proof, proofValue: sigBTC58 } };

    // The proof itself verifies through our suite and cached node:crypto verifier...
    const method = await didKeys.resolveVerificationMethod(methodId, { purpose: 'assertionMethod', expectedController: did });
    const result = (await jsigs.verify(signed, {
      suite: verifyingSuite('ecdsa-rdfc-2019', verifierFor(method)),
      purpose: new jsigs.purposes.AssertionProofPurpose({ controller: { id: did, assertionMethod: [method.id] } }),
      documentLoader: withVerificationMethod(vectorLoader, method),
    }));
    expect(result.verified).toBe(true);
    // ...but the format refuses it: the key is a did:key, not a key of the issuer https://vc.example/issuers/5678.
    const formatResult = await dataIntegrityFormat.verifyCredential(signed, ctx);
    expect(formatResult.checks.find((c) => c.check === 'key-binding')?.code).toBe('KEY_BINDING');
    expect(formatResult.checks.find((c) => c.check === 'proof')?.code).toBe('CHECK_NOT_RUN');
  });

  it('signs the spec\'s unsigned credential with the spec P-256 key to a proof that verifies', async () => {
    const privateKey = p256PrivateKey();
    const resigned = await signCredentialDataIntegrity({
      credential: unsigned(signedB1b4),
      signer: { cryptosuite: 'ecdsa-rdfc-2019', signer: signingKeyOf(privateKey).signer(`${SPEC_ISSUER}#${P256_KEY.publicKeyMultibase}`) },
      documentLoader: vectorLoader,
      now: new Date('2023-02-24T23:36:38Z'),
    });
    const { proofValue: _ours, ...ourProof } = resigned['proof'] as Record<string, unknown>;
    const { proofValue: _spec, ...specProof } = signedB1b4['proof'] as Record<string, unknown>;
    expect(ourProof).toEqual(specProof);
    const result = await dataIntegrityFormat.verifyCredential(resigned, ctx);
    expect(result.checks.filter((c) => !c.verified)).toEqual([]);
  });
});
