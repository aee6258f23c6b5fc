/**
 * Rule `validity`: the presentation and every credential are within their validity period now
 * (validFrom/validUntil and the JWT's own instants, with the configured clock skew). The label's
 * lifetime never extends past the earliest expiry of the credentials it covers (see
 * label-credential.ts), so a credential valid now is valid for the label's whole lifetime.
 */
import type { VerificationReport } from '../../verifying/index.js';
import { finding, type ComplianceFinding, type ComplianceRule, type SubmittedCredential } from '../types.js';

export const RULE = 'validity';

function periodFindings(report: VerificationReport, subject: SubmittedCredential | 'presentation'): ComplianceFinding[] {
  return report.checks
    .filter((c) => c.check === 'validity' && !c.verified)
    .map((c) => finding(RULE, c.code ?? 'VALIDITY_PERIOD', subject, c.pointer ?? '', c.message ?? 'not within its validity period',
      'Renew the credential (a new validFrom/validUntil) and submit again'));
}

export const validity: ComplianceRule = {
  id: RULE,
  title: 'every credential is valid now and for the label\'s lifetime',
  run: ({ submission }) => [
    ...periodFindings(submission.report, 'presentation'),
    ...submission.credentials.flatMap((c) => periodFindings(c.report, c)),
  ],
};
