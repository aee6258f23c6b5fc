/**
 * VAT identification numbers: the VIES country prefix, the per-country format, and for DE, FR,
 * IT, ES, NL, BE, AT and PL the check-digit algorithm each tax administration publishes. Other
 * member states are checked by format only (reported as `info`, not as a fault).
 * Formats: European Commission, VIES "VAT number validation" FAQ (format per member state).
 * @see https://ec.europa.eu/taxation_customs/vies/#/faq
 */
import { fault, luhnValid, mod97, type NumberFault } from './check.js';

/** VIES prefixes: ISO 3166-1 alpha-2 except EL for Greece and XI for Northern Ireland. */
export const VAT_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^U[0-9]{8}$/,
  BE: /^[01][0-9]{9}$/,
  BG: /^[0-9]{9,10}$/,
  CY: /^[0-9]{8}[A-Z]$/,
  CZ: /^[0-9]{8,10}$/,
  DE: /^[1-9][0-9]{8}$/,
  DK: /^[0-9]{8}$/,
  EE: /^[0-9]{9}$/,
  EL: /^[0-9]{9}$/,
  ES: /^[0-9A-Z][0-9]{7}[0-9A-Z]$/,
  FI: /^[0-9]{8}$/,
  FR: /^[0-9A-HJ-NP-Z]{2}[0-9]{9}$/,
  HR: /^[0-9]{11}$/,
  HU: /^[0-9]{8}$/,
  IE: /^[0-9][0-9A-Z+*][0-9]{5}[A-Z]{1,2}$/,
  IT: /^[0-9]{11}$/,
  LT: /^([0-9]{9}|[0-9]{12})$/,
  LU: /^[0-9]{8}$/,
  LV: /^[0-9]{11}$/,
  MT: /^[0-9]{8}$/,
  NL: /^[0-9]{9}B[0-9]{2}$/,
  PL: /^[0-9]{10}$/,
  PT: /^[0-9]{9}$/,
  RO: /^[0-9]{2,10}$/,
  SE: /^[0-9]{10}01$/,
  SI: /^[0-9]{8}$/,
  SK: /^[0-9]{10}$/,
  XI: /^([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})$/,
};

const digits = (value: string): number[] => [...value].map(Number);

/** DE (Umsatzsteuer-Identifikationsnummer): ISO 7064 MOD 11,10 over the first 8 digits. */
function checkDE(number: string): boolean {
  let product = 10;
  for (const d of digits(number.slice(0, 8))) {
    let sum = (d + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  const check = (11 - product) % 10;
  return check === Number(number[8]);
}

/** FR: numeric key = (12 + 3 * (SIREN mod 97)) mod 97. Alphanumeric keys (newer numbers) have no public algorithm. */
function checkFR(number: string): boolean | undefined {
  const key = number.slice(0, 2);
  if (!/^[0-9]{2}$/.test(key)) return undefined;
  const siren = Number(number.slice(2));
  return (12 + 3 * (siren % 97)) % 97 === Number(key);
}

/** IT (partita IVA): Luhn over the 11 digits. */
const checkIT = (number: string): boolean => luhnValid(number);

/** ES (NIF): DNI/NIE letter table for persons, the CIF control for legal entities. */
function checkES(number: string): boolean {
  const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';
  const first = number[0] ?? '';
  const last = number[8] ?? '';
  if (/[0-9]/.test(first) || 'XYZKLM'.includes(first)) {
    // DNI (8 digits + letter), NIE (X/Y/Z = 0/1/2), K/L/M (DNI rule on the 7 digits).
    const prefix = 'XYZ'.indexOf(first);
    const body = /[0-9]/.test(first) ? number.slice(0, 8) : (prefix >= 0 ? String(prefix) : '') + number.slice(1, 8);
    return DNI_LETTERS[Number(body) % 23] === last;
  }
  // CIF: letter, 7 digits, control digit or letter.
  let sum = 0;
  for (const [index, d] of digits(number.slice(1, 8)).entries()) {
    if (index % 2 === 0) {
      const doubled = d * 2;
      sum += Math.floor(doubled / 10) + (doubled % 10);
    } else {
      sum += d;
    }
  }
  const control = (10 - (sum % 10)) % 10;
  return last === String(control) || last === 'JABCDEFGHI'[control];
}

/** NL (btw-id): the mod 11 "elfproef" on the 9 digits, or since 2020 MOD 97-10 over "NL" + number. */
function checkNL(number: string): boolean {
  const nine = digits(number.slice(0, 9));
  const weighted = nine.slice(0, 8).reduce((sum, d, i) => sum + d * (9 - i), 0) - (nine[8] ?? 0);
  return weighted % 11 === 0 || mod97(`NL${number}`) === 1;
}

/** BE (ondernemingsnummer): the last 2 digits are 97 - (first 8 digits mod 97). */
function checkBE(number: string): boolean {
  return 97 - (Number(number.slice(0, 8)) % 97) === Number(number.slice(8));
}

/** AT (UID): "U" + 8 digits; weights 1,2,1,2,... with digit sums, then (10 - (sum + 4) mod 10) mod 10. */
function checkAT(number: string): boolean {
  const d = digits(number.slice(1));
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    const value = (d[i] ?? 0) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(value / 10) + (value % 10);
  }
  return (10 - ((sum + 4) % 10)) % 10 === d[7];
}

/** PL (NIP): weights 6,5,7,2,3,4,5,6,7; the sum mod 11 is the 10th digit (10 is never issued). */
function checkPL(number: string): boolean {
  const weights = [6, 5, 7, 2, 3, 4, 5, 6, 7];
  const d = digits(number);
  const sum = weights.reduce((acc, w, i) => acc + w * (d[i] ?? 0), 0) % 11;
  return sum !== 10 && sum === d[9];
}

const CHECK_DIGITS: Readonly<Record<string, (number: string) => boolean | undefined>> = {
  DE: checkDE,
  FR: checkFR,
  IT: checkIT,
  ES: checkES,
  NL: checkNL,
  BE: checkBE,
  AT: checkAT,
  PL: checkPL,
};

/** Member states whose check-digit algorithm gx-trust implements. */
export const VAT_CHECK_DIGIT_COUNTRIES: readonly string[] = Object.keys(CHECK_DIGITS);

/** Separators people write inside VAT ids ("DE 136 695 976", "FR-40.303.265.045"); VIES takes none. */
const VAT_SEPARATORS = /[\s.\-_/,]/g;

/**
 * A VAT id as VIES and the notary credential write it: separators removed, upper case, and the
 * member state prefix put in front when the number was written without one (the prefix of
 * `countryCode`, EL for Greece). A number that already starts with a VIES prefix keeps it: whether
 * that prefix is the right country is the country-code rule's judgement, not a spelling.
 */
export function normalizeVatId(value: string, countryCode?: string): string {
  const compacted = value.replace(VAT_SEPARATORS, '').toUpperCase();
  if (VAT_FORMATS[compacted.slice(0, 2)] !== undefined || countryCode === undefined) return compacted;
  const country = countryCode.trim().toUpperCase();
  const prefix = country === 'GR' ? 'EL' : country;
  return VAT_FORMATS[prefix] !== undefined && VAT_FORMATS[prefix].test(compacted) ? prefix + compacted : compacted;
}

/** Checks a VAT id written with its VIES prefix, e.g. `DE136695976` (spaces, dots and dashes are ignored). */
export function checkVatId(value: string): NumberFault[] {
  const compacted = value.replace(/[\s.-]/g, '').toUpperCase();
  const prefix = compacted.slice(0, 2);
  const number = compacted.slice(2);
  const format = VAT_FORMATS[prefix];
  if (format === undefined) {
    return fault(
      'gx:VatID/country-prefix',
      `VAT id ${JSON.stringify(value)} does not start with a VIES country prefix`,
      prefix === 'GR'
        ? 'Greek VAT ids start with EL, not GR'
        : 'Start the VAT id with the member state prefix, e.g. DE136695976 or FR40303265045',
    );
  }
  if (!format.test(number)) {
    return fault(
      'gx:VatID/format',
      `VAT id ${value} does not have the ${prefix} format`,
      `A ${prefix} VAT id is ${prefix} followed by ${describe(format)}`,
    );
  }
  const check = CHECK_DIGITS[prefix];
  if (check !== undefined && check(number) === false) {
    return fault(
      'gx:VatID/check-digit',
      `VAT id ${value} has a wrong check digit for ${prefix}`,
      'The number is not one the tax administration issues: check for a typing error, or look it up in VIES',
    );
  }
  return [];
}

function describe(format: RegExp): string {
  return `characters matching ${format.source.slice(1, -1)}`;
}
