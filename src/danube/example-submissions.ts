/**
 * Example Danube submissions: the OpenAPI examples show the first, and the size-limit tests and the
 * validation-flood bench send the second, the costliest input the limits admit.
 */
import { VC_V2_CONTEXT } from '../credentials/index.js';
import { GX_CONTEXT_URL } from './namespaces.js';
import { measureSubmission, SUBMISSION_LIMITS } from './submission-limits.js';

export function legalPersonSubmission(): object[] {
  const context = [VC_V2_CONTEXT, GX_CONTEXT_URL];
  const member = 'did:web:member.example';
  const address = { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30', 'vcard:locality': 'Berlin', 'vcard:postal-code': '10115' };
  const vc = (id: string, type: string, subject: object) => ({
    '@context': context,
    id: `${member}/credentials/${id}`,
    type: ['VerifiableCredential', type],
    issuer: member,
    validFrom: '2026-01-15T00:00:00Z',
    credentialSubject: subject,
  });
  return [
    vc('lp', 'gx:LegalPerson', {
      id: `${member}#lp`,
      type: 'gx:LegalPerson',
      'schema:name': 'Member GmbH',
      'gx:legalAddress': address,
      'gx:headquartersAddress': address,
      'gx:registrationNumber': { id: `${member}#vat` },
    }),
    vc('vat', 'gx:VatID', { id: `${member}#vat`, type: 'gx:VatID', 'gx:vatID': 'DE136695976', 'gx:countryCode': 'DE' }),
    vc('issuer', 'gx:Issuer', {
      id: `${member}#issuer`,
      type: 'gx:Issuer',
      'gx:gaiaxTermsAndConditions': '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515',
    }),
  ];
}

/**
 * The costliest submission SUBMISSION_LIMITS admit, as far as we found: the LegalPerson submission
 * whose gx:legalAddress holds as many minimal gx:Address nodes as the node limit leaves room for.
 * Many values on one property is what SHACL pays most for (0.25 s of a core, against 0.18 s for the
 * most full addresses the triple limit admits, and 2 ms for the plain submission).
 */
export function largestAcceptedSubmission(): object[] {
  const submission = legalPersonSubmission() as { credentialSubject: Record<string, unknown> }[];
  const room = SUBMISSION_LIMITS.nodes - measureSubmission(submission).nodes + 1; // the address it replaces
  submission[0]!.credentialSubject['gx:legalAddress'] = Array.from({ length: room }, () => ({ type: 'gx:Address', 'gx:countryCode': 'DE' }));
  return submission;
}
