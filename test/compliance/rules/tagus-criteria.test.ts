/**
 * Rule `tagus-criteria` on its own: the criteria Tagus input establishes fill gx:validatedCriteria
 * (never empty), and the levels it cannot establish are refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRITERIA } from '../../../src/compliance/criteria.js';
import { tagusCriteria } from '../../../src/compliance/rules/tagus-criteria.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';
import { presentation } from './tagus-rules-world.js';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('tagus-criteria', () => {
  it('records the declaration, automated validation and eIDAS-type signature when their rules passed', async () => {
    const context = await world.context(await presentation(world), { level: 'L1' });
    expect(await tagusCriteria.run(context)).toEqual([]);
    expect(context.validatedCriteria).toEqual([CRITERIA.declaration, CRITERIA.automatedValidation, CRITERIA.eidasSignature]);
  });

  it('leaves out what a failed rule did not establish', async () => {
    const context = await world.context(await presentation(world), { failedRules: ['tagus-shapes', 'x509-binding'] });
    await tagusCriteria.run(context);
    expect(context.validatedCriteria).toEqual([CRITERIA.declaration]);
  });

  it('refuses Label Level 3 for Tagus input, criterion by criterion', async () => {
    const context = await world.context(await presentation(world), { level: 'L3' });
    const findings = await tagusCriteria.run(context);
    expect(findings.map((f) => [f.code, f.criterion, f.credential, f.pointer])).toEqual([
      ['LABEL_CRITERIA_UNMET', CRITERIA.euDataProtection, 'presentation', '/verifiableCredential'],
      ['LABEL_CRITERIA_UNMET', CRITERIA.conformityAssessment, 'presentation', '/verifiableCredential'],
      ['LABEL_CRITERIA_UNMET', CRITERIA.euHeadquarters, 'presentation', '/verifiableCredential'],
    ]);
  });
});
