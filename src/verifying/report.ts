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
