/**
 * Rule `shapes` on its own: the merged graph of every credential against the Danube shapes, each
 * violation pointed into the presentation; links that point outside it are the references and
 * registration-number rules' findings, not a second one here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shapes } from '../../../src/compliance/rules/shapes.js';
import { address, legalPerson, memberCredentials, serviceOffering } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('shapes', () => {
  it('passes conforming credentials, and leaves the validation in the context for the rules after it', async () => {
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member)));
    expect(await shapes.run(context)).toEqual([]);
    expect(context.shapes).toMatchObject({ conforms: true });
  });

  it('refuses a country code outside ISO 3166-1, pointing into the credential that holds it', async () => {
    const lp = legalPerson(world.member.did, { 'gx:legalAddress': { ...address(), 'gx:countryCode': 'XY' } });
    const findings = await world.run(shapes, await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp })));
    expect(findings).toEqual([
      {
        rule: 'shapes',
        code: 'SHAPE_VIOLATION',
        credential: lp['id'],
        pointer: '/verifiableCredential/0/credentialSubject/gx:legalAddress/gx:countryCode',
        message: 'shacl:in: "XY" is not an allowed value of gx:countryCode on gx:Address',
        hint: 'gx:countryCode is an ISO 3166-1 alpha-2 (DE), alpha-3 (DEU) or numeric (276) code.',
      },
    ]);
  });

  it('refuses a missing required property', async () => {
    const lp = legalPerson(world.member.did);
    delete (lp['credentialSubject'] as Record<string, unknown>)['gx:legalAddress'];
    const findings = await world.run(shapes, await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp })));
    expect(findings).toEqual([expect.objectContaining({ code: 'SHAPE_VIOLATION', credential: lp['id'], pointer: expect.stringMatching(/^\/verifiableCredential\/0\/credentialSubject/) })]);
    expect(findings[0]!.message).toMatch(/gx:legalAddress/);
    expect(findings[0]!.hint.length).toBeGreaterThan(0);
  });

  it('does not report a providedBy that points outside the presentation (the references rule does)', async () => {
    const offering = serviceOffering(world.member.did, { 'gx:providedBy': { id: 'did:web:elsewhere.example#lp' } });
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member, { offering })));
    expect(await shapes.run(context)).toEqual([]);
    // The validator did see it: the rule drops that one result, not the validation.
    expect(context.shapes?.findings.some((f) => f.rule === 'shacl:class')).toBe(true);
  });
});
