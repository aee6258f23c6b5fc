/**
 * Rule `legal-person-issuer`: the presentation holds exactly one gx:LegalPerson credential, issued
 * by the participant it describes (self-description) or by a trusted issuer (a wizard or
 * onboarding service on the trusted list).
 */
import { didOf, finding, hasType, type ComplianceRule } from '../types.js';

export const RULE = 'legal-person-issuer';

export const legalPersonIssuer: ComplianceRule = {
  id: RULE,
  title: 'one gx:LegalPerson, issued by the participant it describes or by a trusted issuer',
  run({ submission, trusted }) {
    const legalPersons = submission.credentials.filter((c) => hasType(c, 'gx:LegalPerson'));
    if (legalPersons.length === 0) {
      return [finding(RULE, 'LEGAL_PERSON_MISSING', 'presentation', '/verifiableCredential', 'the presentation holds no gx:LegalPerson credential',
        'Add the participant\'s gx:LegalPerson credential (POST /participants issues one)')];
    }
    if (legalPersons.length > 1) {
      return legalPersons.slice(1).map((c) => finding(RULE, 'INVALID_INPUT', c, '', 'a presentation describes one participant: it holds more than one gx:LegalPerson',
        'Submit one presentation per participant'));
    }
    const [legalPerson] = legalPersons as [typeof legalPersons[number]];
    const described = didOf(legalPerson.subject['id']);
    if (legalPerson.issuer === described || trusted.has(legalPerson.issuer, 'issuer')) return [];
    return [
      finding(RULE, 'UNTRUSTED_ISSUER', legalPerson, '/issuer',
        `the gx:LegalPerson of ${String(legalPerson.subject['id'])} is issued by ${legalPerson.issuer}, which is neither that participant nor a trusted issuer`,
        `Issue it as ${described ?? 'the participant'} (credentialSubject.id under the issuer's DID), or have a trusted issuer issue it`),
    ];
  },
};
