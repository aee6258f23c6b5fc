/**
 * Tax and local registration numbers have no common format, so only their shape is checked:
 * printable, no surrounding spaces, bounded length.
 */
import { fault, type NumberFault } from './check.js';

function checkFreeForm(kind: 'TaxID' | 'LocalRegistrationNumber', value: string): NumberFault[] {
  if (value.length === 0 || value.length > 64 || value.trim() !== value || !/^[0-9A-Za-z .\-/]+$/.test(value)) {
    return fault(
      `gx:${kind}/format`,
      `${kind} ${JSON.stringify(value)} is empty, longer than 64 characters, padded, or contains characters other than letters, digits, space, . - /`,
      'Write the number as the registry prints it, without surrounding spaces',
    );
  }
  return [];
}

export const checkTaxId = (value: string): NumberFault[] => checkFreeForm('TaxID', value);
export const checkLocalRegistrationNumber = (value: string): NumberFault[] => checkFreeForm('LocalRegistrationNumber', value);
