import type { DidResolver, VerificationMethod } from '../dids/types.js';
import type { DocumentLoader } from '../document-loader/index.js';
import type { Check } from './report.js';

/**
 * RFC 9901 §7.3 leaves the acceptable age of a key binding JWT to the verifier ("within an
 * acceptable window"): its nonce binds it to one exchange only when the verifier checks one, so
 * without a bound an old presentation replays wherever no challenge is expected. Five minutes, the
 * same as the clock-skew tolerance: a holder answers a verifier's request within seconds.
 * @see https://www.rfc-editor.org/rfc/rfc9901#section-7.3
 */
export const DEFAULT_KEY_BINDING_MAX_AGE_SECONDS = 300;
/** The largest bound a deployment or a request may set: a day. Past that a key binding JWT binds little. */
export const MAX_KEY_BINDING_MAX_AGE_SECONDS = 86_400;

/** What a proof-format module needs from the outside world; everything is injected. */
export interface VerifyContext {
  resolver: DidResolver;
  documentLoader: DocumentLoader;
  now: Date;
  /** Tolerance for validity instants, in seconds (300 by default, as @digitalbazaar/vc). */
  clockSkewSeconds: number;
  /**
   * How old (its `iat`) an SD-JWT key binding JWT may be, in seconds, beyond clockSkewSeconds.
   * Absent: DEFAULT_KEY_BINDING_MAX_AGE_SECONDS.
   */
  keyBindingMaxAgeSeconds?: number;
  /** Presentations: the expected challenge (nonce) and domain (audience). */
  challenge?: string;
  domain?: string;
  /**
   * The caller's expected proofPurpose (VC-API `options.expectedProofPurpose`) for the proofs of
   * the document it sent, not of the credentials a presentation holds: a proof naming another
   * purpose fails key binding. It narrows only: a credential proof is still bound under
   * assertionMethod, a presentation proof under authentication.
   */
  expectedProofPurpose?: string;
  /**
   * Asked once per document before JSON-LD canonicalization starts (Data Integrity and
   * JsonWebSignature2020 proofs, the costly formats): it throws (RATE_LIMITED) to refuse the work
   * to a caller who has used up its share. `units`: what the document costs in canonicalizations
   * (1 when omitted; a bbs-2023 proof costs more, see canonicalizationUnits). Absent: no limit.
   */
  admitCanonicalization?: (units?: number) => Promise<void>;
}

/** Instants a proof format carries outside the credential body, normalized (JWT nbf/exp/iat). */
export interface TimeClaims {
  notBefore?: Date;
  expires?: Date;
  issuedAt?: Date;
  /** A time claim that is not a NumericDate: the validity check fails on it (`claim` is its payload member, '' for a header one). */
  malformed?: { claim: string; message: string };
}

/**
 * What a proof-format module reports: its own checks ('format', 'proof', 'key-binding', and for
 * presentations 'challenge'/'domain'), the document as the proof covers it, and the verification
 * method that signed it. The dispatcher adds the checks common to every format (validity period,
 * X.509 chain of the method's JWK, credential data model, and the credentials a presentation holds).
 */
export interface FormatResult {
  format: string;
  checks: Check[];
  document?: Record<string, unknown>;
  issuer?: string;
  verificationMethod?: VerificationMethod;
  /** Every verification method bound to the issuer (or holder), when a proof set has several; else verificationMethod's. */
  verificationMethods?: string[];
  timeClaims?: TimeClaims;
  /** Presentations only: the credentials it holds, as found (embedded objects, enveloped objects, JWT strings). */
  heldCredentials?: unknown[];
  warnings?: string[];
}

/** One module per proof format, keyed by the spec's identifier in the dispatcher's table. */
export interface ProofFormat {
  name: string;
  canVerifyCredential(input: unknown): boolean;
  verifyCredential(input: unknown, context: VerifyContext): Promise<FormatResult>;
  canVerifyPresentation(input: unknown): boolean;
  verifyPresentation(input: unknown, context: VerifyContext): Promise<FormatResult>;
}
