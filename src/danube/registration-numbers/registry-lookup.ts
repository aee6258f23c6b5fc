/**
 * Online look-ups in the registries behind registration numbers (VIES for VAT ids, GLEIF for
 * LEIs, the EU EORI validation service). gx-trust ships them OFF: the default implementation
 * answers `not-checked` without any network traffic, and an operator plugs in a real one.
 *
 * A look-up that succeeded yields the evidence a Gaia-X notary puts into the registration-number
 * credential, e.g. from the Loire GXDCH notaries:
 *   "evidence": { "gx:evidenceOf": "gx:LeiCode",
 *                 "gx:evidenceURL": "https://api.gleif.org/api/v1/lei-records/9695007586GCAKPYJ703",
 *                 "gx:executionDate": "2025-03-06T14:33:31.206+00:00" }
 */
import type { Clock } from '../../clock.js';
import type { NOTARISED_REGISTRATION_NUMBER_TYPES } from '../ontology.js';

export type RegistrationNumberType = (typeof NOTARISED_REGISTRATION_NUMBER_TYPES)[number];

/** The notary evidence object, with the keys exactly as Gaia-X notaries write them. */
export interface RegistrationNumberEvidence {
  'gx:evidenceOf': RegistrationNumberType;
  'gx:evidenceURL': string;
  'gx:executionDate': string;
}

export type RegistryLookupResult =
  | { status: 'valid'; evidence: RegistrationNumberEvidence }
  | { status: 'invalid'; evidence: RegistrationNumberEvidence; message: string }
  /** The registry was not asked (look-ups off) or could not answer: never read as valid. */
  | { status: 'not-checked'; reason: string };

export interface RegistryLookup {
  lookUp(type: RegistrationNumberType, number: string): Promise<RegistryLookupResult>;
}

/** The default: no registry is contacted. */
export const registryLookupOff: RegistryLookup = {
  async lookUp() {
    return { status: 'not-checked', reason: 'online registry look-ups are disabled' };
  },
};

/** Builds the notary-style evidence for a look-up made at `now` against `url`. */
export function registryEvidence(type: RegistrationNumberType, url: string, now: Clock): RegistrationNumberEvidence {
  return { 'gx:evidenceOf': type, 'gx:evidenceURL': url, 'gx:executionDate': now().toISOString() };
}

/** The public endpoints a real implementation queries; the URL of a look-up is its evidence URL. */
export const REGISTRY_URLS = {
  'gx:LeiCode': (lei: string) => `https://api.gleif.org/api/v1/lei-records/${encodeURIComponent(lei)}`,
  'gx:VatID': (vat: string) =>
    `https://ec.europa.eu/taxation_customs/vies/rest-api/ms/${encodeURIComponent(vat.slice(0, 2))}/vat/${encodeURIComponent(vat.slice(2))}`,
  'gx:EORI': (eori: string) => `https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation?eori=${encodeURIComponent(eori)}`,
} as const;
