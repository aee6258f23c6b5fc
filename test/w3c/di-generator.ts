/**
 * The W3C Data Integrity suites' test-data generator, written here from the algorithms of
 * "Data Integrity EdDSA Cryptosuites v1.0" §3.3 and "Data Integrity ECDSA Cryptosuites v1.0" §3.3
 * (transformation, hashing, proof configuration, serialization): a credential signed by a did:key
 * the test made, optionally with one step done wrong, as the suites' generator makes its negative
 * vectors (JCS in place of RDFC, SHA-512 in place of SHA-256, a proof option changed before
 * signing). The suites sign their vectors themselves, so their verifier tests need no gx-trust
 * issuer; likewise here the signature is made with node:crypto, and gx-trust only verifies.
 */
import { createHash, createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import jsonld from 'jsonld';
import { base58btcDecode, base58btcEncode, publicKeyToMultikey } from '../../src/dids/multikey.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { canonicalJson } from '../../src/jcs.js';

export type RdfcCryptosuite = 'eddsa-rdfc-2022' | 'ecdsa-rdfc-2019' | 'Ed25519Signature2020';

export interface DidKeyIssuer {
  did: string;
  verificationMethod: string;
  publicKeyMultibase: string;
  curve: 'Ed25519' | 'P-256' | 'P-384';
  privateKey: KeyObject;
}

export function didKeyIssuer(curve: 'Ed25519' | 'P-256' | 'P-384'): DidKeyIssuer {
  const { publicKey, privateKey } = curve === 'Ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: curve });
  const publicKeyMultibase = publicKeyToMultikey(publicKey);
  const did = `did:key:${publicKeyMultibase}`;
  return { did, verificationMethod: `${did}#${publicKeyMultibase}`, publicKeyMultibase, curve, privateKey };
}

export interface Deviation {
  /** Canonicalization of document and proof configuration: RDFC-1.0 (the suites' URDNA2015) or JCS. */
  canonicalization?: 'rdfc' | 'jcs';
  /** The hash of both canonical forms (the cryptosuite's own by default: SHA-384 for ecdsa-rdfc-2019 with P-384, else SHA-256). */
  hash?: 'sha256' | 'sha384' | 'sha512';
  /** Proof options changed before signing; `undefined` removes the option. */
  proof?: Record<string, unknown>;
}

/** A presentation signed by the did:key as its holder, under authentication with `challenge` (the suites' createVp). */
export async function presentedByDidKey(presentation: Record<string, unknown>, holder: DidKeyIssuer, challenge: string): Promise<any> {
  return signedByDidKey(presentation, holder, 'eddsa-rdfc-2022', {}, { role: 'holder', proof: { proofPurpose: 'authentication', challenge } });
}

const loader = createDocumentLoader();

async function canonical(document: Record<string, unknown>, how: 'rdfc' | 'jcs', safe: boolean): Promise<string> {
  if (how === 'jcs') return canonicalJson(document);
  const nquads: unknown = await jsonld.canonize(document, { algorithm: 'URDNA2015', format: 'application/n-quads', documentLoader: loader as any, safe });
  return nquads as string;
}

/** `credential` (issuer set to the did:key) with a proof of `cryptosuite`, made as `deviation` says. */
export async function signedByDidKey(
  credential: Record<string, unknown>,
  issuer: DidKeyIssuer,
  cryptosuite: RdfcCryptosuite,
  deviation: Deviation = {},
  as: { role: 'issuer' | 'holder'; proof?: Record<string, unknown> } = { role: 'issuer' },
): Promise<any> {
  const unsecured: Record<string, unknown> = { ...structuredClone(credential), [as.role]: issuer.did };
  delete unsecured['proof'];
  const created = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Ed25519Signature2020 (W3C CCG, 2020) signs the same way (RDFC, SHA-256 of proof options and
  // document, Ed25519); its proof names no cryptosuite and its method is an Ed25519VerificationKey2020.
  const options: Record<string, unknown> = cryptosuite === 'Ed25519Signature2020'
    ? { type: 'Ed25519Signature2020', created, verificationMethod: issuer.verificationMethod, proofPurpose: 'assertionMethod' }
    : { type: 'DataIntegrityProof', cryptosuite, created, verificationMethod: issuer.verificationMethod, proofPurpose: 'assertionMethod' };
  for (const [key, value] of Object.entries({ ...as.proof, ...deviation.proof })) {
    if (value === undefined) delete options[key];
    else options[key] = value;
  }
  const how = deviation.canonicalization ?? 'rdfc';
  const hashName = deviation.hash ?? (issuer.curve === 'P-384' ? 'sha384' : 'sha256');
  const proofConfig = { ...options, '@context': unsecured['@context'] };
  const digest = (text: string) => createHash(hashName).update(text, 'utf8').digest();
  // A proof option the suites make invalid (an undefined type or purpose, a relative method id)
  // has no RDF form in safe mode; like the suites' generator, sign what canonicalization keeps.
  const safe = deviation.proof === undefined;
  const hashData = Buffer.concat([digest(await canonical(proofConfig, how, safe)), digest(await canonical(unsecured, how, safe))]);
  const signature = issuer.curve === 'Ed25519'
    ? sign(null, hashData, issuer.privateKey)
    // ecdsa-rdfc-2019: ECDSA over SHA-256 (P-256) or SHA-384 (P-384) of hashData, r||s.
    : sign(issuer.curve === 'P-384' ? 'sha384' : 'sha256', hashData, { key: issuer.privateKey, dsaEncoding: 'ieee-p1363' });
  return { ...unsecured, proof: { ...options, proofValue: 'z' + base58btcEncode(signature) } };
}

/**
 * The key the VC Data Model 2.0 suite signs its presentations with (`localIssuer` in the suite's
 * `tests/data-generator.js`, an Ed25519 did:key whose secret key the suite publishes): its
 * presentation inputs name this DID as holder, so they are signed with it here to be sent as the
 * suite sends them. Test data, never a key of gx-trust.
 */
export function vcdmSuiteKey(): DidKeyIssuer {
  const publicKeyMultibase = 'z6MkpJySvETLnxhQG9DzEdmKJtysBDjuuTeDfUj1uNNCUqcj';
  // secretKeyMultibase: multicodec ed25519-priv (0x1300), the 32-byte seed, the 32-byte public key.
  const secret = base58btcDecode('zrv1a6V2qqSGkBz7QPw4yJedKc8X9dEdug7c3MEzNUDVEmkyVcXtTWNLQLArgKXzN7LbGMTVjqE2CbdrqpnxqtxmY1M'.slice(1));
  const seed = Buffer.from(secret.subarray(2, 34));
  const x = Buffer.from(secret.subarray(34, 66));
  const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: x.toString('base64url') }, format: 'jwk' });
  const did = `did:key:${publicKeyMultibase}`;
  return { did, verificationMethod: `${did}#${publicKeyMultibase}`, publicKeyMultibase, curve: 'Ed25519', privateKey };
}

/**
 * The VC Data Model 2.0 suite's `createLocalVp`: each credential without a proof is issued by
 * `key` (its `issuer` overwritten, eddsa-rdfc-2022), then the presentation is signed by `key`
 * (authentication, the suite's challenge and domain) with `holder` left as the input has it.
 * `safe: false` signs what JSON-LD safe mode would refuse (a negative input's relative holder id),
 * as the suite's generator signs it.
 */
export async function suiteLocalVp(presentation: Record<string, unknown>, key: DidKeyIssuer, challenge: string, domain: string, safe = true): Promise<any> {
  const copy: Record<string, unknown> = structuredClone(presentation);
  if (Array.isArray(copy['verifiableCredential'])) {
    copy['verifiableCredential'] = await Promise.all(copy['verifiableCredential'].map((vc: Record<string, unknown>) =>
      vc['proof'] === undefined ? signedByDidKey(vc, key, 'eddsa-rdfc-2022') : vc));
  }
  return signedWithHolder(copy, copy['holder'], key, challenge, domain, safe);
}

async function signedWithHolder(presentation: Record<string, unknown>, holder: unknown, key: DidKeyIssuer, challenge: string, domain: string, safe: boolean): Promise<any> {
  const unsecured: Record<string, unknown> = structuredClone(presentation);
  delete unsecured['proof'];
  if (holder === undefined) delete unsecured['holder'];
  else unsecured['holder'] = holder;
  const options: Record<string, unknown> = {
    type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', created: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    verificationMethod: key.verificationMethod, proofPurpose: 'authentication', challenge, domain,
  };
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  const hashData = Buffer.concat([
    digest(await canonical({ ...options, '@context': unsecured['@context'] }, 'rdfc', safe)),
    digest(await canonical(unsecured, 'rdfc', safe)),
  ]);
  return { ...unsecured, proof: { ...options, proofValue: 'z' + base58btcEncode(sign(null, hashData, key.privateKey)) } };
}
