import type { ErrorCode } from '../errors.js';

/** The checks a verification can report, each separately. */
export type CheckName =
  | 'format'
  | 'proof'
  | 'key-binding'
  /** SD-JWT: every disclosure referenced once by a signed digest, and the document rebuilt from them. */
  | 'disclosures'
  /** SD-JWT: the key binding JWT, signed by the credential's `cnf` key over the SD-JWT as presented. */
  | 'holder-binding'
  | 'validity'
  | 'challenge'
  | 'domain'
  | 'x509'
  | 'credential'
  | 'status'
  | 'shapes'
  | 'compliance';

export interface Check {
  check: CheckName;
  verified: boolean;
  code?: ErrorCode;
  message?: string;
  pointer?: string;
  /** The 'status' check only: one result per status entry whose value was read, in entry order. */
  statuses?: StatusEntryResult[];
}

/**
 * The result map of the Bitstring Status List validate algorithm for one entry ("Set the `status`
 * key in result to status, and set the `purpose` key ... If status is 0, set the `valid` key in
 * result to true; otherwise, set it to false"), with where the value was read.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm
 */
export interface StatusEntryResult {
  /** JSON pointer of the entry in the credential (`/credentialStatus/1`). */
  pointer: string;
  purpose: string;
  statusListCredential: string;
  statusListIndex: string;
  statusSize: number;
  /** The entry's value, in statusMessage's spelling: hexadecimal prefixed with `0x`. */
  status: string;
  /** The algorithm's `valid`: the value is 0. What it means for the credential depends on the purpose. */
  valid: boolean;
  /** The statusMessage of the value; without a statusMessage array, "set" or "unset". */
  message: string;
}

export interface VerificationReport {
  /** True only when every check ran and passed. A check that could not run is a failure. */
  verified: boolean;
  /** The proof format detected: 'eddsa-rdfc-2022', 'vc+jwt', 'JsonWebSignature2020', ... */
  format: string;
  checks: Check[];
  warnings: string[];
  errors: string[];
  /** The verified document as the proof covers it (for a JWT: its decoded payload). */
  document?: Record<string, unknown>;
  issuer?: string;
  /** For presentations: one report per credential it holds, in order. */
  credentials?: VerificationReport[];
}

export function passed(check: CheckName, message?: string): Check {
  return message === undefined ? { check, verified: true } : { check, verified: true, message };
}

export function failed(check: CheckName, code: ErrorCode, message: string, pointer?: string): Check {
  const result: Check = { check, verified: false, code, message };
  if (pointer !== undefined) result.pointer = pointer;
  return result;
}

/**
 * A check that failed inside a format's sequence of checks, thrown so the sequence stops there;
 * `settleFailure` turns it into the failed check and every check still pending into one not run.
 */
export class CheckFailure extends Error {
  constructor(
    readonly check: CheckName,
    readonly code: ErrorCode,
    message: string,
    readonly pointer?: string,
  ) {
    super(message);
  }
}

export function failCheck(check: CheckName, code: ErrorCode, message: string, pointer?: string): never {
  throw new CheckFailure(check, code, message, pointer);
}

/** Records a check of the sequence as passed and no longer pending. */
export function passCheck(checks: Check[], pending: CheckName[], check: CheckName, message?: string): void {
  const at = pending.indexOf(check);
  if (at >= 0) pending.splice(at, 1);
  checks.push(passed(check, message));
}

/**
 * Closes a sequence of checks that stopped: the failure is reported as its check, and each check
 * still pending as not run, since "a verification never returns valid when a check could not be
 * run". Anything but a CheckFailure is rethrown. `pending` is left empty.
 */
export function settleChecks(checks: Check[], pending: CheckName[], error?: unknown): void {
  if (error !== undefined) {
    if (!(error instanceof CheckFailure)) throw error;
    const at = pending.indexOf(error.check);
    if (at >= 0) pending.splice(at, 1);
    checks.push(failed(error.check, error.code, error.message, error.pointer));
  }
  for (const check of pending.splice(0)) checks.push(failed(check, 'CHECK_NOT_RUN', 'not run: an earlier check failed'));
}

/** Builds the report: `verified` is derived from the checks, never set by hand. */
export function makeReport(
  format: string,
  checks: Check[],
  extra: Partial<Omit<VerificationReport, 'verified' | 'format' | 'checks'>> = {},
): VerificationReport {
  const nested = extra.credentials ?? [];
  const verified =
    checks.length > 0 && checks.every((c) => c.verified) && nested.every((r) => r.verified);
  return {
    verified,
    format,
    checks,
    warnings: extra.warnings ?? [],
    // `<check>: <CODE>: <message>`: the code a client switches on leads each line (checks[] has it as a field too).
    errors: extra.errors ?? checks.filter((c) => !c.verified).map((c) => [c.check, c.code, c.message].filter((part) => part !== undefined).join(': ')),
    ...(extra.document === undefined ? {} : { document: extra.document }),
    ...(extra.issuer === undefined ? {} : { issuer: extra.issuer }),
    ...(extra.credentials === undefined ? {} : { credentials: extra.credentials }),
  };
}
