/**
 * LEI (ISO 17442-1:2020): 18 alphanumeric characters followed by two check digits computed with
 * ISO 7064 MOD 97-10, so that the whole code, letters mapped to 10..35, is 1 modulo 97.
 * @see https://www.gleif.org/en/about-lei/iso-17442-the-lei-code-structure
 */
import { fault, mod97, type NumberFault } from './check.js';

export function checkLeiCode(value: string): NumberFault[] {
  if (!/^[0-9A-Z]{18}[0-9]{2}$/.test(value)) {
    return fault(
      'gx:LeiCode/format',
      `LEI ${JSON.stringify(value)} is not 18 upper-case letters or digits followed by 2 check digits`,
      'A LEI has exactly 20 characters, e.g. 9695007586GCAKPYJ703; copy it from the GLEIF record without spaces',
    );
  }
  if (mod97(value) !== 1) {
    return fault(
      'gx:LeiCode/check-digits',
      `LEI ${value} has wrong check digits (ISO 7064 MOD 97-10)`,
      'The last two digits do not match the first 18 characters: check for a typing error against https://search.gleif.org',
    );
  }
  return [];
}
