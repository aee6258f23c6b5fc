/**
 * Adds a Data Integrity proof to a credential or presentation the caller has already validated:
 * `eddsa-rdfc-2022` (the default), `ecdsa-rdfc-2019` (P-256 or P-384), or the older `Ed25519Signature2020`,
 * for VC data model 2.0 and 1.1 documents; and an `ecdsa-sd-2023` (P-256) or `bbs-2023` (BLS12-381)
 * base proof, from which a holder derives (deriveCredential) the selectively disclosed credential a
 * verifier checks.
 * @see https://www.w3.org/TR/vc-data-integrity/#add-proof
 * @see https://www.w3.org/TR/vc-di-eddsa/ , https://www.w3.org/TR/vc-di-ecdsa/ , https://www.w3.org/TR/vc-di-bbs/
 */
import { GxTrustError } from '../../errors.js';
import { jsonLdInputFaults, type DocumentLoader } from '../../document-loader/index.js';
import { problemOf } from '../../json-input.js';
import { suiteSignerOf, type Signer } from '../../keyring/signer.js';
import type { BbsSigner } from '../../keyring/bbs-signer.js';
import { assertCryptosuiteKey } from '../../algorithms/index.js';
import { classifyError, derivingSuite, isSelectiveDisclosure, jsigs, signingSuite, suiteKeyAlgorithms, type IssuedCryptosuite } from './suites.js';

export type { Cryptosuite, IssuedCryptosuite } from './suites.js';

export interface DataIntegritySigner {
  cryptosuite: IssuedCryptosuite;
  /** ecdsa-sd-2023, bbs-2023: the JSON pointers of the statements every derived credential discloses. */
  mandatoryPointers?: readonly string[];
  /** The keyring's signer (its BBS signer for bbs-2023); its `kid` is the proof's `verificationMethod` (`did:web:example.com#key-1`). */
  signer: Signer | BbsSigner;
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

/**
 * The jsonld-signatures suite for the signer, once its key fits the cryptosuite: the one allow-list
 * (src/algorithms) ties bbs-2023 to BLS12-381 keys, and a BLS12-381 key signs nothing else.
 */
function suiteFor({ cryptosuite, signer, mandatoryPointers }: DataIntegritySigner, now: Date): unknown {
  if (cryptosuite === 'bbs-2023') {
    assertCryptosuiteKey('bbs-2023', signer.keyKind);
    const bbs = signer as BbsSigner;
    return signingSuite('bbs-2023', {
      id: bbs.kid,
      algorithm: bbs.algorithm,
      publicKey: bbs.publicKey,
      multisign: (input) => bbs.multisign(input),
      // data-integrity asks every signer for a sign(); the bbs-2023 library calls multisign when present.
      sign: () => Promise.reject(new GxTrustError('INTERNAL', 'a BBS signature signs a header and messages (multisign), not bytes')),
    }, now, mandatoryPointers);
  }
  if (signer.keyKind === 'Bls12381G2') {
    throw new GxTrustError('ALG_NOT_ALLOWED', `a BLS12-381 key signs bbs-2023 proofs only, not ${cryptosuite}`, {
      hint: 'Use an Ed25519 key (eddsa-rdfc-2022, Ed25519Signature2020) or a P-256 or P-384 key (ecdsa-rdfc-2019, P-256 for ecdsa-sd-2023)',
    });
  }
  const expected: readonly string[] = suiteKeyAlgorithms(cryptosuite);
  if (!expected.includes(signer.keyKind)) {
    throw new GxTrustError('INVALID_INPUT', `${cryptosuite} needs an ${expected.join(' or ')} key, not ${signer.keyKind}`);
  }
  return signingSuite(cryptosuite, suiteSignerOf(signer), now, mandatoryPointers);
}

async function addProof(
  document: Record<string, unknown>,
  signer: DataIntegritySigner,
  documentLoader: DocumentLoader,
  now: Date,
  purpose: unknown,
): Promise<Record<string, unknown>> {
  if (Number.isNaN(now.getTime())) throw new GxTrustError('INVALID_DATE', '`now` is not a valid date');
  const suite = suiteFor(signer, now);
  // jsonld-signatures adds the proof (and the suite context, when missing) to the object it gets.
  const copy = structuredClone(document);
  try {
    // Before jsonld sees it: jsonld-signatures serves the security v1/v2 contexts from its own
    // table, past the closed loader.
    const fault = jsonLdInputFaults(copy, { loader: documentLoader })[0];
    if (fault !== undefined) throw problemOf(fault);
    return await jsigs.sign(copy, { suite, purpose, documentLoader });
  } catch (error) {
    const { code, message, pointer, retryAfterSeconds } = classifyError(error, document, 'INTERNAL');
    throw new GxTrustError(code, `cannot add a ${signer.cryptosuite} proof: ${message}`, {
      cause: error,
      ...(pointer === undefined ? {} : { pointer }),
      // A refusal to come back later (SIGNER_BUSY) keeps its Retry-After.
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds, hint: 'Retry after the number of seconds in Retry-After' }),
      ...(code === 'SAFE_MODE_VIOLATION'
        ? { hint: 'Every term must be defined by a context in the allowed set; an undefined term would not be signed' }
        : {}),
    });
  }
}

/**
 * The first of `pointers` (RFC 6901) that selects nothing in `document`, by index: the libraries
 * would throw a bare "JSON pointer ... does not match document" for it, deep in canonicalization.
 */
export function unmatchedPointer(document: unknown, pointers: readonly string[]): number | undefined {
  const index = pointers.findIndex((pointer) => pointer !== '' && (!pointer.startsWith('/') || resolvePointer(document, pointer) === undefined));
  return index < 0 ? undefined : index;
}

/**
 * `pointers` with each pointer to the `id` of an object that holds nothing else replaced by the
 * pointer to that object. The selective-disclosure libraries select in the compacted document,
 * where such an object (a node reference) under a term typed `@id`, as VCDM 2's
 * `credentialSubject`, is the bare IRI: `/credentialSubject/id` matched nothing there and the
 * library threw while signing. Both pointers select the same statement.
 */
export function nodeReferencePointers(document: unknown, pointers: readonly string[]): string[] {
  return pointers.map((pointer) => {
    if (!pointer.endsWith('/id')) return pointer;
    const parent = pointer.slice(0, -'/id'.length);
    const node = resolvePointer(document, parent);
    const onlyId = node !== null && typeof node === 'object' && !Array.isArray(node) && Object.keys(node).length === 1 && typeof (node as Record<string, unknown>)['id'] === 'string';
    return onlyId ? parent : pointer;
  });
}

function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document;
  let node: unknown = document;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node) && /^(0|[1-9][0-9]*)$/.test(token) && Number(token) < node.length) node = node[Number(token)];
    else if (node !== null && typeof node === 'object' && !Array.isArray(node) && Object.hasOwn(node, token)) node = (node as Record<string, unknown>)[token];
    else return undefined;
  }
  return node;
}

export function assertPointersMatch(document: unknown, pointers: readonly string[], option: string): void {
  const index = unmatchedPointer(document, pointers);
  if (index === undefined) return;
  throw new GxTrustError('INVALID_INPUT', `${option} ${JSON.stringify(pointers[index])} selects nothing in the credential`, {
    pointer: `/options/${option}/${index}`,
    hint: 'Each pointer is an RFC 6901 JSON pointer to a member or array element of the credential, such as /credentialSubject/name',
  });
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

export interface DeriveCredentialOptions {
  /** A credential with an ecdsa-sd-2023 or bbs-2023 base proof (its proofValue holds what derivation needs: no key is used). */
  verifiableCredential: Record<string, unknown>;
  /** JSON pointers of the statements to disclose besides the mandatory ones. */
  selectivePointers: readonly string[];
  /** bbs-2023 only: bytes the derived proof binds (a verifier's nonce, for instance). */
  presentationHeader?: Uint8Array;
  documentLoader: DocumentLoader;
}

/**
 * The holder's step: the credential with only the selected and mandatory statements, and a
 * derived proof over them. The base proof is not verified here (the issuer's key is checked by
 * whoever verifies the derived credential); a base proof of another suite, or none, is refused.
 * @see https://www.w3.org/TR/vc-di-ecdsa/#add-derived-proof-ecdsa-sd-2023
 */
export async function deriveCredential({ verifiableCredential, selectivePointers, presentationHeader, documentLoader }: DeriveCredentialOptions): Promise<Record<string, unknown>> {
  const proofs = verifiableCredential['proof'] === undefined ? [] : [verifiableCredential['proof']].flat();
  const base = proofs.flatMap((p) => {
    const cryptosuite = typeof p === 'object' && p !== null ? (p as Record<string, unknown>)['cryptosuite'] : undefined;
    return typeof cryptosuite === 'string' && isSelectiveDisclosure(cryptosuite) ? [cryptosuite] : [];
  });
  const [cryptosuite] = base;
  if (cryptosuite === undefined || base.length !== 1) {
    throw new GxTrustError('INVALID_INPUT', `the credential carries ${base.length === 0 ? 'no' : 'more than one'} ecdsa-sd-2023 or bbs-2023 proof to derive from`, {
      pointer: '/verifiableCredential/proof',
      hint: 'Send the credential with its base proof, as issued (POST /credentials/issue with options.cryptosuite "ecdsa-sd-2023", or a bbs-2023 issuer)',
    });
  }
  if (presentationHeader !== undefined && cryptosuite !== 'bbs-2023') {
    throw new GxTrustError('INVALID_INPUT', 'options.presentationHeader applies to bbs-2023 proofs', { pointer: '/options/presentationHeader' });
  }
  assertPointersMatch(verifiableCredential, selectivePointers, 'selectivePointers');
  const copy = structuredClone(verifiableCredential);
  try {
    const fault = jsonLdInputFaults(copy, { loader: documentLoader })[0];
    if (fault !== undefined) throw problemOf(fault);
    return await jsigs.derive(copy, { suite: derivingSuite(cryptosuite, nodeReferencePointers(verifiableCredential, selectivePointers), presentationHeader), purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader });
  } catch (error) {
    const { code, message, pointer: at } = classifyError(error, verifiableCredential, 'INVALID_INPUT');
    throw new GxTrustError(code, `cannot derive a ${cryptosuite} proof: ${message}`, {
      cause: error,
      ...(at === undefined ? {} : { pointer: `/verifiableCredential${at}` }),
    });
  }
}
