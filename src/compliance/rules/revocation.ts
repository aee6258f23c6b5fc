/**
 * Rule `revocation`: no presented credential is revoked or suspended. The core verifier's
 * 'status' check reads each credential's status list and fails closed: a list that cannot be
 * fetched or verified fails the rule as surely as a set bit.
 */
import { finding, type ComplianceRule } from '../types.js';

export const RULE = 'revocation';

export const revocation: ComplianceRule = {
  id: RULE,
  title: 'no credential is revoked or suspended (status lists, fail closed)',
  run: ({ submission }) =>
    submission.credentials.flatMap((credential) =>
      credential.report.checks
        .filter((c) => c.check === 'status' && !c.verified)
        .map((c) => finding(RULE, c.code ?? 'STATUS_VERIFICATION_ERROR', credential, '/credentialStatus', c.message ?? 'the status could not be established',
          c.code === 'CREDENTIAL_REVOKED' || c.code === 'CREDENTIAL_SUSPENDED'
            ? 'Ask the issuer for a new credential; a revoked one cannot be used'
            : 'The status list could not be read or verified; retry, or ask the issuer to publish it')),
    ),
};
