/**
 * EORI: the ISO 3166-1 alpha-2 code of the issuing member state (EL for Greece, XI for Northern
 * Ireland) followed by up to 15 alphanumeric characters (Commission Implementing Regulation (EU)
 * 2015/2447, Annex 12-01). There is no public check-digit algorithm for EORI numbers.
 */
import { fault, type NumberFault } from './check.js';
import { ISO_3166_1_ALPHA_2 } from '../iso-3166.js';

export function checkEori(value: string): NumberFault[] {
  const match = /^([A-Z]{2})([0-9A-Z]{1,15})$/.exec(value);
  if (match === null) {
    return fault(
      'gx:EORI/format',
      `EORI ${JSON.stringify(value)} is not a country code followed by 1 to 15 letters or digits`,
      'Write the EORI without spaces, starting with the issuing country, e.g. DE123456789012345',
    );
  }
  const country = match[1] ?? '';
  if (!ISO_3166_1_ALPHA_2.has(country) && country !== 'EL' && country !== 'XI') {
    return fault('gx:EORI/country', `EORI ${value} starts with ${country}, which is not a country code`, 'Start the EORI with the ISO 3166-1 alpha-2 code of the issuing country (EL for Greece, XI for Northern Ireland)');
  }
  return [];
}
