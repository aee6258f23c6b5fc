/**
 * Onboarding: from a member's self-description to issued Danube credentials. The order is the
 * contract: (1) verify every signed credential the member sent (and the referenced LegalPerson),
 * (2) judge every unsigned draft by the signing policy (only this endpoint's Danube types, only
 * about the participant's own DID and its nodes; a registration number only when the participant's
 * LegalPerson names it; a validity period the issuer would refuse), validate the whole submission
 * as one graph with the Danube validator, and run the compliance rules that judge content
 * (src/compliance/content-rules.ts) on it as it will be issued, (3) consult the registries, and
 * only when nothing failed (4) issue each draft through this endpoint's scoped signer (stored +
 * audited). A fault in (1)-(3) issues nothing, and what is issued is not refused later by the
 * compliance engine for anything those rules could see.
 *
 * Outcomes are data (issued / unverified / invalid); the HTTP layer maps them to 201 / 422.
 */
import { claimIdempotencyKey } from '../../storage/idempotency.js';
import type { Clock } from '../../clock.js';
import type { ContentReview } from '../../compliance/content-rules.js';
import type { ComplianceFinding } from '../../compliance/types.js';
import { isObject, VC_V2_CONTEXT, type JsonObject } from '../../credentials/index.js';
import { GxTrustError, type ErrorCode } from '../../errors.js';
import type { Principal } from '../../access/principal.js';
import { envelopeCredential } from '../../formats/jose/sign.js';
import type { RecordedIssueOptions } from '../../issuing/recorded.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import { REGISTRATION_NUMBER_CLASSES } from '../ontology.js';
import type { CredentialClaims } from '../../issuing/credential-claims.js';
import { GX } from '../namespaces.js';
import type { CredentialRecord, StatusBitChange } from '../../storage/store.js';
import type { CredentialRepository, IdempotencyRepository } from '../../storage/repositories.js';
import type { VerificationReport, Verifier } from '../../verifying/index.js';
import type { Finding } from '../finding.js';
import { conforms } from '../finding.js';
import { normalizeVatId, registryLookupOff, type RegistrationNumberEvidence, type RegistrationNumberType, type RegistryLookup } from '../registration-numbers/index.js';
import type { SelfDescriptionValidator } from '../validate.js';
import { pointedIntoRequest } from '../submission-limits.js';
import { NUMBER_PROPERTY, participantCredentials } from './participant.js';
import { REGISTRATION_NUMBER_TYPES, type OnboardingOptions, type ParticipantInput } from './request.js';

/** The records onboarding reads and completes: issued credentials (a series among them) and idempotency keys. */
type OnboardingStore = CredentialRepository & IdempotencyRepository;

/**
 * What onboarding the same party again revokes: each credential of the previous set still in
 * force, and each label covering one, as bit changes with their audit entries, and the ids marked
 * as superseded. src/status-lists/change-status.ts (supersedeChanges) computes it; it comes in as
 * a dependency, since importing it would close an import cycle (status lists are signed through
 * the issuing policy, which reads the Danube vocabulary).
 */
export type Supersession = (previous: readonly CredentialRecord[], actor: string) => Promise<{ changes: readonly StatusBitChange[]; ids: readonly string[] }>;

/** Gaia-X notaries issue registration-number credentials for 90 days (Loire notaries: validUntil = validFrom + 90 d). */
export const DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS = 90;

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
  store: OnboardingStore;
  supersession: Supersession;
  /** The service's did:web: the issuer of every credential gx-trust writes. */
  serviceDid: string;
  clock: Clock;
  /** Online registry look-ups; off by default (no network traffic). */
  registryLookup?: RegistryLookup;
}

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

export interface RegistryLookupNote {
  pointer: string;
  type: RegistrationNumberType;
  value: string;
  status: 'valid' | 'not-checked';
  reason?: string;
}

export type OnboardingOutcome =
  | {
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
  | { status: 'unverified'; failures: { pointer: string; report: VerificationReport }[] }
  | { status: 'invalid'; findings: Finding[] };

export interface Onboarding {
  participantFromData(participant: ParticipantInput, options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
  participantFromCredentials(credentials: readonly unknown[], options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
  serviceOffering(legalPerson: unknown, credentials: readonly unknown[], options: OnboardingOptions | undefined, context: OnboardingContext, request: unknown): Promise<OnboardingOutcome>;
}

/** One credential of a submission, with where it came from. */
interface Item {
  /** JSON pointer of the credential in the request body. */
  origin: string;
  role: 'draft' | 'signed' | 'reference';
  /** Unsigned drafts: as sent (or generated). Signed: as the proof covers it (after verification). */
  document: JsonObject;
  /** Signed and referenced credentials: as sent or stored (a compact JWT, an enveloped or a Data Integrity credential). */
  secured?: unknown;
  /** Generated drafts: a pointer inside the document -> the pointer into the request. */
  translate?: (pointer: string) => string;
  /** Signed and referenced credentials, once verified. */
  report?: VerificationReport;
}

const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const DATA_URL = /^data:application\/[a-z+]+,/;

function isSecured(value: unknown): boolean {
  if (typeof value === 'string') return true;
  return isObject(value) && (value['type'] === 'EnvelopedVerifiableCredential' || value['proof'] !== undefined);
}

function typesOf(document: JsonObject): string[] {
  const collect = (value: unknown) => (Array.isArray(value) ? value : [value]).filter((t): t is string => typeof t === 'string');
  const subject = document['credentialSubject'];
  return [...collect(document['type']), ...(isObject(subject) ? collect(subject['type']) : [])];
}

const GX_IRI = 'https://w3id.org/gaia-x/development#';
function hasType(document: JsonObject, type: string): boolean {
  const local = type.replace(/^gx:/, '');
  return typesOf(document).some((t) => t === type || t === `${GX_IRI}${local}`);
}

function subjectOf(document: JsonObject): JsonObject | undefined {
  const subject = document['credentialSubject'];
  return isObject(subject) ? subject : undefined;
}

/** `did:web:member.example#legal-person` -> `did:web:member.example`. */
function didOf(id: unknown): string | undefined {
  if (typeof id !== 'string' || !id.startsWith('did:')) return undefined;
  return id.split(/[#?]/)[0];
}

/** A secured credential as it goes into the presentation: enveloped when it is a JWT. */
function presentable(secured: unknown): JsonObject {
  if (typeof secured === 'string') {
    return DATA_URL.test(secured)
      ? { '@context': VC_V2_CONTEXT, id: secured, type: 'EnvelopedVerifiableCredential' }
      : { ...envelopeCredential(secured) };
  }
  return secured as JsonObject;
}

function finding(rule: string, pointer: string, message: string, hint: string, code?: ErrorCode): Finding {
  return { rule, ...(code === undefined ? {} : { code }), severity: 'violation', pointer, path: '', message, hint };
}

/** A compliance rule's finding as an onboarding finding, pointed into the request. */
function asFinding(ruleFinding: ComplianceFinding, pointer: string): Finding {
  return {
    rule: ruleFinding.rule,
    code: ruleFinding.code,
    severity: ruleFinding.severity === 'warning' ? 'warning' : 'violation',
    pointer,
    path: '',
    message: ruleFinding.message,
    hint: ruleFinding.hint,
  };
}

/** Codes of the rule findings about a link that resolves nowhere: SHACL's sh:class on that link says the same. */
const LINK_CODES: ReadonlySet<ErrorCode> = new Set(['DANGLING_REFERENCE', 'REGISTRATION_NUMBER_MISSING']);

/**
 * What a draft may carry besides its claims. Everything else at the top of a credential (evidence,
 * credentialStatus, termsOfUse, a name or description, ...) is something the service would assert
 * by signing it: gx-trust writes those itself (notary evidence only of a look-up that happened), or
 * not at all; claims belong in credentialSubject, where the shapes judge them.
 */
const DRAFT_PROPERTIES = new Set(['@context', 'type', 'id', 'issuer', 'credentialSubject', 'validFrom', 'validUntil', 'issuanceDate', 'expirationDate']);

/** The pointer into the request for a pointer inside an item's credential. */
function requestPointer(item: Item, inside: string): string {
  return item.translate === undefined ? item.origin + inside : item.translate(inside);
}

const REGISTRATION_NUMBER_IRIS = new Set<string>(REGISTRATION_NUMBER_CLASSES.map((local) => `${GX}${local}`));
const REGISTRATION_NUMBER_PROPERTY = `${GX}registrationNumber`;

/** The ids a LegalPerson names as its gx:registrationNumber, read from the expanded credential. */
function linkedNumbers(claims: CredentialClaims): Set<string> {
  const linked = new Set<string>();
  for (const subject of claims.subjects) {
    const values = subject.node[REGISTRATION_NUMBER_PROPERTY];
    for (const value of Array.isArray(values) ? values : []) {
      if (isObject(value) && typeof value['@id'] === 'string') linked.add(value['@id']);
    }
  }
  return linked;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function createOnboarding(deps: OnboardingDependencies): Onboarding {
  const registryLookup = deps.registryLookup ?? registryLookupOff;

  /** Verifies every signed item in place; the document becomes what the proof covers. */
  async function verifySecured(items: Item[]): Promise<{ pointer: string; report: VerificationReport }[]> {
    const failures: { pointer: string; report: VerificationReport }[] = [];
    for (const item of items) {
      if (item.role === 'draft') continue;
      const report = await deps.verifier.verifyCredential(item.secured);
      if (!report.verified || report.document === undefined) {
        failures.push({ pointer: item.origin, report });
        continue;
      }
      item.document = report.document;
      item.report = report;
    }
    return failures;
  }

  /** The validator points into the list it was given; point into the request body instead. */
  function located(result: Finding, items: readonly Item[]): Finding | undefined {
    const match = /^\/(\d+)(.*)$/.exec(result.pointer);
    const item = match === null ? undefined : items[Number(match[1])];
    if (item === undefined) return result;
    // A referenced LegalPerson was validated when it was issued, together with its registration
    // numbers, which are not part of this submission (its sh:class on them cannot hold here).
    if (item.role === 'reference') return undefined;
    const tail = match?.[2] ?? '';
    const pointer = item.translate === undefined ? item.origin + tail : item.translate(tail);
    const { credentialIndex: _index, ...rest } = result;
    return { ...rest, pointer };
  }

  function issuerFindings(items: readonly Item[]): Finding[] {
    return items
      .filter((item) => item.role === 'draft' && item.document['issuer'] !== undefined && item.document['issuer'] !== deps.serviceDid)
      .map((item) =>
        finding(
          'onboarding/issuer',
          `${item.origin}/issuer`,
          `gx-trust issues unsigned credentials as ${deps.serviceDid}, not as ${JSON.stringify(item.document['issuer'])}`,
          'Leave issuer out to have gx-trust issue it, or sign the credential with your own key and send it signed',
        ),
      );
  }

  /**
   * The draft exactly as it will be signed, before the notary's evidence: a registration number
   * gets gx-trust's notary validity (a later validUntil in the draft is cut to it).
   */
  function draftOf(item: Item, validityDays: number): JsonObject {
    const draft: JsonObject = { ...item.document };
    delete draft['issuer'];
    if (REGISTRATION_NUMBER_TYPES.some((type) => hasType(draft, type))) {
      const bound = new Date(deps.clock().getTime() + validityDays * 86_400_000);
      const asked = typeof draft['validUntil'] === 'string' ? new Date(draft['validUntil']) : undefined;
      if (asked === undefined || Number.isNaN(asked.getTime()) || asked > bound) draft['validUntil'] = isoSeconds(bound);
    }
    return draft;
  }

  /**
   * VAT ids as VIES and the notary credential write them (registration-numbers/vat-id.ts): a
   * draft's `gx:vatID` loses its separators and gets its member state prefix before it is checked
   * and signed; each change is an `info` finding, so the answer says what was written.
   */
  function normalizeNumbers(items: Item[]): Finding[] {
    const notes: Finding[] = [];
    for (const item of items) {
      const subject = subjectOf(item.document);
      const value = subject?.['gx:vatID'];
      if (item.role !== 'draft' || subject === undefined || typeof value !== 'string' || !hasType(item.document, 'gx:VatID')) continue;
      const country = subject['gx:countryCode'];
      const normalized = normalizeVatId(value, typeof country === 'string' ? country : undefined);
      if (normalized === value) continue;
      item.document = { ...item.document, credentialSubject: { ...subject, 'gx:vatID': normalized } };
      notes.push({
        rule: 'gx:VatID/normalized',
        severity: 'info',
        pointer: requestPointer(item, '/credentialSubject/gx:vatID'),
        path: `${GX}vatID`,
        message: `the VAT id ${JSON.stringify(value)} is written as ${normalized}, as VIES writes it`,
        hint: 'Nothing to do: this is the form gx-trust checked, looked up and signed',
      });
    }
    return notes;
  }

  /**
   * (2b) The compliance rules that judge content, over the submission as it will be issued (drafts
   * with gx-trust as issuer and its notary validity; signed credentials as verified), each finding
   * pointed back into the request. A registration number gx-trust itself notarises is checked
   * against its registry in (3), so its REGISTRATION_NUMBER_UNCHECKED is held back for then.
   */
  async function contentFindings(
    kind: 'participants' | 'service-offerings',
    items: readonly Item[],
    holder: string | undefined,
    validityDays: number,
  ): Promise<{ findings: Finding[]; unchecked: Map<Item, Finding> }> {
    const credentials = items.map((item) =>
      item.role === 'draft'
        ? { document: { ...draftOf(item, validityDays), issuer: deps.serviceDid } }
        : { document: item.document, ...(item.report === undefined ? {} : { report: item.report }) },
    );
    const base = items.some((item) => item.origin === '/participant') ? '/participant' : '/credentials';
    const ruled = await deps.contentReview.reviewContent(kind, credentials, { now: deps.clock(), ...(holder === undefined ? {} : { holder }) });
    const findings: Finding[] = [];
    const unchecked = new Map<Item, Finding>();
    for (const ruleFinding of ruled) {
      const match = /^\/verifiableCredential\/(\d+)(.*)$/.exec(ruleFinding.pointer);
      const item = match === null ? undefined : items[Number(match[1])];
      const tail = match?.[2] ?? '';
      const pointer = item === undefined ? base : item.role === 'reference' ? item.origin + tail : requestPointer(item, tail);
      if (ruleFinding.code === 'REGISTRATION_NUMBER_UNCHECKED' && item?.role === 'draft') {
        // About the look-up gx-trust makes, not about what the member wrote: at the number, as registryLookups[] names it.
        const type = REGISTRATION_NUMBER_TYPES.find((candidate) => hasType(item.document, candidate));
        const at = type === undefined ? pointer : requestPointer(item, `/credentialSubject/${NUMBER_PROPERTY[type]}`);
        unchecked.set(item, { ...asFinding(ruleFinding, at), severity: 'warning' });
      } else {
        findings.push(asFinding(ruleFinding, pointer));
      }
    }
    return { findings, unchecked };
  }

  /**
   * (2a) The signing policy on every draft, as findings: a type this endpoint does not issue, a
   * statement about another party's node, a draft property the service would assert; and for
   * registration numbers, the link from the participant's own LegalPerson, and the spelling the
   * registry look-up and the notary's validity read (`gx:VatID` with `gx:vatID`, ...).
   */
  async function draftFindings(
    signer: ScopedSigner,
    items: readonly Item[],
    legalPerson: Item | undefined,
    holder: string,
    principal: Principal,
    recordOptions: RecordedIssueOptions,
    validityDays: number,
  ): Promise<Finding[]> {
    const findings: Finding[] = [];
    // Only POST /participants issues registration numbers (the policy refuses them elsewhere).
    const linked = legalPerson === undefined || signer.module !== 'participants' ? new Set<string>() : linkedNumbers(await signer.read(legalPerson.document));
    for (const item of items) {
      if (item.role !== 'draft') continue;
      for (const key of Object.keys(item.document)) {
        if (DRAFT_PROPERTIES.has(key)) continue;
        findings.push(finding('onboarding/credential-property', requestPointer(item, `/${key}`), `gx-trust does not sign ${key} written by the member`, `Remove ${key}: gx-trust writes what it attests itself`));
      }
      const { refusal, claims } = await signer.review(draftOf(item, validityDays), { caller: principal, onBehalfOf: holder, pointer: item.origin }, recordOptions);
      if (refusal !== undefined) {
        findings.push(finding(`onboarding/${refusal.reason}`, requestPointer(item, refusal.pointer), refusal.message, refusal.hint, refusal.code));
        continue;
      }
      const types = [...claims.types, ...claims.subjects.flatMap((subject) => subject.types)];
      if (!types.some((type) => REGISTRATION_NUMBER_IRIS.has(type))) continue;
      const written = REGISTRATION_NUMBER_TYPES.find((type) => hasType(item.document, type));
      if (written === undefined || typeof subjectOf(item.document)?.[NUMBER_PROPERTY[written]] !== 'string') {
        findings.push(finding('onboarding/registration-number-spelling', requestPointer(item, '/type'), 'gx-trust notarises a registration number written with its gx: type and property (e.g. gx:VatID with gx:vatID)', 'Write the type and the number property with the gx: prefix, as POST /participants writes them'));
      }
      for (const [index, subject] of claims.subjects.entries()) {
        if (subject.id === undefined || linked.has(subject.id)) continue;
        const at = Array.isArray(item.document['credentialSubject']) ? `/credentialSubject/${index}/id` : '/credentialSubject/id';
        findings.push(finding('onboarding/registration-number-link', requestPointer(item, at), `gx-trust notarises ${subject.id} only as a registration number of the participant's LegalPerson, which does not name it`, `List ${subject.id} in the LegalPerson's gx:registrationNumber, or leave this number out`));
      }
    }
    return findings;
  }

  /** Asks the registry about each number gx-trust is about to notarise. */
  async function lookUpNumbers(items: readonly Item[]): Promise<{ notes: RegistryLookupNote[]; evidence: Map<Item, RegistrationNumberEvidence>; findings: Finding[] }> {
    const notes: RegistryLookupNote[] = [];
    const evidence = new Map<Item, RegistrationNumberEvidence>();
    const findings: Finding[] = [];
    for (const item of items) {
      if (item.role !== 'draft') continue;
      const type = REGISTRATION_NUMBER_TYPES.find((candidate) => hasType(item.document, candidate));
      const subject = subjectOf(item.document);
      if (type === undefined || subject === undefined) continue;
      const property = NUMBER_PROPERTY[type];
      const value = subject[property];
      if (typeof value !== 'string') continue;
      const tail = `/credentialSubject/${property}`;
      const pointer = item.translate === undefined ? item.origin + tail : item.translate(tail);
      const result = await registryLookup.lookUp(type, value);
      if (result.status === 'invalid') {
        findings.push(finding(`${type}/registry`, pointer, result.message, `Check the number against ${result.evidence['gx:evidenceURL']}`));
      } else if (result.status === 'valid') {
        evidence.set(item, result.evidence);
        notes.push({ pointer, type, value, status: 'valid' });
      } else {
        notes.push({ pointer, type, value, status: 'not-checked', reason: result.reason });
      }
    }
    return { notes, evidence, findings };
  }

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

  async function run(
    kind: 'participants' | 'service-offerings',
    items: Item[],
    options: OnboardingOptions | undefined,
    context: OnboardingContext,
    request: unknown,
  ): Promise<OnboardingOutcome> {
    const recordOptions = issueOptions(options);
    const key = context.idempotencyKey === undefined ? undefined : `${context.principal.actor}:${kind}:${context.idempotencyKey}`;
    if (key !== undefined) {
      const replay = await claimIdempotencyKey(deps.store, context.idempotencyKey!, key, request);
      if (replay !== undefined) return JSON.parse(replay) as OnboardingOutcome;
    }
    try {
      const outcome = await onboard(kind, items, options, recordOptions, context);
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

  async function onboard(
    kind: 'participants' | 'service-offerings',
    items: Item[],
    options: OnboardingOptions | undefined,
    recordOptions: RecordedIssueOptions,
    context: OnboardingContext,
  ): Promise<OnboardingOutcome> {
    // (1) Proofs first: a credential whose proof fails is not judged on its content.
    const failures = await verifySecured(items);
    if (failures.length > 0) return { status: 'unverified', failures };
    const validityDays = options?.registrationNumberValidityDays ?? DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS;
    const normalized = normalizeNumbers(items);

    // Who the submission is about: the LegalPerson's DID, the holder of the presentation. That a
    // participant submits exactly one is the legal-person-issuer rule's to say, in (2b).
    const legalPeople = items.filter((item) => hasType(item.document, 'gx:LegalPerson'));
    const submissionFindings: Finding[] = [...issuerFindings(items)];
    if (kind === 'participants') {
      if (!items.some((item) => hasType(item.document, 'gx:Issuer'))) {
        submissionFindings.push(finding('onboarding/issuer-credential', '/credentials', 'the submission holds no gx:Issuer credential (terms and conditions)', 'Add a gx:Issuer credential with gx:gaiaxTermsAndConditions'));
      }
    } else {
      const reference = items.find((item) => item.role === 'reference');
      if (reference !== undefined && !hasType(reference.document, 'gx:LegalPerson')) {
        submissionFindings.push(finding('onboarding/legal-person', reference.origin, 'legalPerson does not name a gx:LegalPerson credential', 'Name the LegalPerson credential POST /participants returned'));
      }
      if (!items.some((item) => item.role !== 'reference' && hasType(item.document, 'gx:ServiceOffering'))) {
        submissionFindings.push(finding('onboarding/service-offering', '/credentials', 'the submission holds no gx:ServiceOffering credential', 'Add the gx:ServiceOffering credential'));
      }
    }
    const legalPerson = legalPeople[0];
    const legalPersonId = legalPerson === undefined ? undefined : subjectOf(legalPerson.document)?.['id'];
    const holder = didOf(legalPersonId);
    if (legalPerson !== undefined && holder === undefined) {
      submissionFindings.push(finding('onboarding/holder', `${legalPerson.origin}/credentialSubject/id`, 'the LegalPerson has no DID URL as its id', 'Give the LegalPerson an id under your DID, e.g. did:web:member.example#legal-person'));
    }
    const signer = kind === 'participants' ? deps.signers.participants : deps.signers.serviceOfferings;
    if (holder !== undefined) {
      // A member onboards only its own DIDs (403, audited); an admin any.
      await signer.authorizeOnBehalfOf(context.principal, holder);
      submissionFindings.push(...(await draftFindings(signer, items, legalPerson, holder, context.principal, recordOptions, validityDays)));
    }

    // (2a) The Danube shapes and rules over the whole submission, findings located in the request body.
    const validation = await deps.validator.validate(items.map((item) => item.document)).catch((error: unknown) => {
      throw pointedIntoRequest(error, (index) => items[index]?.origin); // GRAPH_TOO_LARGE
    });
    // (2b) The compliance rules that judge content. A policy finding at the same place already
    // says it (a number the LegalPerson does not name); and, as at compliance, a link the rules
    // find dangling is not named a second time by SHACL's sh:class.
    const content = await contentFindings(kind, items, holder, validityDays);
    const policyPointers = new Set(submissionFindings.map((f) => f.pointer));
    const ruled = content.findings.filter((f) => !policyPointers.has(f.pointer));
    const dangling = ruled.filter((f) => f.code !== undefined && LINK_CODES.has(f.code)).map((f) => f.pointer);
    const shapes = validation.findings
      .map((f) => located(f, items))
      .filter((f): f is Finding => f !== undefined && !(f.rule === 'shacl:class' && dangling.some((p) => f.pointer.startsWith(p))));
    const findings = [...submissionFindings, ...shapes, ...ruled, ...normalized];
    if (!conforms(findings) || holder === undefined || typeof legalPersonId !== 'string') return { status: 'invalid', findings };

    // (3) Registries (off by default: every number is then reported as not checked, and the
    // compliance engine's REGISTRATION_NUMBER_UNCHECKED is told now, as a warning).
    const lookups = await lookUpNumbers(items);
    if (lookups.findings.length > 0) return { status: 'invalid', findings: [...findings, ...lookups.findings] };
    for (const [item, unchecked] of content.unchecked) if (!lookups.evidence.has(item)) findings.push(unchecked);

    // (4) Issue. Nothing was signed or stored before this point. Onboarding the same participant
    // (or offering) again replaces what this service issued for it last time: the previous set is
    // revoked, reason `superseded`, with the labels that cover it, in the transaction that stores
    // the last credential of the new set; before that commits, the previous set stays in force.
    const series = seriesOf(kind, holder, items);
    const previous = series === undefined ? [] : await deps.store.seriesCredentials(series);
    const lastDraft = items.filter((item) => item.role === 'draft').at(-1);
    const supersede = previous.length === 0 ? undefined : await deps.supersession(previous, context.principal.actor);
    const credentials: OnboardedCredential[] = [];
    for (const item of items) {
      if (item.role !== 'draft') {
        credentials.push({
          id: typeof item.document['id'] === 'string' ? item.document['id'] : undefined,
          type: typesOf(item.document).filter((t, i, all) => all.indexOf(t) === i),
          origin: item.role === 'signed' ? 'submitted' : 'referenced',
          format: typeof item.secured === 'string' || (isObject(item.secured) && item.secured['type'] === 'EnvelopedVerifiableCredential') ? 'vc+jwt' : 'ldp_vc',
          verifiableCredential: presentable(item.secured),
        });
        continue;
      }
      // gx-trust acting as notary: a bounded validity (draftOf), and evidence only of a look-up that happened.
      const draft = draftOf(item, validityDays);
      const evidence = lookups.evidence.get(item);
      if (evidence !== undefined) draft['evidence'] = evidence;
      const draftOptions: RecordedIssueOptions = {
        ...recordOptions,
        ...(series === undefined ? {} : { series }),
        ...(item === lastDraft && supersede !== undefined ? { supersede } : {}),
      };
      const issued = await signer.issueCredential(draft, draftOptions, { caller: context.principal, onBehalfOf: holder, pointer: item.origin });
      const document = issued.format === 'vc+jwt' ? decodePayload(issued.jwt) : issued.verifiableCredential;
      credentials.push({
        id: typeof document['id'] === 'string' ? document['id'] : undefined,
        type: typesOf(draft).filter((t, i, all) => all.indexOf(t) === i),
        origin: 'issued',
        format: issued.format,
        verifiableCredential: issued.verifiableCredential,
        ...(issued.format === 'vc+jwt' ? { jwt: issued.jwt } : {}),
      });
    }
    return {
      status: 'issued',
      holder,
      legalPersonId,
      credentials,
      verifiablePresentation: {
        '@context': [VC_V2_CONTEXT],
        type: ['VerifiablePresentation'],
        holder,
        verifiableCredential: credentials.map((c) => c.verifiableCredential),
      },
      registryLookups: lookups.notes,
      findings: findings.filter((f) => f.severity !== 'violation'),
      superseded: lastDraft === undefined ? [] : previous.map((c) => c.id),
    };
  }

  function submitted(credentials: readonly unknown[], base: string): Item[] {
    return credentials.map((credential, index): Item => {
      const origin = `${base}/${index}`;
      if (isSecured(credential)) return { origin, role: 'signed', document: {}, secured: credential };
      return { origin, role: 'draft', document: credential as JsonObject };
    });
  }

  /**
   * The LegalPerson named by its subject id (`<did>#legal-person`, the legalPersonId POST
   * /participants answers, which is also what gx:providedBy names): the one of the participant's
   * current set (onboarding again supersedes the previous set), else the newest issued about it.
   * A revoked one is refused when it is verified, as one named by its credential id.
   */
  async function newestLegalPersonAbout(subject: string): Promise<CredentialRecord | undefined> {
    const did = /^did:[a-z0-9]+:[^#?\s]+/.exec(subject)?.[0];
    if (did === undefined || did === subject) return undefined;
    const isIt = (record: CredentialRecord) => record.subject === subject && record.types.some((type) => /(^|[:#/])LegalPerson$/.test(type));
    const current = (await deps.store.seriesCredentials(seriesOf('participants', did, [])!)).filter(isIt).at(-1);
    return current ?? (await deps.store.credentialsOfDid(did)).find(isIt);
  }

  async function reference(legalPerson: unknown): Promise<Item> {
    if (typeof legalPerson === 'string' && !COMPACT_JWT.test(legalPerson) && !DATA_URL.test(legalPerson)) {
      const record = (await deps.store.getCredential(legalPerson)) ?? (await newestLegalPersonAbout(legalPerson));
      if (record === undefined) {
        throw new GxTrustError('NOT_FOUND', `no credential ${legalPerson} was issued by this service, nor a gx:LegalPerson about it`, {
          pointer: '/legalPerson',
          hint: 'Name the LegalPerson credential id or the legalPersonId POST /participants returned, or send the LegalPerson credential itself',
        });
      }
      const secured = COMPACT_JWT.test(record.credential) ? record.credential : (JSON.parse(record.credential) as unknown);
      return { origin: '/legalPerson', role: 'reference', document: {}, secured };
    }
    if (!isSecured(legalPerson)) {
      throw new GxTrustError('INVALID_INPUT', 'legalPerson must be an issued credential: its id, a JWT, or a signed credential', { pointer: '/legalPerson' });
    }
    return { origin: '/legalPerson', role: 'reference', document: {}, secured: legalPerson };
  }

  return {
    participantFromData(participant, options, context, request) {
      const items = participantCredentials(participant).map(
        (generated): Item => ({ origin: '/participant', role: 'draft', document: generated.document, translate: generated.translate }),
      );
      return run('participants', items, options, context, request);
    },
    participantFromCredentials(credentials, options, context, request) {
      return run('participants', submitted(credentials, '/credentials'), options, context, request);
    },
    async serviceOffering(legalPerson, credentials, options, context, request) {
      const items = [...submitted(credentials, '/credentials'), await reference(legalPerson)];
      return run('service-offerings', items, options, context, request);
    },
  };
}

/**
 * What onboarding again replaces: a participant's set by its DID; a service offering's by the
 * offering's id (its subject). undefined: nothing names the series.
 */
function seriesOf(kind: 'participants' | 'service-offerings', holder: string, items: readonly Item[]): string | undefined {
  if (kind === 'participants') return `participant:${holder}`;
  const offering = items.find((item) => item.role !== 'reference' && hasType(item.document, 'gx:ServiceOffering'));
  const id = offering === undefined ? undefined : subjectOf(offering.document)?.['id'];
  return typeof id === 'string' ? `service-offering:${id}` : undefined;
}

function decodePayload(jwt: string): JsonObject {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonObject;
}
