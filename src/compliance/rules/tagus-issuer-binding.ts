/**
 * Rule `tagus-issuer-binding` (Tagus-era input only): a gx:ServiceOffering is issued by the
 * participant its gx:providedBy names, and a gx:DataResource by the participant its gx:producedBy
 * names: the issuer of that gx:LegalParticipant credential. Otherwise anyone could describe
 * services or data in another participant's name and have them labelled.
 * (A gx:providedBy that names no presented participant is tagus-participant's DANGLING_REFERENCE.)
 */
import { finding, linkedIds, type ComplianceFinding, type ComplianceRule } from '../types.js';
import { tagusTypeOf } from './tagus-participant.js';

export const RULE = 'tagus-issuer-binding';

const BINDINGS = [
  { type: 'gx:ServiceOffering', property: 'gx:providedBy' },
  { type: 'gx:DataResource', property: 'gx:producedBy' },
] as const;

export const tagusIssuerBinding: ComplianceRule = {
  id: RULE,
  title: 'ServiceOffering and DataResource issuers are their providedBy / producedBy participant',
  run({ submission }) {
    const participants = submission.credentials.filter((c) => tagusTypeOf(c) === 'gx:LegalParticipant');
    const findings: ComplianceFinding[] = [];
    for (const { type, property } of BINDINGS) {
      for (const credential of submission.credentials.filter((c) => tagusTypeOf(c) === type)) {
        for (const target of linkedIds(credential.subject[property])) {
          const participant = participants.find((p) => p.subject['id'] === target || p.id === target);
          if (participant === undefined) {
            if (type === 'gx:DataResource') {
              findings.push(finding(RULE, 'DANGLING_REFERENCE', credential, `/credentialSubject/${property}`,
                `${property} names ${target}, which no gx:LegalParticipant of this presentation is`, `Present the gx:LegalParticipant credential of ${target}`));
            }
            continue;
          }
          if (credential.issuer !== participant.issuer) {
            findings.push(finding(RULE, 'ISSUER_MISMATCH', credential, '/issuer',
              `the ${type} is issued by ${credential.issuer}, but its ${property} participant is issued by ${participant.issuer}`,
              `Have ${participant.issuer} issue the ${type}`));
          }
        }
      }
    }
    return findings;
  },
};
