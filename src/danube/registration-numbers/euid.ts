/**
 * EUID, the European Unique Identifier of BRIS (Commission Implementing Regulation (EU) 2021/1042,
 * Annex, section 9): the country code of the register, the register identifier, a dot, and the
 * registration number in that register, e.g. `DEK1101R.HRB116737`. Up to 60 characters.
 */
import { fault, type NumberFault } from './check.js';
import { EU_MEMBER_STATES } from '../iso-3166.js';

export function checkEuid(value: string): NumberFault[] {
  const match = /^([A-Z]{2})([0-9A-Za-z]{1,12})\.([0-9A-Za-z+\-/_ ]{1,45})$/.exec(value);
  if (match === null || value.length > 60) {
    return fault(
      'gx:EUID/format',
      `EUID ${JSON.stringify(value)} is not <country><register id>.<number>`,
      'An EUID is the country code, the business register id, a dot and the number, e.g. DEK1101R.HRB116737',
    );
  }
  const country = match[1] ?? '';
  if (!EU_MEMBER_STATES.has(country) && !['EL', 'IS', 'LI', 'NO'].includes(country)) {
    return fault('gx:EUID/country', `EUID ${value} names ${country}, which has no BRIS business register`, 'EUIDs exist for EU/EEA business registers only; use gx:LocalRegistrationNumber otherwise');
  }
  return [];
}
