/**
 * Rule `label-criteria`: the criteria of the requested label (criteria.ts). Declaration, automated
 * validation and the eIDAS-type signature follow from the rules before; this rule decides the
 * rest: the EU data protection regime of every ServiceOffering (L2, L3), the conformity
 * assessment (L2, L3: only from an attestation credential of a trusted assessor that verified in
 * full, never assumed) and headquarters in the EU (L3). It lists every satisfied criterion.
 */
import { EU_MEMBER_STATES } from '../../danube/iso-3166.js';
import { ATTESTATION_TYPE, ATTESTED_LEVEL, CRITERIA, CRITERIA_BY_LEVEL, EU_DATA_PROTECTION_REGIMES, isLabelLevel, levelRank } from '../criteria.js';
import { didOf, finding, hasType, type ComplianceFinding, type ComplianceRule, type RuleContext } from '../types.js';

export const RULE = 'label-criteria';

const DECLARATION_RULES = ['legal-person-issuer', 'issuer-terms', 'registration-number-notary'];
const AUTOMATED_RULES = ['proof-signatures', 'shapes', 'country-codes', 'references', 'validity', 'revocation'];

function regimes(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
}

export const labelCriteria: ComplianceRule = {
  id: RULE,
  title: 'the criteria of the requested label level (Compliance Document matrix)',
  run(context: RuleContext) {
    const { submission, trusted, requestedLevel, failedRules } = context;
    const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
    const offerings = submission.credentials.filter((c) => hasType(c, 'gx:ServiceOffering'));
    const participantIds = new Set([legalPerson?.subject['id'], didOf(legalPerson?.subject['id'])].filter((v) => v !== undefined));
    const hq = legalPerson?.subject['gx:headquartersAddress'] as Record<string, unknown> | undefined;
    const hqCountry = typeof hq?.['gx:countryCode'] === 'string' ? hq['gx:countryCode'].toUpperCase() : undefined;
    const attestation = submission.credentials.find(
      (c) =>
        hasType(c, ATTESTATION_TYPE) &&
        trusted.has(c.issuer, 'assessor') &&
        c.report.verified &&
        participantIds.has(c.subject['id'] as string) &&
        isLabelLevel(c.subject[ATTESTED_LEVEL]) &&
        levelRank(c.subject[ATTESTED_LEVEL]) >= Math.max(levelRank('L2'), levelRank(requestedLevel)),
    );
    const met: Record<string, boolean> = {
      [CRITERIA.declaration]: legalPerson !== undefined && !DECLARATION_RULES.some((r) => failedRules.has(r)),
      [CRITERIA.automatedValidation]: !AUTOMATED_RULES.some((r) => failedRules.has(r)),
      [CRITERIA.eidasSignature]: !failedRules.has('x509-binding'),
      [CRITERIA.euDataProtection]: offerings.length > 0 && offerings.every((o) => regimes(o.subject['gx:dataProtectionRegime']).some((r) => EU_DATA_PROTECTION_REGIMES.has(r))),
      [CRITERIA.conformityAssessment]: attestation !== undefined,
      [CRITERIA.euHeadquarters]: hqCountry !== undefined && EU_MEMBER_STATES.has(hqCountry),
    };
    context.validatedCriteria = Object.entries(met).filter(([, ok]) => ok).map(([iri]) => iri);

    const findings: ComplianceFinding[] = [];
    const required = CRITERIA_BY_LEVEL[requestedLevel];
    const unmet = (iri: string, f: ComplianceFinding) => {
      if (required.includes(iri) && !met[iri]) findings.push({ ...f, criterion: iri });
    };
    unmet(CRITERIA.euDataProtection, finding(RULE, 'LABEL_CRITERIA_UNMET', offerings.find((o) => !regimes(o.subject['gx:dataProtectionRegime']).some((r) => EU_DATA_PROTECTION_REGIMES.has(r))) ?? 'presentation',
      offerings.length === 0 ? '/verifiableCredential' : '/credentialSubject/gx:dataProtectionRegime',
      offerings.length === 0 ? `label ${requestedLevel} covers services: the presentation holds no gx:ServiceOffering` : `label ${requestedLevel} needs every ServiceOffering under an EU data protection regime (GDPR2016)`,
      'Declare gx:dataProtectionRegime "GDPR2016" on every gx:ServiceOffering'));
    unmet(CRITERIA.conformityAssessment, finding(RULE, 'LABEL_CRITERIA_UNMET', 'presentation', '/verifiableCredential',
      `label ${requestedLevel} needs a conformity assessment: no ${ATTESTATION_TYPE} for the participant at level ${requestedLevel} or above from a trusted assessor`,
      'Add the attestation credential your conformity assessment body issued (its DID must be among the assessors in GX_TRUSTED_ISSUERS)'));
    if (legalPerson !== undefined) {
      unmet(CRITERIA.euHeadquarters, finding(RULE, 'LABEL_CRITERIA_UNMET', legalPerson, '/credentialSubject/gx:headquartersAddress/gx:countryCode',
        `label ${requestedLevel} needs the provider's headquarters in the EU; gx:headquartersAddress is in ${hqCountry ?? 'no stated country'}`,
        'Label Level 3 is for providers headquartered in an EU member state; request Level 2 instead'));
    }
    return findings;
  },
};
