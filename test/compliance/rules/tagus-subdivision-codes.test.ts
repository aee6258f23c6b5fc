/**
 * Rule `tagus-subdivision-codes` on its own: a subdivision code of the right form that ISO 3166-2
 * does not define (the 22.10 shapes check only the form).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusShapes } from '../../../src/compliance/rules/tagus-shapes.js';
import { tagusSubdivisionCodes } from '../../../src/compliance/rules/tagus-subdivision-codes.js';
import { resignTagus } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';
import { presentation } from './tagus-rules-world.js';

type Json = Record<string, any>;

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('tagus-subdivision-codes', () => {
  it('passes the sample (BE-BRU)', async () => {
    expect(await world.run(tagusSubdivisionCodes, await presentation(world))).toEqual([]);
  });

  it('refuses BE-XYZ, which passes the shapes\' pattern but names no subdivision', async () => {
    const vp = await presentation(world);
    const participant = vp['verifiableCredential'][1] as Json;
    const edited = await resignTagus({ ...participant, credentialSubject: { ...participant['credentialSubject'], 'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'BE-XYZ' } } }, world.member);
    vp['verifiableCredential'][1] = edited;
    expect(await world.run(tagusShapes, vp)).toEqual([]);
    expect(await world.run(tagusSubdivisionCodes, vp)).toEqual([
      {
        rule: 'tagus-subdivision-codes',
        code: 'COUNTRY_SUBDIVISION_UNKNOWN',
        credential: edited['id'],
        pointer: '/verifiableCredential/1/credentialSubject/gx:headquarterAddress/gx:countrySubdivisionCode',
        message: '"BE-XYZ" is not an ISO 3166-2 subdivision code',
        hint: 'Use the ISO 3166-2 code of the subdivision, such as BE-BRU or DE-BY',
      },
    ]);
  });

  it('accepts a lower-case spelling of a real code', async () => {
    const vp = await presentation(world);
    const participant = vp['verifiableCredential'][1] as Json;
    vp['verifiableCredential'][1] = await resignTagus({ ...participant, credentialSubject: { ...participant['credentialSubject'], 'gx:legalAddress': { 'gx:countrySubdivisionCode': 'de-by' } } }, world.member);
    expect(await world.run(tagusSubdivisionCodes, vp)).toEqual([]);
  });
});
