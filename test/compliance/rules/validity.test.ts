/**
 * Rule `validity` on its own: the presentation and every credential are within their validity
 * period at the decision's instant, as the verifier judged it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validity } from '../../../src/compliance/rules/validity.js';
import { daysFromNow, legalPerson, memberCredentials } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const HINT = 'Renew the credential (a new validFrom/validUntil) and submit again';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('validity', () => {
  it('passes credentials valid now', async () => {
    expect(await world.run(validity, await world.member.present(await memberCredentials(world, world.member)))).toEqual([]);
  });

  it('refuses an expired credential, pointing at its validUntil', async () => {
    const expired = legalPerson(world.member.did, {}, { validFrom: daysFromNow(-30), validUntil: daysFromNow(-1) });
    const findings = await world.run(validity, await world.member.present(await memberCredentials(world, world.member, { legalPerson: expired })));
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'validity', code: 'VALIDITY_PERIOD', credential: expired['id'], pointer: '/verifiableCredential/0/validUntil', hint: HINT }),
    ]);
    expect(findings[0]!.message).toMatch(/^expired at /);
  });

  it('refuses a credential not valid yet, pointing at its validFrom', async () => {
    const future = legalPerson(world.member.did, {}, { validFrom: daysFromNow(3) });
    const findings = await world.run(validity, await world.member.present(await memberCredentials(world, world.member, { legalPerson: future })));
    expect(findings).toEqual([
      expect.objectContaining({ code: 'VALIDITY_PERIOD', credential: future['id'], pointer: '/verifiableCredential/0/validFrom', hint: HINT }),
    ]);
  });

  it('judges at the decision\'s instant: the same presentation after every credential expired', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member));
    const later = await world.context(vp, { now: new Date(Date.now() + 200 * 86_400_000) });
    const findings = await validity.run(later);
    expect(findings.map((f) => f.pointer)).toEqual(expect.arrayContaining(['/verifiableCredential/0/validUntil', '/verifiableCredential/3/validUntil']));
    expect(findings.every((f) => f.code === 'VALIDITY_PERIOD' && f.hint === HINT)).toBe(true);
  });
});
