/**
 * The compliance rules that judge what credentials say, run where credentials are written.
 * Onboarding (POST /participants, POST /service-offerings) runs them on the credentials it is
 * about to issue, with those the member signed, before it issues anything: what gx-trust issues is
 * never refused later by its own compliance engine for a reason that was knowable when it issued.
 * They are the same rule objects the engine runs (engine.ts RULES), on a submission built from the
 * drafts instead of a presentation.
 *
 * Not here, because their input does not exist before a presentation is signed: the proofs and
 * the holder (`proof-signatures`), the keys' X.509 chains (`x509-binding`), validity now and the
 * status lists (`validity`, `revocation`, which the onboarding verifier already checks for the
 * credentials a member signed) and the criteria of a label level nobody has asked for yet
 * (`label-criteria`). `shapes` runs as the Danube validator, which onboarding calls itself so its
 * findings keep their SHACL rule ids.
 */
import { issuerId, isObject, type JsonObject } from '../credentials/index.js';
import type { AcceptedTermsAndConditions } from '../danube/terms-and-conditions.js';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import type { VerificationReport } from '../verifying/index.js';
import { countryCodes } from './rules/country-codes.js';
import { issuerTerms } from './rules/issuer-terms.js';
import { legalPersonIssuer } from './rules/legal-person-issuer.js';
import { references } from './rules/references.js';
import { registrationNumberNotary } from './rules/registration-number-notary.js';
import type { TrustedIssuers } from './trusted-issuers.js';
import type { ComplianceFinding, ComplianceRule, RuleContext, Submission, SubmittedCredential } from './types.js';

export type ContentScope = 'participants' | 'service-offerings';

/**
 * Which rules apply to what each onboarding route receives. A participant is submitted whole: its
 * LegalPerson, registration numbers and terms. A service offering comes with the LegalPerson it
 * names and nothing else of the participant: the registration numbers and the gx:Issuer
 * credential that `registration-number-notary` and `issuer-terms` need are not part of it (they
 * were judged when the participant was onboarded).
 */
export const CONTENT_RULES: Readonly<Record<ContentScope, readonly ComplianceRule[]>> = {
  participants: [legalPersonIssuer, issuerTerms, registrationNumberNotary, countryCodes, references],
  'service-offerings': [references],
};

export interface ContentCredential {
  /** What is (or will be) signed: a draft with the issuer it will be issued by, or a verified credential. */
  document: JsonObject;
  /** The verification report of a credential the member signed; absent for a draft nobody signed yet. */
  report?: VerificationReport;
}

export interface ContentReview {
  /**
   * Runs the scope's rules over the credentials as one submission. Findings point into a
   * presentation holding them in order (`/verifiableCredential/<index>/...`, `/verifiableCredential`
   * for the submission as a whole), which the caller maps back to where each came from.
   */
  reviewContent(scope: ContentScope, credentials: readonly ContentCredential[], options: { now: Date; holder?: string }): Promise<ComplianceFinding[]>;
}

export interface ContentReviewDependencies {
  serviceDid: string;
  trusted: TrustedIssuers;
  uncheckedNumbers: 'refuse' | 'warn';
  acceptedTermsAndConditions?: readonly AcceptedTermsAndConditions[] | undefined;
  validator: SelfDescriptionValidator;
}

/** A draft has no proof yet: no check ran, and none of the content rules reads one. */
const NOT_SIGNED_YET: VerificationReport = { verified: false, format: 'draft', checks: [], warnings: [], errors: [] };

function typesOf(document: JsonObject): string[] {
  const type = document['type'];
  return (Array.isArray(type) ? type : [type]).filter((t): t is string => typeof t === 'string');
}

export function createContentReview(deps: ContentReviewDependencies): ContentReview {
  return {
    async reviewContent(scope, credentials, options) {
      const submitted = credentials.map(({ document, report }, index): SubmittedCredential => {
        const pointer = `/verifiableCredential/${index}`;
        const subjects = document['credentialSubject'];
        const subject = (Array.isArray(subjects) ? subjects[0] : subjects) as unknown;
        return {
          index,
          pointer,
          document,
          report: report ?? NOT_SIGNED_YET,
          id: typeof document['id'] === 'string' ? document['id'] : `${pointer} (no id)`,
          types: typesOf(document),
          issuer: issuerId(document) ?? '',
          subject: isObject(subject) ? subject : {},
        };
      });
      const submission: Submission = {
        presentation: { type: ['VerifiablePresentation'], verifiableCredential: submitted.map((c) => c.document) },
        report: NOT_SIGNED_YET,
        holder: options.holder,
        credentials: submitted,
        inputDigest: '',
      };
      const context: RuleContext = {
        submission,
        now: options.now,
        serviceDid: deps.serviceDid,
        trusted: deps.trusted,
        requestedLevel: 'SC',
        validateShapes: (documents) => deps.validator.validate(documents),
        validatedCriteria: [],
        failedRules: new Set(),
        uncheckedNumbers: deps.uncheckedNumbers,
        acceptedTermsAndConditions: deps.acceptedTermsAndConditions,
      };
      const findings: ComplianceFinding[] = [];
      for (const rule of CONTENT_RULES[scope]) findings.push(...(await rule.run(context)));
      return findings;
    },
  };
}
