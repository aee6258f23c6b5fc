/**
 * Rule `registration-number-notary`: the LegalPerson names its registration numbers
 * (`gx:registrationNumber`), each one is presented as a registration-number credential (gx:VatID,
 * gx:LeiCode, ...) whose subject is that very node, and each such credential is issued by a
 * trusted notary: a participant cannot vouch for its own registration. A notary's signature says
 * the number was checked only when the credential carries the evidence of its registry look-up
 * (`gx:evidenceURL`, `gx:executionDate`, as Gaia-X notaries write it); a number notarised without
 * one (gx-trust with look-ups off, or its registry unavailable: `not-checked`) is refused, or with
 * GX_COMPLIANCE_UNCHECKED_NUMBERS=warn recorded as a warning.
 */
import { isObject, type JsonObject } from '../../credentials/index.js';
import { NUMBER_PROPERTY } from '../../danube/onboarding/participant.js';
import { REGISTRATION_NUMBER_TYPES } from '../../danube/ontology.js';
import { finding, hasType, linkedIds, type ComplianceFinding, type ComplianceRule, type SubmittedCredential } from '../types.js';

export const RULE = 'registration-number-notary';

/** A registry look-up the notary records: where it asked, and when. */
function hasLookUpEvidence(document: JsonObject): boolean {
  const evidence = document['evidence'];
  return (Array.isArray(evidence) ? evidence : [evidence]).some(
    (e) => isObject(e) && typeof (e['gx:evidenceURL'] ?? e['evidenceURL']) === 'string' && typeof (e['gx:executionDate'] ?? e['executionDate']) === 'string',
  );
}

/** The number as written (gx:vatID, schema:leiCode, ...), else the node's id. */
function numberOf(credential: SubmittedCredential): string {
  const type = Object.keys(NUMBER_PROPERTY).find((t) => hasType(credential, t)) as keyof typeof NUMBER_PROPERTY | undefined;
  const value = type === undefined ? undefined : credential.subject[NUMBER_PROPERTY[type]];
  const name = credential.types.find((t) => t !== 'VerifiableCredential') ?? 'registration number';
  return typeof value === 'string' ? `${name} ${value}` : `${name} ${String(credential.subject['id'])}`;
}

export const registrationNumberNotary: ComplianceRule = {
  id: RULE,
  title: 'every gx:registrationNumber is a credential issued by a trusted notary that checked it against its registry',
  run({ submission, trusted, uncheckedNumbers }) {
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
      } else if (!hasLookUpEvidence(number.document)) {
        const unchecked = finding(RULE, 'REGISTRATION_NUMBER_UNCHECKED', number, '/evidence',
          `the ${numberOf(number)} was notarised without a registry look-up (its credential carries no evidence of one), so nobody checked it`,
          'Have the number checked against its registry (VIES for VAT ids, GLEIF for LEIs, the EU EORI service): present a registration-number credential from a notary whose look-up confirmed it, which carries the evidence (gx:evidenceURL, gx:executionDate); gx-trust writes it once its registry look-ups are on');
        findings.push(uncheckedNumbers === 'warn' ? { ...unchecked, severity: 'warning' } : unchecked);
      }
    }
    return findings;
  },
};
