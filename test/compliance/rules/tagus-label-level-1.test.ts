/**
 * Rule `tagus-label-level-1` on its own: a presentation holding a gx:ServiceOfferingLabelLevel1
 * credential must confirm every criterion the 22.10 shapes list for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusLabelLevel1 } from '../../../src/compliance/rules/tagus-label-level-1.js';
import { tagusShapes } from '../../../src/compliance/rules/tagus-shapes.js';
import { shippedTagusShapes } from '../../../src/danube/tagus-shapes.js';
import { resignTagus } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';
import { presentation, tagusCredential } from './tagus-rules-world.js';

type Json = Record<string, any>;
const GX = 'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#';

let world: RuleWorld;
let criteria: string[];
beforeAll(async () => {
  world = await startRuleWorld();
  criteria = await shippedTagusShapes.labelLevel1Criteria();
});
afterAll(async () => {
  await world?.close();
});

/** The sample presentation with a label-level-1 claim for its offering, answered by `answer`. */
async function withLabel(answer: (criterion: string) => Json | undefined): Promise<Json> {
  const vp = await presentation(world);
  const offering = vp['verifiableCredential'][3]['credentialSubject']['id'] as string;
  const answers = Object.fromEntries(criteria.map((c) => [`gx:${c.slice(GX.length)}`, answer(c)]).filter(([, a]) => a !== undefined));
  vp['verifiableCredential'].push(await resignTagus(tagusCredential('https://member.example/label-level-1.json', { type: 'gx:ServiceOfferingLabelLevel1', 'gx:assignedTo': { id: offering }, 'gx:criteria': { type: 'gx:ServiceOfferingCriteria', ...answers } }), world.member));
  return vp;
}

describe('tagus-label-level-1', () => {
  it('does nothing for a presentation without a label-level-1 credential', async () => {
    expect(await world.run(tagusLabelLevel1, await presentation(world))).toEqual([]);
  });

  it('passes a claim confirming every criterion, and records them by their Gaia-X identifiers', async () => {
    const vp = await withLabel(() => ({ 'gx:response': 'Confirm' }));
    expect(await world.run(tagusShapes, vp)).toEqual([]);
    const context = await world.context(vp);
    expect(await tagusLabelLevel1.run(context)).toEqual([]);
    expect(context.validatedCriteria).toEqual(criteria);
    expect(context.validatedCriteria).toContain(`${GX}P5.1.4`);
  });

  it('refuses a criterion answered Deny or Not applicable, or not answered, naming it', async () => {
    const vp = await withLabel((c) => (c === `${GX}P1.1.2` ? { 'gx:response': 'Deny' } : c === `${GX}P2.3.1` ? { 'gx:response': 'Not applicable', 'gx:reason': 'no joint controllership' } : c === `${GX}P5.2.1` ? undefined : { 'gx:response': 'Confirm' }));
    const context = await world.context(vp);
    const findings = await tagusLabelLevel1.run(context);
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'tagus-label-level-1', code: 'LABEL_CRITERIA_UNMET', criterion: `${GX}P1.1.2`, pointer: '/verifiableCredential/4/credentialSubject/gx:criteria/gx:P1.1.2', message: 'criterion P1.1.2 is answered "Deny", not "Confirm"' }),
      expect.objectContaining({ criterion: `${GX}P2.3.1`, message: 'criterion P2.3.1 is answered "Not applicable", not "Confirm"' }),
      expect.objectContaining({ criterion: `${GX}P5.2.1`, message: 'criterion P5.2.1 is not answered' }),
    ]);
    expect(context.validatedCriteria).toEqual([]);
  });
});
