/**
 * Rule `tagus-issuer-binding` on its own: a ServiceOffering or DataResource issued by someone other
 * than the participant it names as provider or producer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusIssuerBinding } from '../../../src/compliance/rules/tagus-issuer-binding.js';
import { resignTagus } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';
import { presentation, tagusCredential } from './tagus-rules-world.js';

type Json = Record<string, any>;

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

const participantId = (vp: Json) => vp['verifiableCredential'][1]['credentialSubject']['id'] as string;

describe('tagus-issuer-binding', () => {
  it('passes the sample, whose offering the participant issued, and a DataResource it produced and issued', async () => {
    const vp = await presentation(world);
    vp['verifiableCredential'].push(await resignTagus(tagusCredential('https://member.example/data.json', { type: 'gx:DataResource', 'gx:producedBy': { id: participantId(vp) } }), world.member));
    expect(await world.run(tagusIssuerBinding, vp)).toEqual([]);
  });

  it('refuses a ServiceOffering issued by another party', async () => {
    const vp = await presentation(world);
    const offering = await resignTagus(vp['verifiableCredential'][3], world.assessor);
    vp['verifiableCredential'][3] = offering;
    expect(await world.run(tagusIssuerBinding, vp)).toEqual([
      {
        rule: 'tagus-issuer-binding',
        code: 'ISSUER_MISMATCH',
        credential: offering['id'],
        pointer: '/verifiableCredential/3/issuer',
        message: `the gx:ServiceOffering is issued by ${world.assessor.did}, but its gx:providedBy participant is issued by ${world.member.did}`,
        hint: `Have ${world.member.did} issue the gx:ServiceOffering`,
      },
    ]);
  });

  it('refuses a DataResource issued by another party, and one whose producer is not presented', async () => {
    const vp = await presentation(world);
    const foreign = await resignTagus(tagusCredential('https://member.example/data.json', { type: 'gx:DataResource', 'gx:producedBy': { id: participantId(vp) } }), world.assessor);
    const orphan = await resignTagus(tagusCredential('https://member.example/other.json', { type: 'gx:DataResource', 'gx:producedBy': { id: 'https://elsewhere.example/p.json' } }), world.member);
    vp['verifiableCredential'].push(foreign, orphan);
    expect(await world.run(tagusIssuerBinding, vp)).toEqual([
      expect.objectContaining({ code: 'ISSUER_MISMATCH', credential: foreign['id'], pointer: '/verifiableCredential/4/issuer' }),
      expect.objectContaining({ code: 'DANGLING_REFERENCE', credential: orphan['id'], pointer: '/verifiableCredential/5/credentialSubject/gx:producedBy' }),
    ]);
  });
});
