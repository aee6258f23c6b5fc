/**
 * Rule 2, `x509-binding`: Gaia-X trusts a key only through an X.509 chain (ICAM: "the public key
 * ... MUST be ... x5c or x5u"). Every signing key (presentation and credentials) must carry
 * `x5c`/`x5u`, its chain must lead to a configured trust anchor, the JWK must be the leaf's key,
 * and every certificate must be valid for the whole validity of the credential. The core
 * verifier's 'x509' check does all of that (x5u through the hardened fetch); this rule requires
 * it to have run and passed.
 */
import type { VerificationReport } from '../../verifying/index.js';
import { finding, type ComplianceFinding, type ComplianceRule, type SubmittedCredential } from '../types.js';

export const RULE = 'x509-binding';

function keyWasResolved(report: VerificationReport): boolean {
  return report.checks.some((c) => (c.check === 'proof' || c.check === 'key-binding') && c.verified) &&
    !report.checks.some((c) => (c.check === 'proof' || c.check === 'key-binding') && !c.verified);
}

function chainFindings(report: VerificationReport, subject: SubmittedCredential | 'presentation'): ComplianceFinding[] {
  const x509 = report.checks.find((c) => c.check === 'x509');
  if (x509 === undefined) {
    // Without a resolved key there is nothing to bind; the proof rule reports that.
    if (!keyWasResolved(report)) return [];
    return [
      finding(RULE, 'X509_MISSING', subject, '', 'the signing key carries no x5c or x5u: it is not bound to an X.509 certificate',
        'Publish the key in the DID document as a JsonWebKey2020 method whose publicKeyJwk has x5c (or x5u), leaf first, issued under a Gaia-X trust anchor'),
    ];
  }
  if (x509.verified) return [];
  return [
    finding(RULE, x509.code ?? 'X509_CHAIN', subject, '', `the signing key's certificate chain is not trusted: ${x509.message ?? x509.code}`,
      'Use a certificate chain that leads to a configured trust anchor, whose leaf certifies exactly the published key and which stays valid until the credential expires'),
  ];
}

export const x509Binding: ComplianceRule = {
  id: RULE,
  title: 'every signing key is X.509-certified by a trust anchor for the whole validity',
  run({ submission }) {
    return [
      ...chainFindings(submission.report, 'presentation'),
      ...submission.credentials.flatMap((credential) => chainFindings(credential.report, credential)),
    ];
  },
};
