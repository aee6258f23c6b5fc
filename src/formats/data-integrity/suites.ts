/**
 * What Data Integrity issuing and verifying share: the jsonld-signatures suites of the three
 * cryptosuites gx-trust signs with and of the two selective-disclosure cryptosuites it verifies
 * (ecdsa-sd-2023, bbs-2023: derived proofs only), verifiers that hold a node:crypto KeyObject, and the mapping of the libraries' (wrapped) errors to GxTrustError codes.
 *
 * Why our own verifier objects (and, in src/keyring/signer.ts, signer objects): @digitalbazaar/ed25519-multikey and ecdsa-multikey import
 * the key again on every sign and verify (a DER private-key import costs ~310 µs under OpenSSL 3);
 * holding the KeyObject makes issuance ~55 % faster (measured on a 2-core box). The objects have the
 * shape the suites expect from the libraries' own: `{ id, algorithm, sign({data}) | verify({data, signature}) }`.
 *
 * Safe mode: every canonicalization in the installed libraries runs with `safe: true`
 * (data-integrity 2.5 DataIntegrityProof.createVerifyData/canonizeProof, eddsa-rdfc-2022 and
 * ecdsa-rdfc-2019 canonize.js defaults, jsonld-signatures 11.6 LinkedDataSignature.canonize), so a
 * term no context defines fails instead of being silently dropped from what is signed. rdf-canonize
 * runs with its default `maxWorkFactor` (1): poison graphs fail fast.
 * @see https://www.w3.org/TR/vc-data-integrity/#dataset-poisoning
 */
import { verify as nodeVerify, createPublicKey, type KeyObject } from 'node:crypto';
import jsigsModule from 'jsonld-signatures';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { cryptosuite as ecdsaRdfc2019 } from '@digitalbazaar/ecdsa-rdfc-2019-cryptosuite';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import {
  createDiscloseCryptosuite as ecdsaSd2023DiscloseCryptosuite,
  createSignCryptosuite as ecdsaSd2023SignCryptosuite,
  createVerifyCryptosuite as ecdsaSd2023VerifyCryptosuite,
} from '@digitalbazaar/ecdsa-sd-2023-cryptosuite';
import {
  createDiscloseCryptosuite as bbs2023DiscloseCryptosuite,
  createSignCryptosuite as bbs2023SignCryptosuite,
  createVerifyCryptosuite as bbs2023VerifyCryptosuite,
} from '@digitalbazaar/bbs-2023-cryptosuite';
import { LRUCache } from 'lru-cache';
import { decode as decodeCbor } from 'cborg';
import type { JsonWebKey } from 'node:crypto';
import { GxTrustError, isGxTrustError, jsonPointer, type ErrorCode } from '../../errors.js';
import type { DocumentLoader } from '../../document-loader/index.js';
import type { VerificationMethod } from '../../dids/types.js';
import type { SuiteSigner } from '../../keyring/signer.js';
import { isBls12381G2Multikey, publicKeyToMultikey, verificationMethodJwk } from '../../dids/multikey.js';
import { assertCryptosuiteKey, type SelectiveDisclosureCryptosuite } from '../../algorithms/index.js';

export const CRYPTOSUITES = Object.freeze(['eddsa-rdfc-2022', 'Ed25519Signature2020', 'ecdsa-rdfc-2019'] as const);
export type Cryptosuite = (typeof CRYPTOSUITES)[number];

/**
 * The selective-disclosure cryptosuites. The service signs their base proofs (for a holder) and
 * verifies their derived proofs; a base proof presented to a verifier is refused (`BASE_PROOF_PRESENTED`).
 */
export const SELECTIVE_DISCLOSURE_CRYPTOSUITES = Object.freeze(['ecdsa-sd-2023', 'bbs-2023'] as const satisfies readonly SelectiveDisclosureCryptosuite[]);
export type { SelectiveDisclosureCryptosuite } from '../../algorithms/index.js';
/**
 * What POST /credentials/issue signs with: the three suites, and ecdsa-sd-2023 (the service's P-256
 * key) and bbs-2023 (its BLS12-381 key) base proofs for a holder to derive from.
 */
export const ISSUED_CRYPTOSUITES = Object.freeze([...CRYPTOSUITES, 'ecdsa-sd-2023', 'bbs-2023'] as const);
export type IssuedCryptosuite = (typeof ISSUED_CRYPTOSUITES)[number];

/** Every suite a proof gx-trust verifies may name. */
export type VerifiedCryptosuite = Cryptosuite | SelectiveDisclosureCryptosuite;

/** The Data Integrity cryptosuites gx-trust verifies (`proof.cryptosuite` of a `DataIntegrityProof`). */
export const DATA_INTEGRITY_CRYPTOSUITES: ReadonlySet<string> = new Set(['eddsa-rdfc-2022', 'ecdsa-rdfc-2019', ...SELECTIVE_DISCLOSURE_CRYPTOSUITES]);

export function isSelectiveDisclosure(cryptosuite: string): cryptosuite is SelectiveDisclosureCryptosuite {
  return (SELECTIVE_DISCLOSURE_CRYPTOSUITES as readonly string[]).includes(cryptosuite);
}

/**
 * The proofValue of both suites is `u` (multibase base64url, no padding) and a CBOR tag 0xd95dNN
 * whose last byte says the proof mode: ecdsa-sd-2023 0x00 base, 0x01 derived; bbs-2023 0x02 base,
 * 0x03 derived (the later pseudonym and holder-binding features have other bytes, which the
 * installed bbs-2023 library does not read).
 * @see https://www.w3.org/TR/vc-di-ecdsa/#serializebaseproofvalue
 * @see https://www.w3.org/TR/vc-di-bbs/#serializebaseproofvalue
 */
const PROOF_MODE_BYTES: Readonly<Record<SelectiveDisclosureCryptosuite, { base: number; derived: number }>> = {
  'ecdsa-sd-2023': { base: 0x00, derived: 0x01 },
  'bbs-2023': { base: 0x02, derived: 0x03 },
};

export type ProofMode = { mode: 'base' } | { mode: 'derived' } | { mode: 'malformed'; why: string };

/**
 * Reads the header of a selective-disclosure proofValue; of a derived proof, also whether a CBOR
 * tag wraps any of its components. Both specifications say "CBOR tagging MUST NOT be used on any
 * of the components", and the libraries' parsers read a tagged byte string (tag 64) as the bytes,
 * so a tagged proof verified (the bbs-2023 suite's `cborg` vector).
 * @see https://www.w3.org/TR/vc-di-bbs/#serializederivedproofvalue
 * @see https://www.w3.org/TR/vc-di-ecdsa/#serializederivedproofvalue
 */
export function selectiveDisclosureProofMode(cryptosuite: SelectiveDisclosureCryptosuite, proofValue: unknown): ProofMode {
  if (typeof proofValue !== 'string' || !proofValue.startsWith('u')) {
    return { mode: 'malformed', why: `a ${cryptosuite} proofValue is multibase base64url: a string starting with "u"` };
  }
  const body = proofValue.slice(1);
  if (!/^[A-Za-z0-9_-]{4,}$/.test(body)) return { mode: 'malformed', why: 'the proofValue is not base64url after its "u"' };
  const header = Buffer.from(body.slice(0, 4), 'base64url');
  const bytes = PROOF_MODE_BYTES[cryptosuite];
  if (header[0] === 0xd9 && header[1] === 0x5d && header[2] === bytes.base) return { mode: 'base' };
  if (header[0] === 0xd9 && header[1] === 0x5d && header[2] === bytes.derived) {
    const tag = cborTagIn(Buffer.from(body, 'base64url').subarray(3));
    return tag === undefined ? { mode: 'derived' } : { mode: 'malformed', why: `the derived proofValue's CBOR components carry tag ${tag}; CBOR tagging MUST NOT be used on them` };
  }
  return { mode: 'malformed', why: `the proofValue header 0x${header.toString('hex')} is neither a ${cryptosuite} base (0xd95d${bytes.base.toString(16).padStart(2, '0')}) nor derived (0xd95d${bytes.derived.toString(16).padStart(2, '0')}) proof` };
}
/**
 * The first CBOR tag number in `bytes`, if the decoder (which knows no tags) stops at one. Any
 * other fault in the encoding is left to the library, which reports it as it always has.
 */
function cborTagIn(bytes: Uint8Array): string | undefined {
  // Every tag number is looked up in `tags`: the table answers each with a decoder that records it,
  // so a tag is found without reading the decoder's error messages.
  let found: string | undefined;
  const tags = new Proxy([] as unknown[], {
    get: (_target, key) => (typeof key === 'string' && /^\d+$/.test(key) ? () => { found ??= key; throw new Error('tagged'); } : undefined),
  });
  try {
    decodeCbor(bytes, { useMaps: true, tags: tags as never });
  } catch {
    // A fault other than a tag is left to the library, which reports it as it always has.
  }
  return found;
}

export const ED25519_SIGNATURE_2020 = 'Ed25519Signature2020';
export const ED25519_SIGNATURE_2020_CONTEXT = 'https://w3id.org/security/suites/ed25519-2020/v1';

/**
 * The names the suites compare with a cryptosuite's `requiredAlgorithm`. ecdsa-rdfc-2019 takes
 * P-256 (SHA-256) or P-384 (SHA-384) keys; gx-trust signs and verifies both.
 */
export type KeyAlgorithm = 'Ed25519' | 'P-256' | 'P-384';

/** The library API of jsonld-signatures 11, narrowed to what gx-trust calls. */
interface JsonLdSignatures {
  sign(document: object, options: { suite: unknown; purpose: unknown; documentLoader: DocumentLoader }): Promise<Record<string, unknown>>;
  verify(document: object, options: { suite: unknown; purpose: unknown; documentLoader: DocumentLoader }): Promise<LibraryVerifyResult>;
  derive(document: object, options: { suite: unknown; purpose: unknown; documentLoader: DocumentLoader }): Promise<Record<string, unknown>>;
  purposes: {
    AssertionProofPurpose: new (options?: { controller?: object }) => unknown;
    AuthenticationProofPurpose: new (options: { challenge: string; domain?: string; controller?: object }) => unknown;
    ControllerProofPurpose: new (options: { term: string; controller?: object }) => unknown;
  };
}

export interface LibraryVerifyResult {
  verified: boolean;
  error?: unknown;
  results?: { verified: boolean; error?: unknown }[];
}

export const jsigs = jsigsModule as JsonLdSignatures;


export interface SuiteVerifier {
  id: string;
  algorithm: KeyAlgorithm;
  verify(input: { data: Uint8Array; signature: Uint8Array }): Promise<boolean>;
}

/**
 * The node:crypto key types a cryptosuite signs with: ecdsa-rdfc-2019 either curve, P-256 first (its
 * default); ecdsa-sd-2023 P-256 only. bbs-2023 takes none of them: the BLS12-381 key (src/algorithms).
 */
export function suiteKeyAlgorithms(cryptosuite: Exclude<IssuedCryptosuite, 'bbs-2023'>): readonly [KeyAlgorithm, ...KeyAlgorithm[]] {
  if (cryptosuite === 'ecdsa-sd-2023') return ['P-256'];
  return cryptosuite === 'ecdsa-rdfc-2019' ? ['P-256', 'P-384'] : ['Ed25519'];
}

/** Ed25519, P-256 or P-384, from the key itself; anything else has no cryptosuite here. */
export function keyAlgorithm(key: KeyObject): KeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'P-256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp384r1') return 'P-384';
  // VC DI ECDSA defines ecdsa-rdfc-2019 for P-256 and P-384 only: a P-521 key verifies ES512 JWTs, never a proof.
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'secp521r1') {
    throw new GxTrustError('INVALID_INPUT', 'a P-521 key has no Data Integrity cryptosuite (ecdsa-rdfc-2019 is defined for P-256 and P-384)', {
      hint: 'P-521 keys sign and verify ES512 vc+jwt / vp+jwt; use a P-256 or P-384 key for ecdsa-rdfc-2019',
    });
  }
  throw new GxTrustError('INVALID_INPUT', `a ${key.asymmetricKeyType ?? 'symmetric'} key has no Data Integrity cryptosuite in gx-trust`, {
    hint: 'Use an Ed25519 key (eddsa-rdfc-2022, Ed25519Signature2020) or a P-256 or P-384 key (ecdsa-rdfc-2019)',
  });
}

/**
 * ECDSA signatures in Data Integrity are the raw r||s form (IEEE P1363), as WebCrypto produces them,
 * over SHA-256 for P-256 and SHA-384 for P-384 (the keyring's Signers sign in that form).
 * @see https://www.w3.org/TR/vc-di-ecdsa/#proof-serialization-ecdsa-rdfc-2019
 */
export function nodeVerifier(id: string, publicKey: KeyObject): SuiteVerifier {
  const algorithm = keyAlgorithm(publicKey);
  return {
    id,
    algorithm,
    verify: async ({ data, signature }) => {
      try {
        return algorithm === 'Ed25519'
          ? nodeVerify(null, data, publicKey, signature)
          : nodeVerify(algorithm === 'P-384' ? 'sha384' : 'sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
      } catch {
        // A signature of the wrong length or encoding is simply not a valid signature.
        return false;
      }
    },
  };
}

/**
 * Verifiers per verification method and key material, so a hot verification does not import the
 * key again. Bounded: an attacker choosing fresh method ids must not grow it without end.
 */
const verifierCache = new LRUCache<string, SuiteVerifier>({ max: 1000 });

export function verifierFor(method: VerificationMethod): SuiteVerifier {
  // Every member a key may be read from (verificationMethodJwk): a method republished with other key material must miss.
  const material = JSON.stringify([method.publicKeyMultibase ?? null, method.publicKeyJwk ?? null, method.publicKeyBase58 ?? null]);
  const key = `${method.id}\n${material}`;
  let verifier = verifierCache.get(key);
  if (verifier === undefined) {
    const publicKey = createPublicKey({ key: verificationMethodJwk(method) as JsonWebKey, format: 'jwk' });
    try {
      verifier = nodeVerifier(method.id, publicKey);
    } catch (cause) {
      // The cause says which key it is instead (a P-521 key: ecdsa-rdfc-2019 is defined for P-256 and P-384 only).
      throw new GxTrustError('KEY_BINDING', `${method.id} is not an Ed25519, P-256 or P-384 key${cause instanceof GxTrustError ? `: ${cause.message}` : ''}`, { cause });
    }
    verifierCache.set(key, verifier);
  }
  return verifier;
}

interface LibraryCryptosuite {
  name: string;
  createVerifier(options: { verificationMethod: unknown }): Promise<unknown>;
  createVerifyData?: (options: Record<string, unknown>) => Promise<Uint8Array>;
  [member: string]: unknown;
}

function baseCryptosuite(cryptosuite: Cryptosuite): LibraryCryptosuite {
  return (cryptosuite === 'ecdsa-rdfc-2019' ? ecdsaRdfc2019 : eddsaRdfc2022) as LibraryCryptosuite;
}

/**
 * The jsonld-signatures view of the keyring's BBS signer: the library checks `algorithm` against
 * its requiredAlgorithm, calls `multisign`, and writes `publicKey` into the base proofValue.
 */
export interface BbsSuiteSigner {
  id: string;
  algorithm: 'BBS-BLS12-381-SHA-256';
  publicKey: Uint8Array;
  multisign(input: { header: Uint8Array; messages: Uint8Array[] }): Promise<Uint8Array>;
  sign(input: { data: Uint8Array }): Promise<Uint8Array>;
}

/**
 * The suite that adds a proof, dated `date`. For ecdsa-sd-2023 and bbs-2023 the base proof, which
 * always discloses the statements `mandatoryPointers` select (JSON pointers into the document);
 * bbs-2023 proofs carry no `created` (the library removes it: VC DI BBS §3.3.1).
 */
export function signingSuite(cryptosuite: 'bbs-2023', signer: BbsSuiteSigner, date: Date, mandatoryPointers?: readonly string[]): unknown;
export function signingSuite(cryptosuite: Exclude<IssuedCryptosuite, 'bbs-2023'>, signer: SuiteSigner, date: Date, mandatoryPointers?: readonly string[]): unknown;
export function signingSuite(cryptosuite: IssuedCryptosuite, signer: SuiteSigner | BbsSuiteSigner, date: Date, mandatoryPointers: readonly string[] = []): unknown {
  if (cryptosuite === 'bbs-2023') {
    return new DataIntegrityProof({ signer, date, cryptosuite: bbs2023SignCryptosuite({ mandatoryPointers: [...mandatoryPointers] }) });
  }
  if (cryptosuite === 'Ed25519Signature2020') return new Ed25519Signature2020({ signer, date });
  if (cryptosuite === 'ecdsa-sd-2023') {
    return new DataIntegrityProof({ signer, date, cryptosuite: ecdsaSd2023SignCryptosuite({ mandatoryPointers: [...mandatoryPointers] }) });
  }
  return new DataIntegrityProof({ signer, date, cryptosuite: baseCryptosuite(cryptosuite) });
}

/**
 * The suite a holder derives a proof with, disclosing what `selectivePointers` select (and the
 * mandatory statements); bbs-2023 binds `presentationHeader` (bytes, empty by default) into its proof.
 */
export function derivingSuite(cryptosuite: SelectiveDisclosureCryptosuite, selectivePointers: readonly string[], presentationHeader?: Uint8Array): unknown {
  const pointers = [...selectivePointers];
  return new DataIntegrityProof({
    cryptosuite:
      cryptosuite === 'bbs-2023'
        ? bbs2023DiscloseCryptosuite({ selectivePointers: pointers, ...(presentationHeader === undefined ? {} : { presentationHeader }) })
        : ecdsaSd2023DiscloseCryptosuite({ selectivePointers: pointers }),
  });
}

/**
 * The suite that checks a proof with `verifier`, the key the caller has already bound to the issuer
 * (or holder). The library still dereferences `proof.verificationMethod` through the document
 * loader; a method other than the bound one is refused rather than used.
 */
export function verifyingSuite(cryptosuite: Cryptosuite, verifier: SuiteVerifier): unknown {
  if (cryptosuite === 'Ed25519Signature2020') return new Ed25519Signature2020({ verifier });
  const base = baseCryptosuite(cryptosuite);
  const suite: LibraryCryptosuite = {
    ...base,
    createVerifier: async ({ verificationMethod }) => {
      const id = (verificationMethod as { id?: unknown } | undefined)?.id;
      if (id !== verifier.id) {
        throw new GxTrustError('KEY_BINDING', `the proof names ${String(id)}, not the bound method ${verifier.id}`);
      }
      return verifier;
    },
  };
  const createVerifyData = base.createVerifyData;
  if (createVerifyData !== undefined) {
    // ecdsa-rdfc-2019 imports the key (EcdsaMultikey.from) only to learn the curve, and so the
    // digest; it reads the curve from `dataIntegrityProof.signer.algorithm` when it has no method.
    suite.createVerifyData = (options) =>
      createVerifyData({
        ...options,
        verificationMethod: undefined,
        dataIntegrityProof: Object.create(options['dataIntegrityProof'] as object, {
          signer: { value: { algorithm: verifier.algorithm } },
        }) as unknown,
      });
  }
  return new DataIntegrityProof({ cryptosuite: suite });
}

/**
 * The Multikey of a bound verification method, refused (ALG_NOT_ALLOWED) unless its key type is the
 * one the selective-disclosure cryptosuite verifies with: P-256 for ecdsa-sd-2023, BLS12-381 G2 for
 * bbs-2023. A P-256 key published as a JWK is handed to the library in its Multikey form.
 */
function selectiveDisclosureMultikey(cryptosuite: SelectiveDisclosureCryptosuite, method: VerificationMethod): string {
  const multibase = method.publicKeyMultibase;
  if (typeof multibase === 'string' && isBls12381G2Multikey(multibase)) {
    assertCryptosuiteKey(cryptosuite, 'Bls12381G2');
    return multibase;
  }
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: verificationMethodJwk(method) as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    if (isGxTrustError(cause)) throw cause;
    throw new GxTrustError('KEY_BINDING', `${method.id} publishes no public key gx-trust can read`, { cause });
  }
  let kind: string;
  try {
    kind = keyAlgorithm(publicKey);
  } catch {
    kind = publicKey.asymmetricKeyType ?? 'unknown';
  }
  assertCryptosuiteKey(cryptosuite, kind);
  return publicKeyToMultikey(publicKey);
}

/**
 * The suite that checks a derived ecdsa-sd-2023 or bbs-2023 proof with the key of `method`, the
 * method the caller has already bound to the issuer: the library's verify cryptosuite, whose
 * `createVerifier` is handed that method (in Multikey form) and refuses any other.
 */
export function selectiveDisclosureVerifyingSuite(cryptosuite: SelectiveDisclosureCryptosuite, method: VerificationMethod): unknown {
  const publicKeyMultibase = selectiveDisclosureMultikey(cryptosuite, method);
  const base = (cryptosuite === 'bbs-2023' ? bbs2023VerifyCryptosuite() : ecdsaSd2023VerifyCryptosuite()) as LibraryCryptosuite;
  const suite: LibraryCryptosuite = {
    ...base,
    createVerifier: async ({ verificationMethod }) => {
      const id = (verificationMethod as { id?: unknown } | undefined)?.id;
      if (id !== method.id) {
        throw new GxTrustError('KEY_BINDING', `the proof names ${String(id)}, not the bound method ${method.id}`);
      }
      return base.createVerifier({ verificationMethod: { id: method.id, controller: method.controller, type: 'Multikey', publicKeyMultibase } });
    },
  };
  return new DataIntegrityProof({ cryptosuite: suite });
}

/** How deep findPointer looks (documents deeper than this were refused before JSON-LD saw them). */
const MAX_DEPTH = 64;

export interface ClassifiedError {
  code: ErrorCode;
  message: string;
  pointer?: string;
  /** A refusal to retry later (SIGNER_BUSY from the BBS signer): the answer's Retry-After. */
  retryAfterSeconds?: number;
}

/**
 * The libraries wrap errors: jsonld puts a loader failure under `details.cause`, jsonld-signatures
 * collects proof errors in `VerificationError.errors`, Error `cause` chains. The most specific
 * fault found wins: one of ours, then safe mode, then the canonicalization limit.
 */
export function classifyError(error: unknown, document: unknown, fallback: ErrorCode): ClassifiedError {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  let safeMode: ClassifiedError | undefined;
  let limit: ClassifiedError | undefined;
  let jsonLd: ClassifiedError | undefined;
  while (queue.length > 0 && seen.size < 64) {
    const current = queue.shift();
    if (current === null || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    if (isGxTrustError(current)) {
      const found: ClassifiedError = { code: current.code, message: current.message };
      if (current.pointer !== undefined) found.pointer = current.pointer;
      if (current.retryAfterSeconds !== undefined) found.retryAfterSeconds = current.retryAfterSeconds;
      return found;
    }
    const record = current as { name?: unknown; message?: unknown; cause?: unknown; details?: unknown; errors?: unknown; error?: unknown };
    const name = typeof record.name === 'string' ? record.name : '';
    const message = typeof record.message === 'string' ? record.message : '';
    if (name === 'jsonld.ValidationError' && safeMode === undefined) {
      safeMode = safeModeFault(record.details, document);
    } else if (/Maximum deep iterations exceeded|Abort signal received/.test(message) && limit === undefined) {
      limit = { code: 'CANONICALIZATION_LIMIT', message: `RDF canonicalization exceeded its work limit: ${message}` };
    } else if (name.startsWith('jsonld.') && jsonLd === undefined) {
      jsonLd = { code: 'INVALID_INPUT', message: `JSON-LD processing failed: ${message}` };
    }
    queue.push(record.cause, record.details, record.error);
    if (record.details !== null && typeof record.details === 'object') queue.push((record.details as { cause?: unknown }).cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
  const found = safeMode ?? limit ?? jsonLd;
  if (found !== undefined) return found;
  const message = error instanceof Error ? error.message : String(error);
  return { code: fallback, message };
}

function safeModeFault(details: unknown, document: unknown): ClassifiedError {
  const event = (details as { event?: { code?: unknown; message?: unknown; details?: Record<string, unknown> } } | undefined)?.event;
  const eventDetails = event?.details ?? {};
  const term = [eventDetails['property'], eventDetails['id'], eventDetails['value'], eventDetails['type']].find(
    (value): value is string => typeof value === 'string',
  );
  const fault: ClassifiedError = {
    code: 'SAFE_MODE_VIOLATION',
    message: `JSON-LD safe mode: ${String(event?.message ?? 'a value would be dropped from what is signed')}${term === undefined ? '' : ` (${JSON.stringify(term)})`}`,
  };
  const pointer = term === undefined ? undefined : findPointer(document, term);
  if (pointer !== undefined) fault.pointer = pointer;
  return fault;
}

/** The first place `needle` occurs in the document, as a key, else as a string value. */
export function findPointer(document: unknown, needle: string): string | undefined {
  let asValue: string | undefined;
  const walk = (value: unknown, path: (string | number)[]): string | undefined => {
    if (path.length > MAX_DEPTH) return undefined;
    if (typeof value === 'string') {
      if (value === needle && asValue === undefined) asValue = jsonPointer(path);
      return undefined;
    }
    if (value === null || typeof value !== 'object') return undefined;
    const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      if (key === needle) return jsonPointer([...path, key]);
      const found = walk(child, [...path, key]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(document, []) ?? asValue;
}
