/**
 * Adds a Data Integrity proof to a credential or presentation the caller has already validated:
 * `eddsa-rdfc-2022` (the default), `ecdsa-rdfc-2019` (P-256 or P-384), or the older `Ed25519Signature2020`,
 * for VC data model 2.0 and 1.1 documents.
 * @see https://www.w3.org/TR/vc-data-integrity/#add-proof
 * @see https://www.w3.org/TR/vc-di-eddsa/ , https://www.w3.org/TR/vc-di-ecdsa/
 */
import { GxTrustError } from '../../errors.js';
import { jsonLdInputFaults, type DocumentLoader } from '../../document-loader/index.js';
import { problemOf } from '../../json-input.js';
import { suiteSignerOf, type Signer, type SuiteSigner } from '../../keyring/signer.js';
import { classifyError, jsigs, signingSuite, suiteKeyAlgorithms, type Cryptosuite } from './suites.js';

export type { Cryptosuite } from './suites.js';

export interface DataIntegritySigner {
  cryptosuite: Cryptosuite;
  /** The keyring's signer; its `kid` is the proof's `verificationMethod` (`did:web:example.com#key-1`). */
  signer: Signer;
}

export interface SignCredentialOptions {
  credential: Record<string, unknown>;
  signer: DataIntegritySigner;
  documentLoader: DocumentLoader;
  /** `proof.created`. */
  now: Date;
}

export interface SignPresentationOptions {
  presentation: Record<string, unknown>;
  signer: DataIntegritySigner;
  documentLoader: DocumentLoader;
  /** The verifier's nonce; the proof binds it so the presentation cannot be replayed elsewhere. */
  challenge: string;
  domain?: string;
  now: Date;
}

/** The suite's view of the signer, once its key fits the cryptosuite. */
function suiteSignerFor({ cryptosuite, signer }: DataIntegritySigner): SuiteSigner {
  const expected: readonly string[] = suiteKeyAlgorithms(cryptosuite);
  if (!expected.includes(signer.keyKind)) {
    throw new GxTrustError('INVALID_INPUT', `${cryptosuite} needs an ${expected.join(' or ')} key, not ${signer.keyKind}`);
  }
  return suiteSignerOf(signer);
}

async function addProof(
  document: Record<string, unknown>,
  signer: DataIntegritySigner,
  documentLoader: DocumentLoader,
  now: Date,
  purpose: unknown,
): Promise<Record<string, unknown>> {
  if (Number.isNaN(now.getTime())) throw new GxTrustError('INVALID_DATE', '`now` is not a valid date');
  const suite = signingSuite(signer.cryptosuite, suiteSignerFor(signer), now);
  // jsonld-signatures adds the proof (and the suite context, when missing) to the object it gets.
  const copy = structuredClone(document);
  try {
    // Before jsonld sees it: jsonld-signatures serves the security v1/v2 contexts from its own
    // table, past the closed loader.
    const fault = jsonLdInputFaults(copy, { loader: documentLoader })[0];
    if (fault !== undefined) throw problemOf(fault);
    return await jsigs.sign(copy, { suite, purpose, documentLoader });
  } catch (error) {
    const { code, message, pointer } = classifyError(error, document, 'INTERNAL');
    throw new GxTrustError(code, `cannot add a ${signer.cryptosuite} proof: ${message}`, {
      cause: error,
      ...(pointer === undefined ? {} : { pointer }),
      ...(code === 'SAFE_MODE_VIOLATION'
        ? { hint: 'Every term must be defined by a context in the allowed set; an undefined term would not be signed' }
        : {}),
    });
  }
}

/** A copy of `credential` with an `assertionMethod` proof appended. */
export async function signCredentialDataIntegrity({ credential, signer, documentLoader, now }: SignCredentialOptions): Promise<Record<string, unknown>> {
  return addProof(credential, signer, documentLoader, now, new jsigs.purposes.AssertionProofPurpose());
}

/**
 * A copy of `presentation` with an `authentication` proof carrying `challenge` (and `domain`).
 * @see https://www.w3.org/TR/vc-data-integrity/#proof-purposes
 */
export async function signPresentationDataIntegrity({
  presentation,
  signer,
  documentLoader,
  challenge,
  domain,
  now,
}: SignPresentationOptions): Promise<Record<string, unknown>> {
  if (typeof challenge !== 'string' || challenge === '') {
    throw new GxTrustError('INVALID_INPUT', 'a presentation proof needs the verifier\'s challenge');
  }
  const purpose = new jsigs.purposes.AuthenticationProofPurpose(domain === undefined ? { challenge } : { challenge, domain });
  return addProof(presentation, signer, documentLoader, now, purpose);
}
