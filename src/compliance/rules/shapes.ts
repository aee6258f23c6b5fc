/**
 * Rule `shapes`: the merged graph of every credential against the Danube shapes (bundled, or the
 * official 25.11 file when configured), with the Danube validator built once at start. A
 * `sh:class` result on a link that points outside the presentation is the `references` (or, for
 * gx:registrationNumber, the `registration-number-notary`) rule's finding, not a second one here.
 */
import { pointedIntoRequest } from '../../danube/submission-limits.js';
import { danglingReferences } from './references.js';
import { registrationNumberNotary } from './registration-number-notary.js';
import type { ComplianceFinding, ComplianceRule } from '../types.js';

export const RULE = 'shapes';

export const shapes: ComplianceRule = {
  id: RULE,
  title: 'the merged graph of all credentials conforms to the Danube 25.11 shapes',
  async run(context) {
    const { submission } = context;
    // Over the validator's size limits it throws (GRAPH_TOO_LARGE): the engine makes that the rule's finding.
    const result = await context.validateShapes(submission.credentials.map((c) => c.document)).catch((error: unknown) => {
      throw pointedIntoRequest(error, (index) => submission.credentials[index]?.pointer);
    });
    context.shapes = result;
    const registrationNumbers = (await registrationNumberNotary.run(context)).filter((f) => f.code === 'REGISTRATION_NUMBER_MISSING');
    const dangling = [...danglingReferences(submission), ...registrationNumbers].map((f) => f.pointer);
    const findings: ComplianceFinding[] = [];
    for (const shapeFinding of result.findings) {
      if (shapeFinding.severity !== 'violation') continue;
      // The validator points into the list it was given: /<index>/...
      const match = /^\/(\d+)(.*)$/.exec(shapeFinding.pointer);
      const credential = match === null ? undefined : submission.credentials[Number(match[1])];
      const pointer = credential === undefined ? shapeFinding.pointer : credential.pointer + (match?.[2] ?? '');
      if (shapeFinding.rule === 'shacl:class' && dangling.some((p) => pointer.startsWith(p))) continue;
      findings.push({
        rule: RULE,
        // A finding with a code of its own (an undefined prefix, a Tagus term, no Gaia-X subject) keeps it.
        code: shapeFinding.code ?? 'SHAPE_VIOLATION',
        credential: credential?.id ?? 'presentation',
        pointer,
        message: `${shapeFinding.rule}: ${shapeFinding.message}`,
        hint: shapeFinding.hint,
      });
    }
    return findings;
  },
};
