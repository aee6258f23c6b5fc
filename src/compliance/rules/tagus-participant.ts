/**
 * Rule `tagus-participant` (Tagus-era input only): the Trust Framework 22.10 participant rules the
 * Gaia-X compliance service applied. One gx:LegalParticipant, issued by the participant (Tagus
 * subjects are URLs, so the issuer is the participant) or by a trusted issuer; its
 * gx:legalRegistrationNumber is presented as a gx:legalRegistrationNumber credential issued by a
 * trusted notary; the participant signed gx:GaiaXTermsAndConditions; every gx:providedBy of a
 * ServiceOffering names the LegalParticipant.
 */
import { finding, linkedIds, type ComplianceFinding, type ComplianceRule, type SubmittedCredential } from '../types.js';

export const RULE = 'tagus-participant';

/** Tagus credentials are typed by their subject (`credentialSubject.type`), not the VC. */
export function tagusTypeOf(credential: SubmittedCredential): string | undefined {
  const type = credential.subject['type'];
  return typeof type === 'string' ? type : undefined;
}

export const tagusParticipant: ComplianceRule = {
  id: RULE,
  title: 'one gx:LegalParticipant with a notarised gx:legalRegistrationNumber, signed terms and conditions, providedBy resolved',
  run({ submission, trusted }) {
    const ofType = (type: string) => submission.credentials.filter((c) => tagusTypeOf(c) === type);
    const participants = ofType('gx:LegalParticipant');
    const [participant] = participants;
    if (participant === undefined || participants.length > 1) {
      return [finding(RULE, participant === undefined ? 'LEGAL_PERSON_MISSING' : 'INVALID_INPUT', 'presentation', '/verifiableCredential',
        participant === undefined ? 'the presentation holds no gx:LegalParticipant credential' : 'a presentation describes one participant: it holds more than one gx:LegalParticipant',
        'Submit one presentation per participant, holding its gx:LegalParticipant credential')];
    }
    const findings: ComplianceFinding[] = [];
    const self = participant.issuer;
    const termsAccepted = ofType('gx:GaiaXTermsAndConditions').some((c) => c.issuer === self) || trusted.has(self, 'issuer');
    if (!termsAccepted) {
      findings.push(finding(RULE, 'TERMS_NOT_ACCEPTED', 'presentation', '/verifiableCredential',
        `no gx:GaiaXTermsAndConditions credential issued by ${self}: the participant has not accepted the Gaia-X terms and conditions`,
        `Add a gx:GaiaXTermsAndConditions credential signed by ${self}`));
    }
    const targets = linkedIds(participant.subject['gx:legalRegistrationNumber']);
    if (targets.length === 0) {
      findings.push(finding(RULE, 'REGISTRATION_NUMBER_MISSING', participant, '/credentialSubject/gx:legalRegistrationNumber',
        'the gx:LegalParticipant names no gx:legalRegistrationNumber', 'Link the registration number credential ({"id": ...}) and present it'));
    }
    const numbers = ofType('gx:legalRegistrationNumber');
    for (const target of targets) {
      const number = numbers.find((c) => c.subject['id'] === target || c.id === target);
      if (number === undefined) {
        findings.push(finding(RULE, 'REGISTRATION_NUMBER_MISSING', participant, '/credentialSubject/gx:legalRegistrationNumber',
          `no gx:legalRegistrationNumber credential in the presentation has the id ${target}`, 'Ask a Gaia-X notary for the registration number credential and add it'));
      } else if (!trusted.has(number.issuer, 'notary')) {
        findings.push(finding(RULE, 'UNTRUSTED_NOTARY', number, '/issuer', `${number.issuer} is not a trusted notary`,
          'Have the registration number issued by a trusted notary (listed in GX_TRUSTED_ISSUERS)'));
      }
    }
    const participantId = participant.subject['id'];
    for (const offering of ofType('gx:ServiceOffering')) {
      for (const provider of linkedIds(offering.subject['gx:providedBy'])) {
        if (provider !== participantId) {
          findings.push(finding(RULE, 'DANGLING_REFERENCE', offering, '/credentialSubject/gx:providedBy',
            `gx:providedBy names ${provider}, which is not the gx:LegalParticipant of this presentation`, `Point gx:providedBy at ${String(participantId)}`));
        }
      }
    }
    return findings;
  },
};
