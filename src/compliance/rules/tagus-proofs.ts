/**
 * Rule `tagus-proofs` (Tagus-era input only): every credential's JsonWebSignature2020 proof
 * verifies with the core. Tagus presentations were sent unsigned to the Gaia-X compliance service
 * (the samples carry no VP proof), so a presentation proof is checked only when there is one; the
 * participant is then the LegalParticipant's issuer, whose own proof binds it.
 */
import type { Check } from '../../verifying/index.js';
import { finding, type ComplianceFinding, type ComplianceRule } from '../types.js';

export const RULE = 'tagus-proofs';
const PROOF_CHECKS = new Set(['format', 'proof', 'key-binding', 'credential', 'challenge', 'domain']);
const HINT = 'Sign again (JsonWebSignature2020) with a key listed under assertionMethod in your DID document';

const failures = (checks: readonly Check[]) => checks.filter((c) => PROOF_CHECKS.has(c.check) && !c.verified);

export const tagusProofs: ComplianceRule = {
  id: RULE,
  title: 'the JsonWebSignature2020 proof of every credential (and of the presentation, when signed)',
  run({ submission }) {
    const findings: ComplianceFinding[] = [];
    if (submission.presentation['proof'] !== undefined) {
      for (const check of failures(submission.report.checks)) {
        findings.push(finding(RULE, check.code ?? 'CHECK_NOT_RUN', 'presentation', check.pointer ?? '', `presentation ${check.check}: ${check.message ?? check.code}`, HINT));
      }
    }
    for (const credential of submission.credentials) {
      for (const check of failures(credential.report.checks)) {
        findings.push(finding(RULE, check.code ?? 'CHECK_NOT_RUN', credential, check.pointer ?? '', `${check.check}: ${check.message ?? check.code}`, HINT));
      }
    }
    return findings;
  },
};
