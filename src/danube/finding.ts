/**
 * A finding is one fault (or note) in a submitted self-description, located in the JSON the member
 * sent, so a person can act on it. Shape findings, registration-number checks and the terms and
 * conditions rule all return this one type.
 */
import type { ErrorCode } from '../errors.js';

export type Severity = 'violation' | 'warning' | 'info';

export interface Finding {
  /** Stable rule id: `shacl:<component>` for shape results, `gx:<Kind>/<check>` for rules in code. */
  rule: string;
  severity: Severity;
  /** RFC 6901 JSON pointer into the submitted array of credentials, e.g. `/0/credentialSubject/gx:legalAddress`. */
  pointer: string;
  /** The property IRI the finding is about (empty when it is about a whole node). */
  path: string;
  message: string;
  hint: string;
  /**
   * The error code of findings that have one of their own (`PREFIX_NOT_DEFINED`, `TAGUS_TERM`,
   * `NO_GAIA_X_SUBJECT`, and the compliance rules' codes at onboarding); a compliance decision
   * reports a shape finding without one as `SHAPE_VIOLATION`.
   */
  code?: ErrorCode;
  /** Index of the credential in the submission. */
  credentialIndex?: number;
}

export function conforms(findings: readonly Finding[]): boolean {
  return !findings.some((finding) => finding.severity === 'violation');
}
