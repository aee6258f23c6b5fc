/**
 * The compliance engine: reads a presentation, runs every rule in the visible order below and
 * either issues a label credential (through the recording issuer: stored and audited) or refuses
 * with the findings. Every decision, issued or refused, is stored with what an auditor needs to
 * replay it: the input and its digest, each credential's digest, the engine, rules and shapes
 * versions, the trust anchors and trusted issuers in force, and the outcome.
 */
import type { Clock } from '../clock.js';
import { newCredentialId } from '../credentials/ids.js';
import type { SelfDescriptionValidator } from '../danube/validate.js';
import { GxTrustError } from '../errors.js';
import type { ScopedSigner, SigningCaller } from '../issuing/signing-policy.js';
import type { DecisionRepository } from '../storage/repositories.js';
import type { Verifier } from '../verifying/index.js';
import { parsePemCertificates } from '../x509/index.js';
import type { LabelLevel } from './criteria.js';
import { digestSRI, securedDocument, sha256 } from './digest.js';
import { createContentReview, type ContentReview } from './content-rules.js';
import { buildLabelCredential, ENGINE_VERSION, RULES_VERSION } from './label-credential.js';
import { countryCodes } from './rules/country-codes.js';
import { issuerTerms } from './rules/issuer-terms.js';
import { labelCriteria } from './rules/label-criteria.js';
import { legalPersonIssuer } from './rules/legal-person-issuer.js';
import { proofSignatures } from './rules/proof-signatures.js';
import { references } from './rules/references.js';
import { registrationNumberNotary } from './rules/registration-number-notary.js';
import { revocation } from './rules/revocation.js';
import { shapes } from './rules/shapes.js';
import { validity } from './rules/validity.js';
import { x509Binding } from './rules/x509-binding.js';
import { readSubmission } from './submission.js';
import { buildTagusComplianceCredential, isTagusSubmission, TAGUS_RULES, tagusParticipantOf } from './tagus.js';
import type { AcceptedTermsAndConditions } from '../danube/terms-and-conditions.js';
import type { CredentialVisibility } from '../storage/store.js';
import type { TrustedIssuers } from './trusted-issuers.js';
import { didOf, hasType, type CheckSummary, type ComplianceFinding, type ComplianceRule, type RuleContext, type Submission } from './types.js';

/** The order the answer lists them in: proofs, X.509, shapes, Trust Framework rules, label. */
export const RULES: readonly ComplianceRule[] = [
  proofSignatures,
  x509Binding,
  shapes,
  legalPersonIssuer,
  issuerTerms,
  registrationNumberNotary,
  countryCodes,
  references,
  validity,
  revocation,
  labelCriteria,
];

export interface ComplianceEngineDependencies {
  verifier: Verifier;
  selfDescriptionValidator: SelfDescriptionValidator;
  /**
   * The signing policy's compliance signer: labels and Tagus compliance credentials, as the
   * service, stored and audited. The engine holds no key.
   */
  signer: ScopedSigner;
  store: DecisionRepository;
  serviceDid: string;
  trusted: TrustedIssuers;
  trustAnchorsPem: readonly string[];
  /** Which shapes validate ('bundled', 'official', 'both'), for the record. */
  shapesVersion: string;
  /** notAfter of the service's RSA signing certificate: a label never outlives it. */
  signingCertificateNotAfter?: Date;
  /** GX_COMPLIANCE_UNCHECKED_NUMBERS: a registration number no registry look-up confirmed refuses, or warns. */
  uncheckedNumbers: 'refuse' | 'warn';
  /** Accepted gx:gaiaxTermsAndConditions hashes (the Danube list plus GX_ACCEPTED_TERMS_HASHES); default: the Danube list. */
  acceptedTermsAndConditions?: readonly AcceptedTermsAndConditions[];
  clock: Clock;
}

export interface DecideOptions {
  level: LabelLevel;
  /** Who asks: recorded as the actor, and what the signing policy judges. */
  caller: SigningCaller;
  /** Runs every check; issues and records nothing. */
  dryRun?: boolean;
  /** The label credential's id (the Gaia-X `vcid` query parameter). */
  labelId?: string;
  lifetimeDays?: number;
  /** Of the label credential's record: 'public' lets anyone fetch it; 'private' by default. */
  visibility?: CredentialVisibility;
  /**
   * Called with who presents (the VP's holder, or for an unsigned Tagus VP the participant) before
   * any rule runs; throws to refuse (ownership: a member asks only for its own presentations).
   */
  authorize?: (presenter: string | undefined) => Promise<void>;
}

export interface IssuedLabel {
  id: string;
  jwt: string;
  verifiableCredential: Record<string, unknown>;
  validUntil: string;
}

export interface ComplianceResult {
  outcome: 'issued' | 'refused' | 'dry-run-passed' | 'dry-run-refused';
  decisionId?: string;
  /** The level granted (absent when refused). */
  labelLevel?: LabelLevel;
  requestedLevel: LabelLevel;
  validatedCriteria: string[];
  /** What refuses the label: empty when it may be issued. */
  findings: ComplianceFinding[];
  /** Findings the configuration lets pass (severity `warning`), recorded with the decision. */
  warnings: ComplianceFinding[];
  checks: CheckSummary[];
  issued?: IssuedLabel;
  /** The Trust Framework era of the input, which chose the rule set. */
  era: 'danube' | 'tagus';
  /** Tagus-era input: the compliance credential in the Tagus form (JSON-LD, JsonWebSignature2020). */
  tagusComplianceCredential?: Record<string, unknown>;
}

/** Decisions on presentations, and the same content rules on what onboarding is about to issue. */
export interface ComplianceEngine extends ContentReview {
  decide(input: unknown, options: DecideOptions): Promise<ComplianceResult>;
  getDecision(id: string): ReturnType<DecisionRepository['getDecision']>;
}

/**
 * What every rule of one decision reads: the submission, the decision's instant, whom the service
 * trusts, the level asked for, and the rules that failed so far (the engine adds to `failedRules`
 * as it goes). Exported so each rule's own tests read exactly what the engine hands it.
 */
export function createRuleContext(
  submission: Submission,
  deps: Pick<ComplianceEngineDependencies, 'serviceDid' | 'trusted' | 'selfDescriptionValidator' | 'uncheckedNumbers' | 'acceptedTermsAndConditions'>,
  options: { now: Date; level: LabelLevel; failedRules: ReadonlySet<string> },
): RuleContext {
  return {
    submission,
    now: options.now,
    serviceDid: deps.serviceDid,
    trusted: deps.trusted,
    requestedLevel: options.level,
    validateShapes: (documents) => deps.selfDescriptionValidator.validate(documents),
    validatedCriteria: [],
    failedRules: options.failedRules,
    uncheckedNumbers: deps.uncheckedNumbers,
    acceptedTermsAndConditions: deps.acceptedTermsAndConditions,
  };
}

export function createComplianceEngine(deps: ComplianceEngineDependencies): ComplianceEngine {
  const anchorFingerprints = deps.trustAnchorsPem.flatMap((pem) => parsePemCertificates(pem)).map((der) => `sha256:${sha256(Buffer.from(der, 'base64')).toString('hex')}`);

  async function decide(input: unknown, options: DecideOptions): Promise<ComplianceResult> {
    const now = deps.clock();
    const submission = await readSubmission(input, deps.verifier, { now });
    const era = isTagusSubmission(submission) ? 'tagus' : 'danube';
    const rules = era === 'tagus' ? TAGUS_RULES : RULES;
    if (options.authorize !== undefined) {
      const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
      await options.authorize(submission.holder ?? (era === 'tagus' ? tagusParticipantOf(submission) : didOf(legalPerson?.subject['id'])));
    }
    const failedRules = new Set<string>();
    const context = createRuleContext(submission, deps, { now, level: options.level, failedRules });
    const findings: ComplianceFinding[] = [];
    const warnings: ComplianceFinding[] = [];
    const checks: CheckSummary[] = [];
    for (const rule of rules) {
      let ruleFindings: ComplianceFinding[];
      try {
        ruleFindings = await rule.run(context);
      } catch (error) {
        // The service shedding load (the pool's queue is full) says nothing about the input: the
        // decision is not made, and not recorded as a refusal; the caller retries (503, Retry-After).
        if (error instanceof GxTrustError && error.code === 'VERIFIER_BUSY') throw error;
        // A rule that could not run is a failed rule, never a pass.
        ruleFindings = [{
          rule: rule.id,
          code: error instanceof GxTrustError ? error.code : 'CHECK_NOT_RUN',
          credential: 'presentation',
          pointer: error instanceof GxTrustError ? (error.pointer ?? '') : '',
          message: `the rule could not run: ${error instanceof Error ? error.message : String(error)}`,
          hint: error instanceof GxTrustError && error.hint !== undefined ? error.hint : 'Fix the input named by the pointer and submit again',
        }];
      }
      const refusing = ruleFindings.filter((f) => f.severity !== 'warning');
      const warned = ruleFindings.filter((f) => f.severity === 'warning');
      if (refusing.length > 0) failedRules.add(rule.id);
      findings.push(...refusing);
      warnings.push(...warned);
      checks.push({ rule: rule.id, title: rule.title, passed: refusing.length === 0, findings: refusing.length, ...(warned.length === 0 ? {} : { warnings: warned.length }) });
    }
    const passed = findings.length === 0;
    const result: ComplianceResult = {
      outcome: options.dryRun ? (passed ? 'dry-run-passed' : 'dry-run-refused') : passed ? 'issued' : 'refused',
      requestedLevel: options.level,
      validatedCriteria: context.validatedCriteria,
      findings,
      warnings,
      checks,
      era,
    };
    if (passed) result.labelLevel = options.level;
    if (options.dryRun) return result;

    if (passed) {
      const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
      const label = buildLabelCredential({
        ...(options.labelId === undefined ? {} : { id: options.labelId }),
        issuer: deps.serviceDid,
        subjectId: era === 'tagus' ? (tagusParticipantOf(submission) ?? String(submission.holder)) : didOf(legalPerson?.subject['id']) ?? String(legalPerson?.subject['id'] ?? submission.holder),
        level: options.level,
        validatedCriteria: context.validatedCriteria,
        credentials: submission.credentials,
        now,
        ...(options.lifetimeDays === undefined ? {} : { lifetimeDays: options.lifetimeDays }),
        ...(deps.signingCertificateNotAfter === undefined ? {} : { signingCertificateNotAfter: deps.signingCertificateNotAfter }),
      });
      // Revocable and suspendable: a label follows what it covers (src/status-lists/change-status.ts).
      const issued = await deps.signer.issueCredential(label, { format: 'vc+jwt', profile: 'gaia-x-danube', credentialStatus: ['revocation', 'suspension'], ...(options.visibility === undefined ? {} : { visibility: options.visibility }) }, { caller: options.caller });
      if (issued.format !== 'vc+jwt') throw new GxTrustError('INTERNAL', 'the label was not issued as a vc+jwt');
      result.issued = { id: String(label['id']), jwt: issued.jwt, verifiableCredential: issued.verifiableCredential, validUntil: String(label['validUntil']) };
      if (era === 'tagus') {
        // The Tagus form too: JsonWebSignature2020 (PS256, the service's RSA key), stored and audited.
        const tagus = buildTagusComplianceCredential({ issuer: deps.serviceDid, submission, now, validUntil: String(label['validUntil']) });
        result.tagusComplianceCredential = await deps.signer.issueJsonWebSignature2020(tagus, { caller: options.caller });
      }
    }

    // Time-ordered as the credentials are: the decision is stored and audited keyed by its id, and
    // decidedAt already states the millisecond the id carries.
    const decisionId = newCredentialId();
    const inputText = typeof input === 'string' ? input.trim() : JSON.stringify(input);
    await deps.store.recordDecision({
      id: decisionId,
      decision: {
        id: decisionId,
        decidedAt: now.toISOString(),
        actor: options.caller.actor,
        outcome: result.outcome,
        requestedLevel: options.level,
        ...(result.labelLevel === undefined ? {} : { labelLevel: result.labelLevel }),
        ...(result.issued === undefined ? {} : { labelCredentialId: result.issued.id }),
        ...(result.tagusComplianceCredential === undefined ? {} : { tagusComplianceCredentialId: result.tagusComplianceCredential['id'] }),
        engineVersion: ENGINE_VERSION,
        rulesVersion: RULES_VERSION,
        era,
        rules: rules.map((r) => r.id),
        shapesVersion: deps.shapesVersion,
        trustAnchors: anchorFingerprints,
        trustedIssuers: deps.trusted.list(),
        input: inputText,
        inputDigest: `sha256:${submission.inputDigest}`,
        holder: submission.holder ?? null,
        credentials: submission.credentials.map((c) => ({ id: c.id, issuer: c.issuer, types: c.types, digestSRI: digestSRI(securedDocument(c.document)) })),
        validatedCriteria: result.validatedCriteria,
        findings,
        warnings,
        checks,
      },
      audit: {
        actor: options.caller.actor,
        action: passed ? 'compliance.issued' : 'compliance.refused',
        subject: decisionId,
        digests: { input: `sha256:${submission.inputDigest}` },
        details: { requestedLevel: options.level, outcome: result.outcome, ...(result.issued === undefined ? {} : { label: result.issued.id }) },
      },
      // The reverse index: which labels a credential's revocation or suspension must reach.
      ...(result.issued === undefined
        ? {}
        : { coverage: submission.credentials.map((c) => ({ labelId: result.issued!.id, credentialId: c.id, digestSRI: digestSRI(securedDocument(c.document)) })) }),
    });
    result.decisionId = decisionId;
    return result;
  }

  const content = createContentReview({ serviceDid: deps.serviceDid, trusted: deps.trusted, uncheckedNumbers: deps.uncheckedNumbers, acceptedTermsAndConditions: deps.acceptedTermsAndConditions, validator: deps.selfDescriptionValidator });
  return { decide, getDecision: (id) => deps.store.getDecision(id), reviewContent: content.reviewContent };
}
