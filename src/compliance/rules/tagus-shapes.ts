/**
 * Rule `tagus-shapes` (Tagus-era input only): the credentials conform to the Tagus 22.10
 * trust-framework shapes the Gaia-X Lab compliance service validated with (shipped as data,
 * src/danube/shapes/tagus/). The Danube shapes do not apply to the 22.10 vocabulary.
 */
import { shippedTagusShapes, type TagusShapesValidator } from '../../danube/tagus-shapes.js';
import type { ComplianceFinding, ComplianceRule } from '../types.js';

export const RULE = 'tagus-shapes';

export function createTagusShapesRule(validator: TagusShapesValidator): ComplianceRule {
  return {
    id: RULE,
    title: 'the credentials conform to the Gaia-X Tagus 22.10 trust-framework shapes',
    async run({ submission }) {
      const { findings } = await validator.validate(submission.credentials.map((c) => c.document));
      return findings.map((f): ComplianceFinding => {
        // Validator pointers index the credentials array; the answer's index the presentation.
        const pointer = f.pointer.replace(/^\/(\d+)/, '/verifiableCredential/$1');
        const credential = f.credentialIndex === undefined ? undefined : submission.credentials[f.credentialIndex];
        return { rule: RULE, code: f.code ?? 'SHAPE_VIOLATION', credential: credential?.id ?? 'presentation', pointer, message: f.message, hint: f.hint };
      });
    },
  };
}

export const tagusShapes: ComplianceRule = createTagusShapesRule(shippedTagusShapes);
