/**
 * Rule `tagus-shapes` on its own: the Tagus 22.10 trust-framework shapes (shipped data) on the real
 * sample presentation, re-signed by loopback parties.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusShapes } from '../../../src/compliance/rules/tagus-shapes.js';
import { labelLevel1Criteria, loadTagusShapes } from '../../../src/danube/tagus-shapes.js';
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

describe('tagus-shapes', () => {
  it('the shipped shapes define the 22.10 label-level-1 criteria P1.1.1 ... P5.2.1', async () => {
    const criteria = labelLevel1Criteria(await loadTagusShapes());
    expect(criteria).toHaveLength(62);
    expect(criteria[0]).toBe('https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#P1.1.1');
    expect(criteria).toContain('https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#P5.1.4');
  });

  it('passes the real sample', async () => {
    expect(await world.run(tagusShapes, await presentation(world))).toEqual([]);
  });

  it('refuses a LegalParticipant without its legal address, located in the presentation', async () => {
    const vp = await presentation(world);
    const participant = vp['verifiableCredential'][1] as Json;
    const { 'gx:legalAddress': _gone, ...subject } = participant['credentialSubject'];
    vp['verifiableCredential'][1] = await resignTagus({ ...participant, credentialSubject: subject }, world.member);
    const findings = await world.run(tagusShapes, vp);
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'tagus-shapes', code: 'SHAPE_VIOLATION', credential: participant['id'], pointer: expect.stringMatching(/^\/verifiableCredential\/1\/credentialSubject\//) }),
    ]);
    expect(findings[0]!.message).toContain('legalAddress');
  });

  it('refuses a subdivision code of the wrong form', async () => {
    const vp = await presentation(world);
    const participant = vp['verifiableCredential'][1] as Json;
    vp['verifiableCredential'][1] = await resignTagus({ ...participant, credentialSubject: { ...participant['credentialSubject'], 'gx:legalAddress': { 'gx:countrySubdivisionCode': 'Brussels' } } }, world.member);
    // sh:node on the address: the finding names the address, and the nested fault (the code
    // breaking the 22.10 pattern) says what to write instead.
    expect(await world.run(tagusShapes, vp)).toEqual([
      expect.objectContaining({
        code: 'SHAPE_VIOLATION',
        pointer: '/verifiableCredential/1/credentialSubject/gx:legalAddress',
        message: expect.stringContaining('"Brussels" is not a well-formed'),
        hint: expect.stringContaining('[a-zA-Z]{2}-'),
      }),
    ]);
  });
});
