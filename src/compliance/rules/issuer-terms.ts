/**
 * Rule `issuer-terms`: every issuer whose credentials are presented and who is not already trusted
 * (notary, trusted issuer, compliance service, assessor) has accepted the Gaia-X terms and
 * conditions: a gx:Issuer credential it issued about itself, whose gx:gaiaxTermsAndConditions is
 * a SHA-256 the release accepts on the decision date.
 */
import { checkTermsAndConditions, DANUBE_TERMS_AND_CONDITIONS } from '../../danube/terms-and-conditions.js';
import { didOf, finding, hasType, type ComplianceFinding, type ComplianceRule } from '../types.js';

export const RULE = 'issuer-terms';
const TC = 'gx:gaiaxTermsAndConditions';

export const issuerTerms: ComplianceRule = {
  id: RULE,
  title: 'a gx:Issuer with accepted terms and conditions for every issuer not already trusted',
  run({ submission, trusted, now, acceptedTermsAndConditions }) {
    const accepted = acceptedTermsAndConditions ?? DANUBE_TERMS_AND_CONDITIONS;
    const findings: ComplianceFinding[] = [];
    const issuers = [...new Set(submission.credentials.map((c) => c.issuer).filter((i) => i !== ''))];
    for (const issuer of issuers) {
      if (trusted.trustedForAnything(issuer)) continue;
      const declarations = submission.credentials.filter((c) => hasType(c, 'gx:Issuer') && c.issuer === issuer && didOf(c.subject['id']) === issuer);
      if (declarations.length === 0) {
        findings.push(finding(RULE, 'TERMS_NOT_ACCEPTED', 'presentation', '/verifiableCredential',
          `no gx:Issuer credential of ${issuer}: it has not accepted the Gaia-X terms and conditions`,
          `Add a gx:Issuer credential issued by ${issuer} about itself with gx:gaiaxTermsAndConditions = ${DANUBE_TERMS_AND_CONDITIONS[0]?.hash}`));
        continue;
      }
      const verdicts = declarations.map((c) => ({ c, verdict: checkTermsAndConditions(String(c.subject[TC] ?? ''), accepted, now) }));
      if (verdicts.some((v) => v.verdict.accepted)) continue;
      for (const { c, verdict } of verdicts) {
        if (verdict.accepted) continue;
        findings.push(finding(RULE, 'TERMS_NOT_ACCEPTED', c, `/credentialSubject/${TC}`,
          verdict.reason === 'expired' ? `this terms-and-conditions hash was accepted only until ${verdict.until?.toISOString()}` : 'this is not the SHA-256 of accepted Gaia-X terms and conditions',
          `Accept the current terms: ${verdict.current.join(' or ')}`));
      }
    }
    return findings;
  },
};
