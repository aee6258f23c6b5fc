/**
 * POST /service-offerings: an offering's credentials with the LegalPerson of the participant that
 * offers it (named by id, or sent), and what the submission must hold beyond the shapes.
 */
import { GxTrustError } from '../../errors.js';
import type { CredentialRepository } from '../../storage/repositories.js';
import type { CredentialRecord } from '../../storage/store.js';
import { participantSeries } from './participant-onboarding.js';
import type { Finding } from '../finding.js';
import { COMPACT_JWT, DATA_URL, finding, hasType, isSecured, subjectOf, type Item } from './items.js';

type LegalPersonStore = Pick<CredentialRepository, 'getCredential' | 'seriesCredentials' | 'credentialsOfDid'>;

/**
 * The LegalPerson named by its subject id (`<did>#legal-person`, the legalPersonId POST
 * /participants answers, which is also what gx:providedBy names): the one of the participant's
 * current set (onboarding again supersedes the previous set), else the newest issued about it.
 * A revoked one is refused when it is verified, as one named by its credential id.
 */
async function newestLegalPersonAbout(store: LegalPersonStore, subject: string): Promise<CredentialRecord | undefined> {
  const did = /^did:[a-z0-9]+:[^#?\s]+/.exec(subject)?.[0];
  if (did === undefined || did === subject) return undefined;
  const isIt = (record: CredentialRecord) => record.subject === subject && record.types.some((type) => /(^|[:#/])LegalPerson$/.test(type));
  const current = (await store.seriesCredentials(participantSeries(did))).filter(isIt).at(-1);
  return current ?? (await store.credentialsOfDid(did)).find(isIt);
}

/** The offering's LegalPerson: a credential this service issued (by id or subject id), or a secured one sent with the request. */
export async function referencedLegalPerson(store: LegalPersonStore, legalPerson: unknown): Promise<Item> {
  if (typeof legalPerson === 'string' && !COMPACT_JWT.test(legalPerson) && !DATA_URL.test(legalPerson)) {
    const record = (await store.getCredential(legalPerson)) ?? (await newestLegalPersonAbout(store, legalPerson));
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

const offeringOf = (items: readonly Item[]): Item | undefined => items.find((item) => item.role !== 'reference' && hasType(item.document, 'gx:ServiceOffering'));

/** The reference names a LegalPerson, and the submission holds the offering itself. */
export function serviceOfferingSubmissionFindings(items: readonly Item[]): Finding[] {
  const findings: Finding[] = [];
  const reference = items.find((item) => item.role === 'reference');
  if (reference !== undefined && !hasType(reference.document, 'gx:LegalPerson')) {
    findings.push(finding('onboarding/legal-person', reference.origin, 'legalPerson does not name a gx:LegalPerson credential', 'Name the LegalPerson credential POST /participants returned'));
  }
  if (offeringOf(items) === undefined) {
    findings.push(finding('onboarding/service-offering', '/credentials', 'the submission holds no gx:ServiceOffering credential', 'Add the gx:ServiceOffering credential'));
  }
  return findings;
}

/** An offering's set is replaced, on registering it again, by the offering's id (its subject); undefined: nothing names it. */
export function serviceOfferingSeries(items: readonly Item[]): string | undefined {
  const offering = offeringOf(items);
  const id = offering === undefined ? undefined : subjectOf(offering.document)?.['id'];
  return typeof id === 'string' ? `service-offering:${id}` : undefined;
}
