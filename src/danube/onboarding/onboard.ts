/**
 * Onboarding: from a member's self-description to issued Danube credentials. The order is the
 * contract: (1) verify every signed credential the member sent (and the referenced LegalPerson),
 * (2) judge every unsigned draft by the signing policy (only this endpoint's Danube types, only
 * about the participant's own DID and its nodes; a registration number only when the participant's
 * LegalPerson names it; a validity period the issuer would refuse), validate the whole submission
 * as one graph with the Danube validator, and run the compliance rules that judge content
 * (src/compliance/content-rules.ts) on it as it will be issued, (3) consult the registries, and
 * only when nothing failed (4) issue each draft through this endpoint's scoped signer (stored +
 * audited), replacing the previous set of the same series. A fault in (1)-(3) issues nothing, and
 * what is issued is not refused later by the compliance engine for anything those rules could see.
 *
 * This file holds the order and the request's idempotency; each step is a module of its own:
 * review.ts (1, 2), notary.ts (3 and the notary's validity), issue.ts and supersede.ts (4), and
 * participant-onboarding.ts / service-offering-registration.ts for what differs by endpoint.
 */
import type { Clock } from '../../clock.js';
import type { ContentReview } from '../../compliance/content-rules.js';
import { GxTrustError } from '../../errors.js';
import type { RecordedIssueOptions } from '../../issuing/recorded.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import { claimIdempotencyKey } from '../../storage/idempotency.js';
import type { CredentialRepository, IdempotencyRepository } from '../../storage/repositories.js';
import type { Verifier } from '../../verifying/index.js';
import { conforms, type Finding } from '../finding.js';
import { registryLookupOff, type RegistryLookup } from '../registration-numbers/index.js';
import { pointedIntoRequest } from '../submission-limits.js';
import type { SelfDescriptionValidator } from '../validate.js';
import { issuedAny, issueSubmission, unsignedPresentation } from './issue.js';
import { didOf, finding, hasType, submittedItems, subjectOf, type Item } from './items.js';
import { DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS, lookUpNumbers, normalizeNumbers } from './notary.js';
import type { OnboardingContext, OnboardingOutcome } from './outcome.js';
import { participantDataItems, participantSeries, participantSubmissionFindings } from './participant-onboarding.js';
import type { OnboardingOptions, ParticipantInput } from './request.js';
import { contentFindings, draftFindings, issuerFindings, mergedFindings, verifySecured, type SubmissionKind } from './review.js';
import { referencedLegalPerson, serviceOfferingSeries, serviceOfferingSubmissionFindings } from './service-offering-registration.js';
import { planSupersession, type Supersession } from './supersede.js';

export type { OnboardedCredential, OnboardingContext, OnboardingOutcome } from './outcome.js';
export type { RegistryLookupNote } from './notary.js';
export type { Supersession } from './supersede.js';
export { DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS } from './notary.js';

export interface OnboardingDependencies {
  /**
   * The signing policy's signers for POST /participants and POST /service-offerings: each signs
   * only its own Danube types, as the service, about the participant it signs for.
   */
  signers: { participants: ScopedSigner; serviceOfferings: ScopedSigner };
  verifier: Verifier;
  validator: SelfDescriptionValidator;
  /** The compliance rules that judge content (the compliance engine's), run before anything is issued. */
  contentReview: ContentReview;
  /** The records onboarding reads and completes: issued credentials (a series among them) and idempotency keys. */
  store: CredentialRepository & IdempotencyRepository;
  supersession: Supersession;
  /** The service's did:web: the issuer of every credential gx-trust writes. */
  serviceDid: string;
  clock: Clock;
  /** Online registry look-ups; off by default (no network traffic). */
  registryLookup?: RegistryLookup;
}

export interface Onboarding {
  participantFromData(participant: ParticipantInput, options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
  participantFromCredentials(credentials: readonly unknown[], options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
  serviceOffering(legalPerson: unknown, credentials: readonly unknown[], options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
}

/** What differs between the two endpoints: what a submission must hold, and the series it replaces. */
interface Endpoint {
  kind: SubmissionKind;
  submissionFindings(items: readonly Item[]): Finding[];
  series(holder: string, items: readonly Item[]): string | undefined;
}

const PARTICIPANTS: Endpoint = { kind: 'participants', submissionFindings: participantSubmissionFindings, series: participantSeries };
const SERVICE_OFFERINGS: Endpoint = { kind: 'service-offerings', submissionFindings: serviceOfferingSubmissionFindings, series: (_holder, items) => serviceOfferingSeries(items) };

function issueOptions(options: OnboardingOptions | undefined): RecordedIssueOptions {
  const cap = {
    ...(options?.capValidity === undefined ? {} : { capValidity: options.capValidity }),
    ...(options?.visibility === undefined ? {} : { visibility: options.visibility }),
  };
  if (options?.format === 'ldp_vc') {
    // Danube credentials are revocable; Data Integrity ones too, so a compliance decision can withdraw them.
    return { format: 'ldp_vc', cryptosuite: options.cryptosuite ?? 'eddsa-rdfc-2022', credentialStatus: true, ...cap };
  }
  if (options?.cryptosuite !== undefined) {
    throw new GxTrustError('INVALID_INPUT', 'options.cryptosuite applies to ldp_vc', { pointer: '/options/cryptosuite', hint: 'Add "format": "ldp_vc" or drop cryptosuite' });
  }
  return { profile: 'gaia-x-danube', ...cap };
}

export function createOnboarding(deps: OnboardingDependencies): Onboarding {
  const registryLookup = deps.registryLookup ?? registryLookupOff;
  const signerOf = (endpoint: Endpoint): ScopedSigner => (endpoint.kind === 'participants' ? deps.signers.participants : deps.signers.serviceOfferings);

  /** A request with an Idempotency-Key is answered once: a retry gets the first issuance's answer. */
  async function run(endpoint: Endpoint, items: Item[], options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome> {
    const recordOptions = issueOptions(options);
    const key = context.idempotencyKey === undefined ? undefined : `${context.principal.actor}:${endpoint.kind}:${context.idempotencyKey}`;
    if (key !== undefined) {
      const replay = await claimIdempotencyKey(deps.store, context.idempotencyKey!, key, request);
      if (replay !== undefined) return JSON.parse(replay) as OnboardingOutcome;
    }
    try {
      const outcome = await onboard(endpoint, items, options, recordOptions, context);
      if (key !== undefined) {
        if (outcome.status === 'issued') await deps.store.completeIdempotent(key, JSON.stringify(outcome));
        else await deps.store.abandonIdempotent(key);
      }
      return outcome;
    } catch (error) {
      if (key !== undefined) await deps.store.abandonIdempotent(key).catch(() => undefined);
      throw error;
    }
  }

  async function onboard(endpoint: Endpoint, items: Item[], options: OnboardingOptions | undefined, recordOptions: RecordedIssueOptions, context: OnboardingContext): Promise<OnboardingOutcome> {
    // (1) Proofs first: a credential whose proof fails is not judged on its content.
    const failures = await verifySecured(deps.verifier, items);
    if (failures.length > 0) return { status: 'unverified', failures };
    const validityDays = options?.registrationNumberValidityDays ?? DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS;
    const normalized = normalizeNumbers(items);

    // Who the submission is about: the LegalPerson's DID, the holder of the presentation. That a
    // participant submits exactly one is the legal-person-issuer rule's to say, in (2b).
    const policy: Finding[] = [...issuerFindings(items, deps.serviceDid), ...endpoint.submissionFindings(items)];
    const legalPerson = items.find((item) => hasType(item.document, 'gx:LegalPerson'));
    const legalPersonId = legalPerson === undefined ? undefined : subjectOf(legalPerson.document)?.['id'];
    const holder = didOf(legalPersonId);
    if (legalPerson !== undefined && holder === undefined) {
      policy.push(finding('onboarding/holder', `${legalPerson.origin}/credentialSubject/id`, 'the LegalPerson has no DID URL as its id', 'Give the LegalPerson an id under your DID, e.g. did:web:member.example#legal-person'));
    }
    const signer = signerOf(endpoint);
    const now = deps.clock();
    if (holder !== undefined) {
      // A member onboards only its own DIDs (403, audited); an admin any.
      await signer.authorizeOnBehalfOf(context.principal, holder);
      policy.push(...(await draftFindings(items, { signer, legalPerson, holder, principal: context.principal, recordOptions, validityDays, now })));
    }

    // (2a) The Danube shapes and rules over the whole submission; (2b) the compliance rules that judge content.
    const validation = await deps.validator.validate(items.map((item) => item.document)).catch((error: unknown) => {
      throw pointedIntoRequest(error, (index) => items[index]?.origin); // GRAPH_TOO_LARGE
    });
    const content = await contentFindings(deps.contentReview, endpoint.kind, items, { serviceDid: deps.serviceDid, holder, validityDays, now: deps.clock() });
    const findings = [...mergedFindings(policy, validation.findings, content.findings, items), ...normalized];
    if (!conforms(findings) || holder === undefined || typeof legalPersonId !== 'string') return { status: 'invalid', findings };

    // (3) Registries (off by default: every number is then reported as not checked, and the
    // compliance engine's REGISTRATION_NUMBER_UNCHECKED is told now, as a warning).
    const lookups = await lookUpNumbers(registryLookup, items);
    if (lookups.findings.length > 0) return { status: 'invalid', findings: [...findings, ...lookups.findings] };
    for (const [item, unchecked] of content.unchecked) if (!lookups.evidence.has(item)) findings.push(unchecked);

    // (4) Issue. Nothing was signed or stored before this point.
    const supersede = await planSupersession(deps.store, deps.supersession, endpoint.series(holder, items), context.principal.actor);
    const credentials = await issueSubmission(items, { signer, principal: context.principal, holder, recordOptions, validityDays, now: deps.clock(), evidence: lookups.evidence, supersede });
    return {
      status: 'issued',
      holder,
      legalPersonId,
      credentials,
      verifiablePresentation: unsignedPresentation(holder, credentials),
      registryLookups: lookups.notes,
      findings: findings.filter((f) => f.severity !== 'violation'),
      superseded: issuedAny(items) ? [...supersede.previous] : [],
    };
  }

  return {
    participantFromData: (participant, options, context, request) => run(PARTICIPANTS, participantDataItems(participant), options, context, request),
    participantFromCredentials: (credentials, options, context, request) => run(PARTICIPANTS, submittedItems(credentials, '/credentials'), options, context, request),
    async serviceOffering(legalPerson, credentials, options, context, request) {
      const items = [...submittedItems(credentials, '/credentials'), await referencedLegalPerson(deps.store, legalPerson)];
      return run(SERVICE_OFFERINGS, items, options, context, request);
    },
  };
}
