/**
 * Rule `tagus-criteria` (Tagus-era input only, last): the label criteria Tagus input establishes,
 * which the label lists in gx:validatedCriteria (never empty: the 25.11 shapes require one). The
 * declaration follows from tagus-participant, the automated validation from the proof, shape,
 * subdivision, issuer, validity and status rules, the eIDAS-type signature from x509-binding.
 * The 22.10 vocabulary carries no data protection regime, assessment or headquarters country a
 * Level 2 or 3 rests on, so those levels are refused for Tagus input.
 */
import { CRITERIA, CRITERIA_BY_LEVEL } from '../criteria.js';
import type { ComplianceFinding, ComplianceRule } from '../types.js';

export const RULE = 'tagus-criteria';

const DECLARATION_RULES = ['tagus-participant'];
const AUTOMATED_RULES = ['tagus-proofs', 'tagus-shapes', 'tagus-subdivision-codes', 'tagus-issuer-binding', 'tagus-label-level-1', 'validity', 'revocation'];
/** Established (or refused) by the rules before, which report their own findings. */
const PROCESS_CRITERIA: readonly string[] = [CRITERIA.declaration, CRITERIA.automatedValidation, CRITERIA.eidasSignature];

export const tagusCriteria: ComplianceRule = {
  id: RULE,
  title: 'the criteria of the requested label level that Tagus input establishes',
  run(context) {
    const { failedRules, requestedLevel } = context;
    const met: Record<string, boolean> = {
      [CRITERIA.declaration]: !DECLARATION_RULES.some((r) => failedRules.has(r)),
      [CRITERIA.automatedValidation]: !AUTOMATED_RULES.some((r) => failedRules.has(r)),
      [CRITERIA.eidasSignature]: !failedRules.has('x509-binding'),
    };
    // The label-level-1 rule may have recorded the Compliance Document criteria it confirmed.
    context.validatedCriteria = [...PROCESS_CRITERIA.filter((iri) => met[iri]), ...context.validatedCriteria];
    const findings: ComplianceFinding[] = [];
    for (const criterion of CRITERIA_BY_LEVEL[requestedLevel]) {
      if (PROCESS_CRITERIA.includes(criterion)) continue;
      findings.push({
        rule: RULE,
        code: 'LABEL_CRITERIA_UNMET',
        credential: 'presentation',
        pointer: '/verifiableCredential',
        message: `label ${requestedLevel} needs ${criterion}, which Tagus (22.10) credentials cannot establish`,
        hint: 'Request standard compliance or Label Level 1 for Tagus input, or submit Danube (25.11) credentials',
        criterion,
      });
    }
    return findings;
  },
};
