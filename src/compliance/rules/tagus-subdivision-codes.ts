/**
 * Rule `tagus-subdivision-codes` (Tagus-era input only): every gx:countrySubdivisionCode of a
 * gx:LegalParticipant's gx:legalAddress and gx:headquarterAddress names a real ISO 3166-2
 * subdivision. The 22.10 shapes check only the form (`^[a-zA-Z]{2}-(?:[a-zA-Z]{1,3}|[0-9]{1,3})$`),
 * which "XX-123" passes; the Trust Framework asks for an ISO 3166-2 code.
 */
import { ISO_3166_2 } from '../../danube/iso-3166.js';
import { isObject } from '../../credentials/index.js';
import { finding, type ComplianceFinding, type ComplianceRule } from '../types.js';
import { tagusTypeOf } from './tagus-participant.js';

export const RULE = 'tagus-subdivision-codes';
const ADDRESSES = ['gx:legalAddress', 'gx:headquarterAddress'] as const;

export const tagusSubdivisionCodes: ComplianceRule = {
  id: RULE,
  title: 'address subdivision codes exist in ISO 3166-2',
  run({ submission }) {
    const findings: ComplianceFinding[] = [];
    for (const participant of submission.credentials.filter((c) => tagusTypeOf(c) === 'gx:LegalParticipant')) {
      for (const property of ADDRESSES) {
        const address = participant.subject[property];
        const code = isObject(address) ? address['gx:countrySubdivisionCode'] : undefined;
        if (typeof code !== 'string' || ISO_3166_2.has(code.toUpperCase())) continue;
        findings.push(finding(RULE, 'COUNTRY_SUBDIVISION_UNKNOWN', participant, `/credentialSubject/${property}/gx:countrySubdivisionCode`,
          `${JSON.stringify(code)} is not an ISO 3166-2 subdivision code`,
          'Use the ISO 3166-2 code of the subdivision, such as BE-BRU or DE-BY'));
      }
    }
    return findings;
  },
};
