/**
 * Signs a VCDM 1.1 JSON-LD document with a JsonWebSignature2020 proof, in either signing-input
 * variant (see verify.ts for what each signs and where the Gaia-X
 * one comes from). For Tagus compatibility only: new credentials use Data Integrity or VC-JOSE.
 */
import { GxTrustError } from '../../errors.js';
import { jsonLdInputFaults, type DocumentLoader } from '../../document-loader/index.js';
import { problemOf } from '../../json-input.js';
import type { ProofPurpose } from '../../dids/types.js';
import { assertAlgorithmAllowed } from '../../algorithms/index.js';
import type { Signer } from '../../keyring/signer.js';
import { JSON_WEB_SIGNATURE_2020, jsonWebSignature2020Payload, signingInput, type JsonWebSignature2020Variant } from './verify.js';

export interface SignJsonWebSignature2020Options {
  /** The credential or presentation to sign; it must not carry a proof yet. Not modified. */
  document: Record<string, unknown>;
  /** The keyring's signer: its `kid` is the proof's verificationMethod, its algorithm the JWS `alg`. */
  signer: Signer;
  variant: JsonWebSignature2020Variant;
  purpose?: ProofPurpose;
  challenge?: string;
  domain?: string;
  documentLoader: DocumentLoader;
  now: Date;
}

/** xsd:dateTime in whole seconds, as jsonld-signatures writes `created`. */
function w3cDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Returns a copy of `document` with a JsonWebSignature2020 proof. Throws GxTrustError. */
export async function signJsonWebSignature2020(options: SignJsonWebSignature2020Options): Promise<Record<string, unknown>> {
  const { document, signer, variant, documentLoader, now } = options;
  const verificationMethod = signer.kid;
  const alg = signer.algorithm;
  if ('proof' in document) {
    throw new GxTrustError('INVALID_INPUT', 'the document already carries a proof', { pointer: '/proof' });
  }
  if (!verificationMethod.startsWith('did:') || !verificationMethod.includes('#')) {
    throw new GxTrustError('INVALID_INPUT', 'verificationMethod must be a DID URL with a fragment');
  }
  if (variant === 'gaia-x' && (options.challenge !== undefined || options.domain !== undefined)) {
    // The Gaia-X signing input covers the document only; a challenge or domain would sit unsigned.
    throw new GxTrustError('INVALID_INPUT', 'the gaia-x variant cannot bind a challenge or domain; use the standard variant');
  }
  assertAlgorithmAllowed(alg, signer.publicJwk);
  const fault = jsonLdInputFaults(document, { loader: documentLoader })[0];
  if (fault !== undefined) throw problemOf(fault);

  const proof: Record<string, unknown> = {
    type: JSON_WEB_SIGNATURE_2020,
    created: w3cDate(now),
    proofPurpose: options.purpose ?? 'assertionMethod',
    verificationMethod,
  };
  if (options.challenge !== undefined) proof['challenge'] = options.challenge;
  if (options.domain !== undefined) proof['domain'] = options.domain;

  const encodedHeader = Buffer.from(JSON.stringify({ alg, b64: false, crit: ['b64'] }), 'utf8').toString('base64url');
  const payload = await jsonWebSignature2020Payload(variant, document, proof, documentLoader);
  const signature = await signer.sign(signingInput(encodedHeader, payload));
  return { ...structuredClone(document), proof: { ...proof, jws: `${encodedHeader}..${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('base64url')}` } };
}
