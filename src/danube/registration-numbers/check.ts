/**
 * The outcome of an offline registration-number check: empty when the number is well-formed,
 * otherwise one entry per fault with a message and a hint a member can act on. The validator turns
 * each into a Finding located at the property in the submitted JSON.
 */
export interface NumberFault {
  /** Stable rule id, e.g. `gx:LeiCode/check-digits`. */
  rule: string;
  message: string;
  hint: string;
}

export function fault(rule: string, message: string, hint: string): NumberFault[] {
  return [{ rule, message, hint }];
}

/** ISO 7064 MOD 97-10 over digits and letters (A=10 ... Z=35), as used by LEI and IBAN. */
export function mod97(value: string): number {
  let remainder = 0;
  for (const char of value) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 && code <= 90 ? String(code - 55) : char;
    for (const digit of digits) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder;
}

/** Luhn (ISO/IEC 7812-1): true when the last digit is the Luhn check digit of the others. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
