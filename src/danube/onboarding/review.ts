/**
 * Steps (1) and (2) of onboarding, nothing signed: verify what the member signed, hold each draft
 * to the signing policy, locate the Danube validator's findings in the request, and run the
 * compliance rules that judge content over the submission as it will be issued.
 */
import type { Principal } from '../../access/principal.js';
import type { ContentReview } from '../../compliance/content-rules.js';
import { isObject, type JsonObject } from '../../credentials/index.js';
import type { ErrorCode } from '../../errors.js';
import type { CredentialClaims } from '../../issuing/credential-claims.js';
import type { RecordedIssueOptions } from '../../issuing/recorded.js';
import type { ScopedSigner } from '../../issuing/signing-policy.js';
import type { VerificationReport, Verifier } from '../../verifying/index.js';
import type { Finding } from '../finding.js';
import { GX } from '../namespaces.js';
import { NOTARISED_REGISTRATION_NUMBER_CLASSES } from '../ontology.js';
import { asFinding, finding, requestPointer, subjectOf, type Item } from './items.js';
import { draftOf, notarisedType } from './notary.js';
import { NUMBER_PROPERTY } from './participant.js';

export type SubmissionKind = 'participants' | 'service-offerings';

/** (1) Verifies every signed item in place; the document becomes what the proof covers. */
export async function verifySecured(verifier: Verifier, items: Item[]): Promise<{ pointer: string; report: VerificationReport }[]> {
  const failures: { pointer: string; report: VerificationReport }[] = [];
  for (const item of items) {
    if (item.role === 'draft') continue;
    const report = await verifier.verifyCredential(item.secured);
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
export function located(result: Finding, items: readonly Item[]): Finding | undefined {
  const match = /^\/(\d+)(.*)$/.exec(result.pointer);
  const item = match === null ? undefined : items[Number(match[1])];
  if (item === undefined) return result;
  // A referenced LegalPerson was validated when it was issued, together with its registration
  // numbers, which are not part of this submission (its sh:class on them cannot hold here).
  if (item.role === 'reference') return undefined;
  const { credentialIndex: _index, ...rest } = result;
  return { ...rest, pointer: requestPointer(item, match?.[2] ?? '') };
}

/** A draft names another issuer than the service: gx-trust signs drafts only as itself. */
export function issuerFindings(items: readonly Item[], serviceDid: string): Finding[] {
  return items
    .filter((item) => item.role === 'draft' && item.document['issuer'] !== undefined && item.document['issuer'] !== serviceDid)
    .map((item) =>
      finding(
        'onboarding/issuer',
        `${item.origin}/issuer`,
        `gx-trust issues unsigned credentials as ${serviceDid}, not as ${JSON.stringify(item.document['issuer'])}`,
        'Leave issuer out to have gx-trust issue it, or sign the credential with your own key and send it signed',
      ),
    );
}

/**
 * What a draft may carry besides its claims. Everything else at the top of a credential (evidence,
 * credentialStatus, termsOfUse, a name or description, ...) is something the service would assert
 * by signing it: gx-trust writes those itself (notary evidence only of a look-up that happened), or
 * not at all; claims belong in credentialSubject, where the shapes judge them.
 */
const DRAFT_PROPERTIES = new Set(['@context', 'type', 'id', 'issuer', 'credentialSubject', 'validFrom', 'validUntil', 'issuanceDate', 'expirationDate']);

const REGISTRATION_NUMBER_IRIS = new Set<string>(NOTARISED_REGISTRATION_NUMBER_CLASSES.map((local) => `${GX}${local}`));
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

export interface DraftReview {
  signer: ScopedSigner;
  legalPerson: Item | undefined;
  holder: string;
  principal: Principal;
  recordOptions: RecordedIssueOptions;
  validityDays: number;
  now: Date;
}

/**
 * (2a) The signing policy on every draft, as findings: a type this endpoint does not issue, a
 * statement about another party's node, a draft property the service would assert; and for
 * registration numbers, the link from the participant's own LegalPerson, and the spelling the
 * registry look-up and the notary's validity read (`gx:VatID` with `gx:vatID`, ...).
 */
export async function draftFindings(items: readonly Item[], review: DraftReview): Promise<Finding[]> {
  const { signer, legalPerson } = review;
  const findings: Finding[] = [];
  // Only POST /participants issues registration numbers (the policy refuses them elsewhere).
  const linked = legalPerson === undefined || signer.module !== 'participants' ? new Set<string>() : linkedNumbers(await signer.read(legalPerson.document));
  for (const item of items) {
    if (item.role !== 'draft') continue;
    for (const key of Object.keys(item.document)) {
      if (DRAFT_PROPERTIES.has(key)) continue;
      findings.push(finding('onboarding/credential-property', requestPointer(item, `/${key}`), `gx-trust does not sign ${key} written by the member`, `Remove ${key}: gx-trust writes what it attests itself`));
    }
    const { refusal, claims } = await signer.review(draftOf(item, review.validityDays, review.now), { caller: review.principal, onBehalfOf: review.holder, pointer: item.origin }, review.recordOptions);
    if (refusal !== undefined) {
      findings.push(finding(`onboarding/${refusal.reason}`, requestPointer(item, refusal.pointer), refusal.message, refusal.hint, refusal.code));
      continue;
    }
    const types = [...claims.types, ...claims.subjects.flatMap((subject) => subject.types)];
    if (!types.some((type) => REGISTRATION_NUMBER_IRIS.has(type))) continue;
    const written = notarisedType(item.document);
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

/**
 * (2b) The compliance rules that judge content, over the submission as it will be issued (drafts
 * with gx-trust as issuer and its notary validity; signed credentials as verified), each finding
 * pointed back into the request. A registration number gx-trust itself notarises is checked
 * against its registry in (3), so its REGISTRATION_NUMBER_UNCHECKED is held back for then.
 */
export async function contentFindings(
  contentReview: ContentReview,
  kind: SubmissionKind,
  items: readonly Item[],
  issuance: { serviceDid: string; holder: string | undefined; validityDays: number; now: Date },
): Promise<{ findings: Finding[]; unchecked: Map<Item, Finding> }> {
  const { holder, validityDays, now } = issuance;
  const credentials = items.map((item) =>
    item.role === 'draft'
      ? { document: { ...draftOf(item, validityDays, now), issuer: issuance.serviceDid } as JsonObject }
      : { document: item.document, ...(item.report === undefined ? {} : { report: item.report }) },
  );
  const base = items.some((item) => item.origin === '/participant') ? '/participant' : '/credentials';
  const ruled = await contentReview.reviewContent(kind, credentials, { now, ...(holder === undefined ? {} : { holder }) });
  const findings: Finding[] = [];
  const unchecked = new Map<Item, Finding>();
  for (const ruleFinding of ruled) {
    const match = /^\/verifiableCredential\/(\d+)(.*)$/.exec(ruleFinding.pointer);
    const item = match === null ? undefined : items[Number(match[1])];
    const tail = match?.[2] ?? '';
    const pointer = item === undefined ? base : item.role === 'reference' ? item.origin + tail : requestPointer(item, tail);
    if (ruleFinding.code === 'REGISTRATION_NUMBER_UNCHECKED' && item?.role === 'draft') {
      // About the look-up gx-trust makes, not about what the member wrote: at the number, as registryLookups[] names it.
      const type = notarisedType(item.document);
      const at = type === undefined ? pointer : requestPointer(item, `/credentialSubject/${NUMBER_PROPERTY[type]}`);
      unchecked.set(item, { ...asFinding(ruleFinding, at), severity: 'warning' });
    } else {
      findings.push(asFinding(ruleFinding, pointer));
    }
  }
  return { findings, unchecked };
}

/** Codes of the rule findings about a link that resolves nowhere: SHACL's sh:class on that link says the same. */
const LINK_CODES: ReadonlySet<ErrorCode> = new Set(['DANGLING_REFERENCE', 'REGISTRATION_NUMBER_MISSING']);

/**
 * All findings of (2): a policy finding at the same place already says what a rule would (a number
 * the LegalPerson does not name); and, as at compliance, a link the rules find dangling is not
 * named a second time by SHACL's sh:class.
 */
export function mergedFindings(policy: readonly Finding[], shapes: readonly Finding[], content: readonly Finding[], items: readonly Item[]): Finding[] {
  const policyPointers = new Set(policy.map((f) => f.pointer));
  const ruled = content.filter((f) => !policyPointers.has(f.pointer));
  const dangling = ruled.filter((f) => f.code !== undefined && LINK_CODES.has(f.code)).map((f) => f.pointer);
  const shaped = shapes
    .map((f) => located(f, items))
    .filter((f): f is Finding => f !== undefined && !(f.rule === 'shacl:class' && dangling.some((p) => f.pointer.startsWith(p))));
  return [...policy, ...shaped, ...ruled];
}
