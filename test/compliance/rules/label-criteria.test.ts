/**
 * Rule `label-criteria` on its own: the criteria of the requested level. It lists every criterion
 * met in `validatedCriteria` (declaration, automated validation and the eIDAS-type signature
 * follow from the rules that ran before it) and refuses the level for the data protection regime,
 * the conformity assessment (only from a trusted assessor's attestation) and EU headquarters.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CRITERIA } from '../../../src/compliance/criteria.js';
import { labelCriteria } from '../../../src/compliance/rules/label-criteria.js';
import { address, attestation, legalPerson, memberCredentials, serviceOffering } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const ASSESSMENT_HINT = 'Add the attestation credential your conformity assessment body issued (its DID must be among the assessors in GX_TRUSTED_ISSUERS)';
const REGIME_HINT = 'Declare gx:dataProtectionRegime "GDPR2016" on every gx:ServiceOffering';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The assessor's attestation that the member meets `level`. */
const assessed = (level: string) => world.assessor.sign(attestation(world.assessor.did, world.member.did, level));

describe('label-criteria', () => {
  it('passes Standard Compliance and lists every criterion met', async () => {
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member)), { level: 'SC' });
    expect(await labelCriteria.run(context)).toEqual([]);
    expect(context.validatedCriteria).toEqual([CRITERIA.declaration, CRITERIA.automatedValidation, CRITERIA.eidasSignature, CRITERIA.euDataProtection, CRITERIA.euHeadquarters]);
  });

  it('passes Level 3 with a trusted assessor\'s attestation at that level', async () => {
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member, { extra: [await assessed('L3')] })), { level: 'L3' });
    expect(await labelCriteria.run(context)).toEqual([]);
    expect(context.validatedCriteria).toContain(CRITERIA.conformityAssessment);
  });

  it('does not count declaration, automated validation or the signature when the rules behind them failed', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member));
    const context = await world.context(vp, { level: 'SC', failedRules: ['issuer-terms', 'shapes', 'x509-binding'] });
    await labelCriteria.run(context);
    expect(context.validatedCriteria).toEqual([CRITERIA.euDataProtection, CRITERIA.euHeadquarters]);
  });

  it('refuses Level 2 without an attestation, and with one the participant issued itself', async () => {
    const expected = {
      rule: 'label-criteria',
      code: 'LABEL_CRITERIA_UNMET',
      credential: 'presentation',
      pointer: '/verifiableCredential',
      criterion: CRITERIA.conformityAssessment,
      hint: ASSESSMENT_HINT,
    };
    const none = await world.run(labelCriteria, await world.member.present(await memberCredentials(world, world.member)), { level: 'L2' });
    expect(none).toEqual([expect.objectContaining(expected)]);
    const self = await world.member.sign(attestation(world.member.did, world.member.did, 'L3'));
    const selfAssessed = await world.run(labelCriteria, await world.member.present(await memberCredentials(world, world.member, { extra: [self] })), { level: 'L2' });
    expect(selfAssessed).toEqual([expect.objectContaining(expected)]);
  });

  it('refuses Level 3 with an attestation for Level 2 only', async () => {
    const findings = await world.run(labelCriteria, await world.member.present(await memberCredentials(world, world.member, { extra: [await assessed('L2')] })), { level: 'L3' });
    expect(findings).toEqual([expect.objectContaining({ criterion: CRITERIA.conformityAssessment, pointer: '/verifiableCredential' })]);
  });

  it('refuses Level 3 to a provider headquartered outside the EU, pointing at the country', async () => {
    const lp = legalPerson(world.member.did, { 'gx:headquartersAddress': { ...address('US'), 'vcard:locality': 'Austin' } });
    const vp = await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp, extra: [await assessed('L3')] }));
    expect(await world.run(labelCriteria, vp, { level: 'L3' })).toEqual([
      {
        rule: 'label-criteria',
        code: 'LABEL_CRITERIA_UNMET',
        credential: lp['id'],
        pointer: '/verifiableCredential/0/credentialSubject/gx:headquartersAddress/gx:countryCode',
        message: 'label L3 needs the provider\'s headquarters in the EU; gx:headquartersAddress is in US',
        hint: 'Label Level 3 is for providers headquartered in an EU member state; request Level 2 instead',
        criterion: CRITERIA.euHeadquarters,
      },
    ]);
    // Level 2 does not ask for it.
    expect(await world.run(labelCriteria, vp, { level: 'L2' })).toEqual([]);
  });

  it('refuses Level 2 for a ServiceOffering outside an EU data protection regime, pointing at it', async () => {
    const offering = serviceOffering(world.member.did, { 'gx:dataProtectionRegime': 'CCPA' });
    const vp = await world.member.present(await memberCredentials(world, world.member, { offering, extra: [await assessed('L2')] }));
    expect(await world.run(labelCriteria, vp, { level: 'L2' })).toEqual([
      expect.objectContaining({
        code: 'LABEL_CRITERIA_UNMET',
        credential: offering['id'],
        pointer: '/verifiableCredential/3/credentialSubject/gx:dataProtectionRegime',
        criterion: CRITERIA.euDataProtection,
        hint: REGIME_HINT,
      }),
    ]);
  });
});
