/** What onboarding answers: data (issued / unverified / invalid); the HTTP layer maps it to 201 / 422. */
import type { Principal } from '../../access/principal.js';
import type { JsonObject } from '../../credentials/index.js';
import type { VerificationReport } from '../../verifying/index.js';
import type { Finding } from '../finding.js';
import type { RegistryLookupNote } from './notary.js';

export interface OnboardingContext {
  principal: Principal;
  idempotencyKey?: string;
}

export interface OnboardedCredential {
  id: string | undefined;
  type: string[];
  /** `issued`: signed now by gx-trust; `submitted`: signed by the member (verified, passed on as sent); `referenced`: issued earlier. */
  origin: 'issued' | 'submitted' | 'referenced';
  format: string;
  verifiableCredential: JsonObject;
  jwt?: string;
}

export interface IssuedOutcome {
  status: 'issued';
  holder: string;
  legalPersonId: string;
  credentials: OnboardedCredential[];
  /** Unsigned: the holder (the member) signs it with its own key before submitting it for compliance. */
  verifiablePresentation: JsonObject;
  registryLookups: RegistryLookupNote[];
  /** Findings of severity warning or info: they do not block issuance. */
  findings: Finding[];
  /** The previous onboarding's credentials this one replaced: revoked, reason `superseded`. */
  superseded: string[];
}

export type OnboardingOutcome =
  | IssuedOutcome
  | { status: 'unverified'; failures: { pointer: string; report: VerificationReport }[] }
  | { status: 'invalid'; findings: Finding[] };
