/**
 * One call from a member's records to a label: gather the member's current LegalPerson,
 * registration-number, issuer (terms and conditions) and service-offering credentials with the
 * resources each offering links and the IPCEI-AI profiles of those (or the ids given), sign the presentation as the member (vp+jwt, its certified RSA key), and run the
 * compliance engine on it exactly as POST /compliance would: the decision is recorded and audited
 * the same way, and a refusal carries the same findings.
 */
import type { ComplianceEngine, ComplianceResult } from '../compliance/engine.js';
import type { LabelLevel } from '../compliance/criteria.js';
import { NOTARISED_REGISTRATION_NUMBER_CLASSES, NOTARISED_REGISTRATION_NUMBER_TYPES } from '../danube/ontology.js';
import { linkedIds } from '../compliance/types.js';
import { GxTrustError, type ProblemDetail } from '../errors.js';
import type { SigningCaller } from '../issuing/signing-policy.js';
import type { CredentialRecord, CredentialVisibility, MemberRecord } from '../storage/store.js';
import type { MemberPresentations } from './presentations.js';

/** The levels by the names of the Gaia-X compliance service's paths (/api/credential-offers/<name>). */
export const LABEL_LEVEL_NAMES = {
  'standard-compliance': 'SC',
  'label-level-1': 'L1',
  'label-level-2': 'L2',
  'label-level-3': 'L3',
} as const satisfies Record<string, LabelLevel>;
export type LabelLevelName = keyof typeof LABEL_LEVEL_NAMES;

export interface LabelRequest {
  level: LabelLevelName;
  /** The credentials to present instead of the gathered ones. */
  credentials?: readonly string[] | undefined;
  /** Of the label credential: 'public' lets anyone fetch it (GET /credentials/{id}); 'private' by default. */
  visibility?: CredentialVisibility | undefined;
}

export interface MemberLabels {
  request(member: MemberRecord, request: LabelRequest, caller: SigningCaller): Promise<{ presentation: string; result: ComplianceResult }>;
}

/** What a label needs, by the local names of the credential types (as written: gx:LegalPerson, LegalPerson, or the IRI). */
const KINDS = {
  legalPerson: { types: ['LegalPerson'], label: 'gx:LegalPerson', required: true },
  registrationNumber: { types: NOTARISED_REGISTRATION_NUMBER_CLASSES, label: `a registration number (${NOTARISED_REGISTRATION_NUMBER_TYPES.slice(0, -1).join(', ')} or ${NOTARISED_REGISTRATION_NUMBER_TYPES.at(-1)!})`, required: true },
  issuer: { types: ['Issuer'], label: 'gx:Issuer (the Gaia-X terms and conditions)', required: true },
  serviceOffering: { types: ['ServiceOffering', 'DigitalServiceOffering', 'DataProduct'], label: 'gx:ServiceOffering', required: false },
} as const;
type Kind = keyof typeof KINDS;

const localName = (type: string) => type.slice(Math.max(type.lastIndexOf(':'), type.lastIndexOf('#'), type.lastIndexOf('/')) + 1);

function kindOf(record: CredentialRecord): Kind | undefined {
  const locals = record.types.map(localName);
  // A label is never presented to get a label: it states what compliance found, not a claim.
  if (locals.includes('LabelCredential')) return undefined;
  return (Object.keys(KINDS) as Kind[]).find((kind) => KINDS[kind].types.some((t) => (locals as string[]).includes(t)));
}

/**
 * The links the compliance rule `references` follows from an offering (and from a resource to the
 * resources it is made of or runs on), and the IPCEI-AI profile's link to what it describes; by
 * local name, as a credential may write `gx:hostedOn` or the full IRI.
 */
const RESOURCE_LINKS = ['aggregationOfResources', 'hostedOn'];
const PROFILE_LINK = 'profileOf';

/** The credentialSubject of a stored credential: a compact JWT's payload, or the JSON-LD document. */
function subjectOf(record: CredentialRecord): Record<string, unknown> | undefined {
  try {
    const text = record.credential.trim();
    const document: unknown = text.startsWith('{') ? JSON.parse(text) : JSON.parse(Buffer.from(text.split('.')[1] ?? '', 'base64url').toString('utf8'));
    const subject = (document as Record<string, unknown>)['credentialSubject'];
    return typeof subject === 'object' && subject !== null && !Array.isArray(subject) ? (subject as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function linksOf(subject: Record<string, unknown> | undefined, names: readonly string[]): string[] {
  if (subject === undefined) return [];
  return Object.entries(subject).flatMap(([key, value]) => (names.includes(localName(key)) ? linkedIds(value) : []));
}

/**
 * The newest current credential of each kind; of registration numbers, the newest of each type (a
 * member may hold a VAT id and a LEI code); every current service offering, with the newest
 * current credential about each resource it links (transitively) and about each IPCEI-AI profile of
 * the offering or those resources: compliance refuses an offering whose resources are not
 * presented (DANGLING_REFERENCE), and the label should cover what the member registered with it.
 * `records` come newest first.
 */
export function gatherLabelCredentials(records: readonly CredentialRecord[]): { credentials: CredentialRecord[]; missing: Kind[] } {
  const picked: CredentialRecord[] = [];
  const seen = new Set<string>();
  const found = new Set<Kind>();
  for (const record of records) {
    const kind = kindOf(record);
    if (kind === undefined) continue;
    const key = kind === 'registrationNumber' ? `${kind}:${record.types.map(localName).sort().join(',')}` : kind === 'serviceOffering' ? `${kind}:${record.id}` : kind;
    if (seen.has(key)) continue;
    seen.add(key);
    found.add(kind);
    picked.push(record);
  }
  const missing = (Object.keys(KINDS) as Kind[]).filter((kind) => KINDS[kind].required && !found.has(kind));

  // What the offerings are made of: the newest current credential about each linked node.
  const newestAbout = new Map<string, CredentialRecord>();
  for (const record of records) if (record.subject !== null && !newestAbout.has(record.subject) && !record.types.map(localName).includes('LabelCredential')) newestAbout.set(record.subject, record);
  const pickedIds = new Set(picked.map((record) => record.id));
  const offerings = picked.filter((record) => kindOf(record) === 'serviceOffering');
  const described = new Set(offerings.map((record) => record.subject).filter((id): id is string => id !== null));
  const queue = offerings.flatMap((record) => linksOf(subjectOf(record), RESOURCE_LINKS));
  const resources: CredentialRecord[] = [];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (described.has(id)) continue;
    described.add(id);
    const record = newestAbout.get(id);
    if (record === undefined || pickedIds.has(record.id)) continue;
    pickedIds.add(record.id);
    resources.push(record);
    queue.push(...linksOf(subjectOf(record), RESOURCE_LINKS));
  }
  const profiles = [...newestAbout.values()].filter(
    (record) => !pickedIds.has(record.id) && linksOf(subjectOf(record), [PROFILE_LINK]).some((id) => described.has(id)),
  );

  // The order of a Gaia-X submission: the participant first, then its numbers, terms, offerings,
  // and what the offerings are made of.
  const order = Object.keys(KINDS) as Kind[];
  picked.sort((a, b) => order.indexOf(kindOf(a)!) - order.indexOf(kindOf(b)!));
  return { credentials: [...picked, ...resources, ...profiles.reverse()], missing };
}

export function createMemberLabels(deps: { presentations: MemberPresentations; compliance: Pick<ComplianceEngine, 'decide'> }): MemberLabels {
  return {
    async request(member, request, caller) {
      let credentials: CredentialRecord[];
      if (request.credentials !== undefined) {
        credentials = await deps.presentations.owned(member, request.credentials, caller, '/credentials');
      } else {
        const gathered = gatherLabelCredentials(await deps.presentations.current(member));
        if (gathered.missing.length > 0) {
          const errors: ProblemDetail[] = gathered.missing.map((kind) => ({
            code: 'LABEL_CREDENTIALS_MISSING',
            pointer: '',
            detail: `${member.did} holds no current ${KINDS[kind].label} credential`,
            hint: 'Onboard first: POST /participants issues the LegalPerson, registration-number and issuer credentials',
          }));
          throw new GxTrustError('LABEL_CREDENTIALS_MISSING', `a label needs ${gathered.missing.map((kind) => KINDS[kind].label).join(', ')}; ${member.did} holds none that is current`, {
            hint: 'Onboard first (POST /participants), or name the credentials to present in "credentials"',
            errors,
          });
        }
        credentials = gathered.credentials;
      }
      const signed = await deps.presentations.sign(member, credentials, { format: 'vp+jwt' }, caller);
      if (signed.format !== 'vp+jwt') throw new GxTrustError('INTERNAL', 'the label presentation was not signed as a vp+jwt');
      const result = await deps.compliance.decide(signed.jwt, {
        level: LABEL_LEVEL_NAMES[request.level],
        caller,
        ...(request.visibility === undefined ? {} : { visibility: request.visibility }),
        // The presentation was signed as the member a moment ago: any other holder is our fault.
        authorize: async (presenter) => {
          if (presenter !== member.did) throw new GxTrustError('INTERNAL', `the label presentation names ${String(presenter)}, not ${member.did}`);
        },
      });
      return { presentation: signed.jwt, result };
    },
  };
}
