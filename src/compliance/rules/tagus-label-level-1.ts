/**
 * Rule `tagus-label-level-1` (Tagus-era input only): a presentation that holds a
 * gx:ServiceOfferingLabelLevel1 credential claims Label Level 1 for a service offering, and the
 * claim holds only when every criterion the 22.10 shapes list for it (P1.1.1 ... P5.2.1, the
 * Compliance Document's numbers) is answered `Confirm`. The shapes admit `Deny` and
 * `Not applicable` as well-formed answers; a label cannot rest on them. Each confirmed criterion
 * is recorded among the validated criteria under its Gaia-X identifier.
 */
import { isObject } from '../../credentials/index.js';
import { TAGUS_GX } from '../../danube/namespaces.js';
import { shippedTagusShapes, type TagusShapesValidator } from '../../danube/tagus-shapes.js';
import type { ComplianceFinding, ComplianceRule } from '../types.js';
import { finding } from '../types.js';
import { tagusTypeOf } from './tagus-participant.js';

export const RULE = 'tagus-label-level-1';
export const LABEL_LEVEL_1_TYPE = 'gx:ServiceOfferingLabelLevel1';

export function createTagusLabelLevel1Rule(validator: TagusShapesValidator): ComplianceRule {
  return {
    id: RULE,
    title: 'a gx:ServiceOfferingLabelLevel1 credential confirms every label-level-1 criterion',
    async run(context) {
      const labels = context.submission.credentials.filter((c) => tagusTypeOf(c) === LABEL_LEVEL_1_TYPE);
      if (labels.length === 0) return [];
      const criteria = await validator.labelLevel1Criteria();
      const findings: ComplianceFinding[] = [];
      for (const label of labels) {
        const answers = label.subject['gx:criteria'];
        for (const criterion of criteria) {
          const key = `gx:${criterion.slice(TAGUS_GX.length)}`;
          const answer = isObject(answers) ? answers[key] : undefined;
          const response = isObject(answer) ? answer['gx:response'] : undefined;
          if (response === 'Confirm') continue;
          findings.push({
            ...finding(RULE, 'LABEL_CRITERIA_UNMET', label, `/credentialSubject/gx:criteria/${key}`,
              response === undefined ? `criterion ${key.slice(3)} is not answered` : `criterion ${key.slice(3)} is answered ${JSON.stringify(response)}, not "Confirm"`,
              'Label Level 1 needs every criterion of the Compliance Document confirmed; request standard compliance otherwise'),
            criterion,
          });
        }
      }
      if (findings.length === 0) context.validatedCriteria.push(...criteria);
      return findings;
    },
  };
}

export const tagusLabelLevel1: ComplianceRule = createTagusLabelLevel1Rule(shippedTagusShapes);
