/**
 * The vocabulary of a compliance decision: the submission as the rules see it (each credential
 * decoded, with its verification report and where it sits in the presentation), the findings a
 * rule returns, and the summary line per rule the answer lists in order.
 */
import type { JsonObject } from '../credentials/index.js';
import type { ErrorCode } from '../errors.js';
import type { AcceptedTermsAndConditions } from '../danube/terms-and-conditions.js';
import type { SelfDescriptionValidation } from '../danube/validate.js';
import type { VerificationReport } from '../verifying/index.js';
import type { LabelLevel } from './criteria.js';
import type { TrustedIssuers } from './trusted-issuers.js';

/** One failed rule, located so a member can act on it. */
export interface ComplianceFinding {
  /** The rule id, which is also its module name under src/compliance/rules/. */
  rule: string;
  code: ErrorCode;
  /** The credential it concerns: its `id`, or `presentation` for the VP itself. */
  credential: string;
  /**
   * RFC 6901 pointer into the presentation as decoded: `/verifiableCredential/2/credentialSubject/...`
   * (an enveloped credential counts as its decoded payload); `` is the presentation itself.
   */
  pointer: string;
  message: string;
  hint: string;
  /** Label rules: the criterion IRI that is not met. */
  criterion?: string;
  /**
   * `warning`: a fault the configuration lets pass (GX_COMPLIANCE_UNCHECKED_NUMBERS=warn): recorded
   * with the decision and answered in `warnings[]`, not a refusal. Absent: it refuses.
   */
  severity?: 'warning';
}

export interface SubmittedCredential {
  index: number;
  /** `/verifiableCredential/<index>` */
  pointer: string;
  /** The credential as its proof covers it (a JWT's payload, or the JSON-LD document). */
  document: JsonObject;
  /** The compact JWT when the credential came as one. */
  jwt?: string;
  /** Its protected header, for JWTs. */
  header?: JsonObject;
  report: VerificationReport;
  id: string;
  types: string[];
  issuer: string;
  /** The first credentialSubject (Gaia-X credentials carry one). */
  subject: JsonObject;
}

export interface Submission {
  /** The presentation as its proof covers it (a VP-JWT's payload, or the JSON-LD VP). */
  presentation: JsonObject;
  jwt?: string;
  header?: JsonObject;
  /** The verifier's report of the presentation; `credentials` holds one report per credential. */
  report: VerificationReport;
  /** The holder: the VP-JWT's `iss` header or the VP's `holder`. */
  holder: string | undefined;
  credentials: SubmittedCredential[];
  /** SHA-256 (hex) of the input as received, for the decision record. */
  inputDigest: string;
}

export interface RuleContext {
  submission: Submission;
  now: Date;
  serviceDid: string;
  trusted: TrustedIssuers;
  /** The level the caller asked for. */
  requestedLevel: LabelLevel;
  /** Filled by the shapes rule; later rules may read it. */
  shapes?: SelfDescriptionValidation;
  validateShapes(documents: readonly object[]): Promise<SelfDescriptionValidation>;
  /** Criteria satisfied (IRIs); the label rule fills it in. */
  validatedCriteria: string[];
  /** Ids of the rules that ran before and failed. */
  failedRules: ReadonlySet<string>;
  /** A registration number without evidence of a registry look-up: a refusal, or a warning. */
  uncheckedNumbers: 'refuse' | 'warn';
  /** Accepted gx:gaiaxTermsAndConditions hashes; default: the Danube list. */
  acceptedTermsAndConditions?: readonly AcceptedTermsAndConditions[] | undefined;
}

export interface ComplianceRule {
  id: string;
  /** One line for the answer's `checks[]`. */
  title: string;
  run(context: RuleContext): Promise<ComplianceFinding[]> | ComplianceFinding[];
}

export interface CheckSummary {
  rule: string;
  title: string;
  /** No finding that refuses (warnings aside). */
  passed: boolean;
  findings: number;
  /** Findings the configuration lets pass, when there are any. */
  warnings?: number;
}

/** The types of a credential's subjects, as written (an IPCEI-AI profile is typed only there). */
export function subjectTypesOf(document: JsonObject): string[] {
  const subjects = document['credentialSubject'];
  return (Array.isArray(subjects) ? subjects : [subjects])
    .flatMap((s: unknown) => (typeof s === 'object' && s !== null && !Array.isArray(s) ? [(s as JsonObject)['type']] : []))
    .flatMap((t) => (Array.isArray(t) ? t : [t]))
    .filter((t): t is string => typeof t === 'string' && t !== '');
}

export function hasType(credential: { types: readonly string[] }, ...types: string[]): boolean {
  return credential.types.some((t) => types.includes(t) || types.includes(t.replace(/^.*[#/]/, 'gx:')));
}

/** The DID of a DID URL (`did:web:x#lp` -> `did:web:x`); undefined for anything that is not a DID. */
export function didOf(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith('did:')) return undefined;
  return id.split(/[#?]/)[0];
}

/** The ids a property links to: `{id}`, `[{id}, ...]`, or bare strings. */
export function linkedIds(value: unknown): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list
    .map((item) => (typeof item === 'string' ? item : typeof item === 'object' && item !== null ? (item as JsonObject)['id'] : undefined))
    .filter((id): id is string => typeof id === 'string');
}

export function finding(
  rule: string,
  code: ErrorCode,
  credential: SubmittedCredential | 'presentation',
  pointer: string,
  message: string,
  hint: string,
): ComplianceFinding {
  return {
    rule,
    code,
    credential: credential === 'presentation' ? 'presentation' : credential.id,
    pointer: credential === 'presentation' ? pointer : credential.pointer + pointer,
    message,
    hint,
  };
}
