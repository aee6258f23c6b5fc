/**
 * Rule 1, `proof-signatures`: every proof (the presentation's and each credential's) verifies with
 * the core; JWTs name their issuer and key in the protected header (`iss`, `kid`), as Gaia-X ICAM
 * requires; and the presentation is signed by the participant it describes, so nobody can submit
 * another member's credentials as their own, nor a label about another participant. The X.509,
 * validity and status parts of the reports belong to their own rules.
 */
import type { Check } from '../../verifying/index.js';
import { labelHolderMismatch } from '../connector-check.js';
import { didOf, finding, hasType, type ComplianceFinding, type ComplianceRule, type SubmittedCredential } from '../types.js';

export const RULE = 'proof-signatures';
const PROOF_CHECKS = new Set(['format', 'proof', 'key-binding', 'credential', 'challenge', 'domain']);

function proofFailures(checks: readonly Check[]): Check[] {
  return checks.filter((check) => PROOF_CHECKS.has(check.check) && !check.verified);
}

const HINT = 'Sign again with a key listed in your DID document (assertionMethod for credentials, authentication for the presentation)';

export const proofSignatures: ComplianceRule = {
  id: RULE,
  title: 'proofs of the presentation and of every credential, iss/kid headers, holder is the participant and the subject of every label it holds',
  run({ submission }) {
    const findings: ComplianceFinding[] = [];
    for (const check of proofFailures(submission.report.checks)) {
      findings.push(finding(RULE, check.code ?? 'CHECK_NOT_RUN', 'presentation', check.pointer ?? '', `presentation ${check.check}: ${check.message ?? check.code}`, HINT));
    }
    const headerFaults = (header: Record<string, unknown> | undefined, expectedIss: string | undefined, subject: SubmittedCredential | 'presentation') => {
      if (header === undefined) return;
      if (typeof header['kid'] !== 'string' || typeof header['iss'] !== 'string') {
        findings.push(finding(RULE, 'KEY_BINDING', subject, '', 'the JWT protected header lacks iss or kid', 'Put the signer DID in "iss" and its verification method DID URL in "kid" of the protected header'));
      } else if (expectedIss !== undefined && header['iss'] !== expectedIss) {
        findings.push(finding(RULE, 'KEY_BINDING', subject, '/issuer', `the protected header's iss (${String(header['iss'])}) is not the credential's issuer ${expectedIss}`, 'Sign with a key of the credential issuer'));
      }
    };
    if (proofFailures(submission.report.checks).length === 0) headerFaults(submission.header, undefined, 'presentation');
    for (const credential of submission.credentials) {
      const failures = proofFailures(credential.report.checks);
      for (const check of failures) {
        findings.push(finding(RULE, check.code ?? 'CHECK_NOT_RUN', credential, check.pointer ?? '', `${check.check}: ${check.message ?? check.code}`, HINT));
      }
      if (failures.length === 0) headerFaults(credential.header, credential.issuer, credential);
    }
    // A label is a statement about one participant: only that participant may present it.
    for (const credential of submission.credentials) {
      const mismatch = labelHolderMismatch(credential.document, submission.holder);
      if (mismatch === undefined) continue;
      const at = Array.isArray(credential.document['credentialSubject']) ? '/credentialSubject/0/id' : '/credentialSubject/id';
      findings.push(finding(RULE, 'LABEL_SUBJECT_MISMATCH', credential, at, mismatch,
        'Present only labels issued about you; a label of another participant vouches for that participant alone'));
    }
    // The participant is the DID of the LegalPerson's subject; a LegalPerson described under a
    // non-DID id is represented by its issuer.
    const legalPerson = submission.credentials.find((c) => hasType(c, 'gx:LegalPerson'));
    if (legalPerson !== undefined) {
      const participant = didOf(legalPerson.subject['id']) ?? legalPerson.issuer;
      if (submission.holder !== participant) {
        findings.push(
          finding(RULE, 'HOLDER_NOT_PARTICIPANT', 'presentation', submission.jwt === undefined ? '/holder' : '', `the presentation is signed by ${String(submission.holder)}, not by the participant ${participant}`, `Sign the presentation with a key of ${participant} (its DID document's authentication method)`),
        );
      }
    }
    return findings;
  },
};
