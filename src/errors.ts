/**
 * One error type for every failure gx-trust reports. The HTTP layer maps `code` to a status and an
 * RFC 9457 problem document without reading messages; verification reports carry the same codes
 * in their failed checks.
 */

/** Each failure kind, with the HTTP status it maps to. Codes are stable: clients switch on them. */
export const ERROR_STATUS = {
  // Input the service cannot or will not accept.
  INVALID_INPUT: 400,
  INVALID_DATE: 400,
  UNSUPPORTED_FORMAT: 400,
  CONTEXT_NOT_ALLOWED: 400,
  /** `__proto__`, `constructor` or `prototype` as a key anywhere in input (src/json-input.ts). */
  FORBIDDEN_KEY: 400,
  SAFE_MODE_VIOLATION: 400,
  /**
   * A compact IRI whose prefix is a known vocabulary (gx:, schema:, vcard:, ipcei:) and which no
   * context of the document defines: JSON-LD reads `gx:countryCode` as an IRI with the scheme `gx`.
   */
  PREFIX_NOT_DEFINED: 400,
  INVALID_DID: 400,
  UNSUPPORTED_DID_METHOD: 400,
  DID_FORBIDDEN: 400,
  CANONICALIZATION_LIMIT: 422,
  /** A validUntil the signing key's certificate does not last until (options.capValidity caps it instead). */
  VALIDITY_BEYOND_CERTIFICATE: 400,
  /** A self-description over the Danube validator's size limits (src/danube/submission-limits.ts): refused before any rule runs. */
  GRAPH_TOO_LARGE: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // Authorization.
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /**
   * The signing policy (src/issuing/signing-policy.ts) refuses what was submitted for a signature:
   * a credential type, or a subject, outside what that route may have the service sign.
   */
  SIGNING_NOT_ALLOWED: 422,
  // Verification failures of a well-formed credential.
  INVALID_SIGNATURE: 422,
  ALG_NOT_ALLOWED: 422,
  KEY_BINDING: 422,
  KEY_NOT_FOUND: 422,
  PROOF_MISSING: 422,
  /**
   * An ecdsa-sd-2023 or bbs-2023 base proof (the issuer's, before selective disclosure) presented to
   * the verifier: base proofs are for the holder, who derives from them what a verifier checks.
   */
  BASE_PROOF_PRESENTED: 422,
  VALIDITY_PERIOD: 422,
  CHALLENGE_MISMATCH: 422,
  DOMAIN_MISMATCH: 422,
  X509_CHAIN: 422,
  TOKEN_TYPE: 422,
  /**
   * An SD-JWT disclosure that is malformed, repeated, referenced by no signed digest (or by two),
   * or that would overwrite a claim in the clear; a key binding JWT whose sd_hash does not match.
   * @see https://www.rfc-editor.org/rfc/rfc9901#section-7.1
   */
  INVALID_DISCLOSURE: 422,
  CHECK_NOT_RUN: 422,
  // Revocation (W3C Bitstring Status List error names).
  STATUS_RETRIEVAL_ERROR: 502,
  STATUS_VERIFICATION_ERROR: 422,
  STATUS_LIST_LENGTH_ERROR: 422,
  RANGE_ERROR: 422,
  CREDENTIAL_REVOKED: 422,
  CREDENTIAL_SUSPENDED: 422,
  // Danube rules.
  SHAPE_VIOLATION: 422,
  /** A self-description with no node of a Gaia-X 25.11 type: no shape applied, so nothing was checked. */
  NO_GAIA_X_SUBJECT: 422,
  /** A Tagus (22.10) type or term in a 25.11 self-description; the finding names the 25.11 replacement. */
  TAGUS_TERM: 422,
  /** Onboarding: the self-description has findings (listed with pointers); nothing was issued. */
  SELF_DESCRIPTION_INVALID: 422,
  /** Onboarding: a credential the member signed failed verification (the reports are attached). */
  CREDENTIAL_UNVERIFIED: 422,
  // Compliance (src/compliance/rules/): each failed rule's finding carries one of these.
  COMPLIANCE_FAILED: 422,
  HOLDER_NOT_PARTICIPANT: 422,
  X509_MISSING: 422,
  LEGAL_PERSON_MISSING: 422,
  UNTRUSTED_ISSUER: 422,
  TERMS_NOT_ACCEPTED: 422,
  REGISTRATION_NUMBER_MISSING: 422,
  UNTRUSTED_NOTARY: 422,
  /** A registration number its notary did not check against the registry (no evidence of a look-up). */
  REGISTRATION_NUMBER_UNCHECKED: 422,
  COUNTRY_MISMATCH: 422,
  /** An ISO 3166-2 subdivision code that has the right form but names no subdivision. */
  COUNTRY_SUBDIVISION_UNKNOWN: 422,
  /** A credential about a participant's resource issued by someone other than that participant. */
  ISSUER_MISMATCH: 422,
  DANGLING_REFERENCE: 422,
  LABEL_CRITERIA_UNMET: 422,
  DIGEST_MISMATCH: 422,
  /** A label presented by someone other than the participant it is about. */
  LABEL_SUBJECT_MISMATCH: 422,
  /** A label presented with a credential it covers that is revoked or suspended: the label no longer holds. */
  COVERED_CREDENTIAL_REVOKED: 422,
  /** POST /members/{id}/labels: the member holds no current credential of a kind a label needs (LegalPerson, ...). */
  LABEL_CREDENTIALS_MISSING: 422,
  // Member certificates (PUT /members/{id}/keys/{kid}/certificate).
  /** The leaf certificate certifies another key than the hosted key it is installed for. */
  CERTIFICATE_KEY_MISMATCH: 422,
  /** The chain does not verify, does not reach a configured trust anchor, or is not valid now. */
  CERTIFICATE_CHAIN_UNTRUSTED: 422,
  // OpenID4VCI (src/wallets/): each answer also carries the OAuth `error` code wallets switch on.
  /** A pre-authorized code that is unknown, used, expired, or sent with a wrong or missing PIN. */
  INVALID_GRANT: 400,
  UNSUPPORTED_GRANT_TYPE: 400,
  /** An access token that is missing, forged, expired, or DPoP-bound and sent without its proof. */
  INVALID_TOKEN: 401,
  /** A proof of possession that does not verify, names another audience, or a key gx-trust does not resolve. */
  INVALID_PROOF: 400,
  /** A proof without a c_nonce of this service, or with one used already or expired. */
  INVALID_NONCE: 400,
  /** A credential configuration the offer behind the access token does not list. */
  UNKNOWN_CREDENTIAL_CONFIGURATION: 400,
  INVALID_CREDENTIAL_REQUEST: 400,
  /** A deferred credential request whose transaction_id is unknown, another wallet's, answered already, or expired. */
  INVALID_TRANSACTION_ID: 400,
  /** A credential request for an offer whose review refused the onboarding: nothing will be issued. */
  CREDENTIAL_REQUEST_DENIED: 400,
  // OpenID4VP (src/wallets/presentation.ts): wallet-facing answers also carry the OAuth `error`.
  /** No presentation request with this id (400, not 404: wallets read it as the OAuth invalid_request). */
  PRESENTATION_REQUEST_UNKNOWN: 400,
  /** The request took its one response already (a replay, or a second wallet). */
  PRESENTATION_REQUEST_CLOSED: 400,
  PRESENTATION_REQUEST_EXPIRED: 400,
  /** A response whose `state` is not the request's: it answers another request. */
  STATE_MISMATCH: 400,
  /** The response was taken and the request closed, but a presentation did not verify or the DCQL query is not met. */
  PRESENTATION_REFUSED: 400,
  // Requests that clash with earlier ones.
  CONFLICT: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_FLIGHT: 409,
  // Remote resources.
  DID_NOT_FOUND: 422,
  DID_RESOLUTION_FAILED: 502,
  DID_RESOLUTION_TIMEOUT: 504,
  /** A registration-number registry (VIES, GLEIF, EORI) could not be asked or did not answer usably. */
  REGISTRY_UNAVAILABLE: 502,
  // Too many requests for one API key or IP in the rate-limit window (answered with Retry-After).
  RATE_LIMITED: 429,
  // Too much expensive verification work waiting already (answered with Retry-After): load is shed.
  VERIFIER_BUSY: 503,
  // Too many bbs-2023 signatures waiting for the one BBS signing thread (answered with Retry-After).
  SIGNER_BUSY: 503,
  // Our own faults.
  NOT_READY: 503,
  STORE_UNAVAILABLE: 503,
  KEYS_UNAVAILABLE: 500,
  CONFIG_INVALID: 500,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface GxTrustErrorOptions {
  /** RFC 6901 JSON pointer into the caller's input where the fault is. */
  pointer?: string;
  /** What the caller can do about it. */
  hint?: string;
  cause?: unknown;
  /** Further faults found in the same input (each with its own pointer). */
  errors?: readonly ProblemDetail[];
  /** For refusals the caller may retry: how many seconds to wait (the answer's Retry-After). */
  retryAfterSeconds?: number;
  /**
   * A refusal whose `authorization.denied` audit entry was written where it was decided: the HTTP
   * layer's last check on 403s (which audits every refusal that arrives without one) leaves it be.
   */
  denialRecorded?: boolean;
}

export interface ProblemDetail {
  code: ErrorCode;
  pointer?: string;
  detail: string;
  hint?: string;
}

export class GxTrustError extends Error {
  override readonly name = 'GxTrustError';
  readonly code: ErrorCode;
  readonly pointer: string | undefined;
  readonly hint: string | undefined;
  readonly errors: readonly ProblemDetail[];
  readonly retryAfterSeconds: number | undefined;
  denialRecorded: boolean;

  constructor(code: ErrorCode, message: string, options: GxTrustErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.pointer = options.pointer;
    this.hint = options.hint;
    this.errors = options.errors ?? [];
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.denialRecorded = options.denialRecorded === true;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function isGxTrustError(value: unknown): value is GxTrustError {
  return value instanceof GxTrustError;
}

/** RFC 6901: `~` and `/` inside a reference token are escaped as `~0` and `~1`. */
export function jsonPointer(path: readonly (string | number | symbol)[]): string {
  if (path.length === 0) return '';
  return path
    .map((token) => '/' + String(token).replaceAll('~', '~0').replaceAll('/', '~1'))
    .join('');
}
