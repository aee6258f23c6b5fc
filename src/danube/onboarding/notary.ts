/**
 * gx-trust as a notary of registration numbers: the validity it gives them, the form it writes a
 * VAT id in, and the registry look-ups whose evidence goes into the credential.
 */
import type { JsonObject } from '../../credentials/index.js';
import { GX } from '../namespaces.js';
import type { Finding } from '../finding.js';
import { NOTARISED_REGISTRATION_NUMBER_TYPES } from '../ontology.js';
import { normalizeVatId, type RegistrationNumberEvidence, type RegistrationNumberType, type RegistryLookup } from '../registration-numbers/index.js';
import { finding, hasType, requestPointer, subjectOf, type Item } from './items.js';
import { NUMBER_PROPERTY } from './participant.js';

/** Gaia-X notaries issue registration-number credentials for 90 days (Loire notaries: validUntil = validFrom + 90 d). */
export const DEFAULT_REGISTRATION_NUMBER_VALIDITY_DAYS = 90;

export interface RegistryLookupNote {
  pointer: string;
  type: RegistrationNumberType;
  value: string;
  status: 'valid' | 'not-checked';
  reason?: string;
}

/** The registration-number type a draft is written as (gx:VatID, ...), if it is one gx-trust notarises. */
export function notarisedType(document: JsonObject): RegistrationNumberType | undefined {
  return NOTARISED_REGISTRATION_NUMBER_TYPES.find((type) => hasType(document, type));
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * The draft exactly as it will be signed, before the notary's evidence: a registration number
 * gets gx-trust's notary validity (a later validUntil in the draft is cut to it).
 */
export function draftOf(item: Item, validityDays: number, now: Date): JsonObject {
  const draft: JsonObject = { ...item.document };
  delete draft['issuer'];
  if (notarisedType(draft) !== undefined) {
    const bound = new Date(now.getTime() + validityDays * 86_400_000);
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
export function normalizeNumbers(items: Item[]): Finding[] {
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

/** Asks the registry about each number gx-trust is about to notarise. */
export async function lookUpNumbers(
  registryLookup: RegistryLookup,
  items: readonly Item[],
): Promise<{ notes: RegistryLookupNote[]; evidence: Map<Item, RegistrationNumberEvidence>; findings: Finding[] }> {
  const notes: RegistryLookupNote[] = [];
  const evidence = new Map<Item, RegistrationNumberEvidence>();
  const findings: Finding[] = [];
  for (const item of items) {
    if (item.role !== 'draft') continue;
    const type = notarisedType(item.document);
    const subject = subjectOf(item.document);
    if (type === undefined || subject === undefined) continue;
    const property = NUMBER_PROPERTY[type];
    const value = subject[property];
    if (typeof value !== 'string') continue;
    const pointer = requestPointer(item, `/credentialSubject/${property}`);
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
