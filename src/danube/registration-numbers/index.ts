/**
 * Offline checks of registration numbers, one file per kind, keyed by the property that carries
 * the number in 25.11 (the property, not the node type, is what every 25.11 registration number
 * node has; the sample claims type theirs only as gx:RegistrationNumber).
 */
import { GX, SCHEMA } from '../namespaces.js';
import type { NumberFault } from './check.js';
import { checkEori } from './eori.js';
import { checkEuid } from './euid.js';
import { checkLeiCode } from './lei-code.js';
import { checkLocalRegistrationNumber, checkTaxId } from './tax-id.js';
import { checkVatId } from './vat-id.js';

export type { NumberFault } from './check.js';
export { checkEori } from './eori.js';
export { checkEuid } from './euid.js';
export { checkLeiCode } from './lei-code.js';
export { checkLocalRegistrationNumber, checkTaxId } from './tax-id.js';
export { checkVatId, normalizeVatId, VAT_CHECK_DIGIT_COUNTRIES, VAT_FORMATS } from './vat-id.js';
export * from './registry-lookup.js';

/** Property IRI -> its offline check. */
export const REGISTRATION_NUMBER_CHECKS: ReadonlyMap<string, (value: string) => NumberFault[]> = new Map([
  [`${GX}vatID`, checkVatId],
  [`${SCHEMA}leiCode`, checkLeiCode],
  [`${GX}eori`, checkEori],
  [`${GX}euid`, checkEuid],
  [`${SCHEMA}taxID`, checkTaxId],
  [`${GX}local`, checkLocalRegistrationNumber],
]);
export { createRegistryLookup, REGISTRIES, type Registry, type RegistryLookupsOptions } from './registry-lookups.js';
