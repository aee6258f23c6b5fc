/**
 * Turns a member's participant data (POST /participants `{participant}`) into the unsigned 25.11
 * credentials gx-trust will issue: the gx:LegalPerson, one registration-number credential per
 * number and the gx:Issuer (terms and conditions). Each keeps a table from JSON pointers inside the
 * credential to pointers into the request, so a finding names the field the member wrote.
 */
import { VC_V2_CONTEXT, type JsonObject } from '../../credentials/index.js';
import type { AddressInput, ParticipantInput, RegistrationNumberInput } from './request.js';

export const GX_CONTEXT = 'https://w3id.org/gaia-x/development#';

export interface GeneratedCredential {
  document: JsonObject;
  /** A JSON pointer inside `document` -> the pointer into the request that it was written from. */
  translate(pointer: string): string;
}

/** The property that carries each kind of number in 25.11 (the same table the validator checks). */
export const NUMBER_PROPERTY: Readonly<Record<RegistrationNumberInput['type'], string>> = {
  'gx:VatID': 'gx:vatID',
  'gx:LeiCode': 'schema:leiCode',
  'gx:EORI': 'gx:eori',
  'gx:EUID': 'gx:euid',
  'gx:TaxID': 'schema:taxID',
  'gx:LocalRegistrationNumber': 'gx:local',
};

const ADDRESS_KEYS: Readonly<Record<keyof AddressInput, string>> = {
  countryCode: 'gx:countryCode',
  countryName: 'gx:countryName',
  streetAddress: 'vcard:street-address',
  postalCode: 'vcard:postal-code',
  locality: 'vcard:locality',
  region: 'vcard:region',
};

/**
 * `[inside, request]` maps a pointer and what lies below it; `[inside, request, 'leaf']` maps a
 * pointer to a field that was a single value in the request (nothing below it there).
 */
type PointerEntry = [string, string] | [string, string, 'leaf'];

function pointerTable(entries: PointerEntry[]): (pointer: string) => string {
  // Longest prefix first, so /credentialSubject/gx:legalAddress/gx:countryCode beats /credentialSubject.
  const sorted = [...entries].sort((a, b) => b[0].length - a[0].length);
  return (pointer) => {
    for (const [inside, request, leaf] of sorted) {
      if (pointer === inside || pointer.startsWith(`${inside}/`)) return leaf === 'leaf' ? request : request + pointer.slice(inside.length);
    }
    return sorted.at(-1)?.[1] ?? '';
  };
}

function credential(type: string, subject: JsonObject): JsonObject {
  return { '@context': [VC_V2_CONTEXT, GX_CONTEXT], type: ['VerifiableCredential', type], credentialSubject: subject };
}

function address(input: AddressInput): JsonObject {
  const node: JsonObject = { type: 'gx:Address' };
  for (const [key, property] of Object.entries(ADDRESS_KEYS) as [keyof AddressInput, string][]) {
    if (input[key] !== undefined) node[property] = input[key];
  }
  return node;
}

function addressEntries(inside: string, request: string): PointerEntry[] {
  return [[inside, request], ...Object.entries(ADDRESS_KEYS).map(([key, property]): PointerEntry => [`${inside}/${property}`, `${request}/${key}`, 'leaf'])];
}

export function legalPersonIdOf(did: string): string {
  return `${did}#legal-person`;
}

export function participantCredentials(input: ParticipantInput, base = '/participant'): GeneratedCredential[] {
  const numbers = input.registrationNumbers ?? [];
  const numberId = (index: number) => `${input.id}#registration-number-${index + 1}`;

  const subject: JsonObject = { id: legalPersonIdOf(input.id), type: 'gx:LegalPerson' };
  if (input.name !== undefined) subject['schema:name'] = input.name;
  if (input.description !== undefined) subject['schema:description'] = input.description;
  if (input.legalAddress !== undefined) subject['gx:legalAddress'] = address(input.legalAddress);
  if (input.headquartersAddress !== undefined) subject['gx:headquartersAddress'] = address(input.headquartersAddress);
  if (numbers.length > 0) subject['gx:registrationNumber'] = numbers.map((_, index) => ({ id: numberId(index) }));
  const legalPerson: GeneratedCredential = {
    document: credential('gx:LegalPerson', subject),
    translate: pointerTable([
      ['', base],
      ['/credentialSubject', base],
      ['/credentialSubject/schema:name', `${base}/name`, 'leaf'],
      ['/credentialSubject/schema:description', `${base}/description`, 'leaf'],
      ...addressEntries('/credentialSubject/gx:legalAddress', `${base}/legalAddress`),
      ...addressEntries('/credentialSubject/gx:headquartersAddress', `${base}/headquartersAddress`),
      ['/credentialSubject/gx:registrationNumber', `${base}/registrationNumbers`],
    ]),
  };

  const registrationNumbers = numbers.map((number, index): GeneratedCredential => {
    const at = `${base}/registrationNumbers/${index}`;
    const property = NUMBER_PROPERTY[number.type];
    const node: JsonObject = { id: numberId(index), type: number.type, [property]: number.value };
    // 25.11 names the country of an EORI gx:country; VatID and LeiCode carry gx:countryCode.
    const countryProperty = number.type === 'gx:EORI' ? 'gx:country' : 'gx:countryCode';
    if (number.countryCode !== undefined) node[countryProperty] = number.countryCode;
    if (number.subdivisionCountryCode !== undefined) node['gx:subdivisionCountryCode'] = number.subdivisionCountryCode;
    return {
      document: credential(number.type, node),
      translate: pointerTable([
        ['', at],
        ['/credentialSubject', at],
        [`/credentialSubject/${property}`, `${at}/value`, 'leaf'],
        [`/credentialSubject/${countryProperty}`, `${at}/countryCode`, 'leaf'],
        ['/credentialSubject/gx:subdivisionCountryCode', `${at}/subdivisionCountryCode`, 'leaf'],
      ]),
    };
  });

  const issuerSubject: JsonObject = { id: `${input.id}#issuer`, type: 'gx:Issuer' };
  if (input.termsAndConditions !== undefined) issuerSubject['gx:gaiaxTermsAndConditions'] = input.termsAndConditions;
  const issuer: GeneratedCredential = {
    document: credential('gx:Issuer', issuerSubject),
    translate: pointerTable([['', `${base}/termsAndConditions`, 'leaf']]),
  };

  return [legalPerson, ...registrationNumbers, issuer];
}
