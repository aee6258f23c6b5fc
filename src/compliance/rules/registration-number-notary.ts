/**
 * Rule `registration-number-notary`: the LegalPerson names its registration numbers
 * (`gx:registrationNumber`), each one is presented as a registration-number credential (gx:VatID,
 * gx:LeiCode, ...) whose subject is that very node, and each such credential is issued by a
 * trusted notary: a participant cannot vouch for its own registration.
 */
import { finding, hasType, linkedIds, REGISTRATION_NUMBER_TYPES, type ComplianceFinding, type ComplianceRule } from '../types.js';

export const RULE = 'registration-number-notary';

export const registrationNumberNotary: ComplianceRule = {
  id: RULE,
  title: 'every gx:registrationNumber is a credential issued by a trusted notary',
  run({ submission, trusted }) {
    const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
    if (legalPerson === undefined) return []; // legal-person-issuer reports it
    const findings: ComplianceFinding[] = [];
    const numbers = submission.credentials.filter((c) => hasType(c, ...REGISTRATION_NUMBER_TYPES));
    const targets = linkedIds(legalPerson.subject['gx:registrationNumber']);
    if (targets.length === 0) {
      findings.push(finding(RULE, 'REGISTRATION_NUMBER_MISSING', legalPerson, '/credentialSubject/gx:registrationNumber',
        'the gx:LegalPerson names no gx:registrationNumber', 'Link at least one registration number ({"id": ...}) and present its notary credential'));
    }
    for (const [i, target] of targets.entries()) {
      if (numbers.some((c) => c.subject['id'] === target)) continue;
      findings.push(finding(RULE, 'REGISTRATION_NUMBER_MISSING', legalPerson,
        `/credentialSubject/gx:registrationNumber${Array.isArray(legalPerson.subject['gx:registrationNumber']) ? `/${i}` : ''}`,
        `no registration-number credential in the presentation has the subject ${target}`,
        'Ask a Gaia-X notary (or gx-trust) for the registration-number credential and add it to the presentation'));
    }
    for (const number of numbers) {
      if (!targets.includes(String(number.subject['id']))) {
        findings.push(finding(RULE, 'REGISTRATION_NUMBER_MISSING', number, '/credentialSubject/id',
          `this registration number (${String(number.subject['id'])}) is not a gx:registrationNumber of the LegalPerson`,
          'Link it from the LegalPerson\'s gx:registrationNumber, or remove it'));
      }
      if (!trusted.has(number.issuer, 'notary')) {
        findings.push(finding(RULE, 'UNTRUSTED_NOTARY', number, '/issuer', `${number.issuer} is not a trusted notary`,
          'Have the registration number checked and issued by a trusted notary (gx-trust is one; others are listed in GX_TRUSTED_ISSUERS)'));
      }
    }
    return findings;
  },
};
