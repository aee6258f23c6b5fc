/**
 * Rule `country-codes`: the country of the legal address agrees with the country each
 * registration number belongs to (a VAT id's prefix, EORI and EUID prefixes, gx:countryCode, an
 * LEI's subdivision). Alpha-3 and numeric codes are compared only with their own kind.
 */
import { REGISTRATION_NUMBER_TYPES } from '../../danube/ontology.js';
import { finding, hasType, type ComplianceFinding, type ComplianceRule } from '../types.js';

export const RULE = 'country-codes';

/** VAT ids write Greece as EL (EU VIES); addresses write GR. */
const normalize = (code: string) => (code.toUpperCase() === 'EL' ? 'GR' : code.toUpperCase());

function countryOfAddress(address: unknown): string | undefined {
  if (typeof address !== 'object' || address === null) return undefined;
  const code = (address as Record<string, unknown>)['gx:countryCode'];
  return typeof code === 'string' ? normalize(code) : undefined;
}

/** The countries a registration-number subject claims, with the property that claims each. */
function claimedCountries(subject: Record<string, unknown>): { property: string; country: string }[] {
  const out: { property: string; country: string }[] = [];
  const prefix = (property: string) => {
    const value = subject[property];
    if (typeof value === 'string' && /^[A-Za-z]{2}/.test(value)) out.push({ property, country: normalize(value.slice(0, 2)) });
  };
  if (typeof subject['gx:countryCode'] === 'string') out.push({ property: 'gx:countryCode', country: normalize(subject['gx:countryCode']) });
  prefix('gx:vatID');
  prefix('gx:eori');
  prefix('gx:euid');
  prefix('gx:subdivisionCountryCode');
  return out;
}

export const countryCodes: ComplianceRule = {
  id: RULE,
  title: 'country codes agree across the legal address and the registration numbers',
  run({ submission }) {
    const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
    const country = countryOfAddress(legalPerson?.subject['gx:legalAddress']);
    if (legalPerson === undefined || country === undefined || !/^[A-Z]{2}$/.test(country)) return [];
    const findings: ComplianceFinding[] = [];
    for (const number of submission.credentials.filter((c) => hasType(c, ...REGISTRATION_NUMBER_TYPES))) {
      for (const { property, country: claimed } of claimedCountries(number.subject)) {
        if (claimed === country) continue;
        findings.push(finding(RULE, 'COUNTRY_MISMATCH', number, `/credentialSubject/${property}`,
          `${property} says ${claimed}, but the legal address of the LegalPerson is in ${country}`,
          'Correct the legal address or use the registration number of the country of the legal address'));
      }
    }
    return findings;
  },
};
