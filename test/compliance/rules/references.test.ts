/**
 * Rule `references` on its own: gx:providedBy of a ServiceOffering names a LegalPerson presented
 * with it; gx:aggregationOfResources and gx:hostedOn name credentials presented with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { references } from '../../../src/compliance/rules/references.js';
import { memberCredentials, serviceOffering } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const PROVIDER_HINT = 'Add the provider\'s gx:LegalPerson credential to the presentation, or correct gx:providedBy to its credentialSubject id';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

async function withOffering(subject: Record<string, unknown>) {
  const offering = serviceOffering(world.member.did, subject);
  return { offering, findings: await world.run(references, await world.member.present(await memberCredentials(world, world.member, { offering }))) };
}

describe('references', () => {
  it('passes a ServiceOffering provided by the presented LegalPerson', async () => {
    expect(await world.run(references, await world.member.present(await memberCredentials(world, world.member)))).toEqual([]);
  });

  it('refuses a providedBy that names no presented credential', async () => {
    const { offering, findings } = await withOffering({ 'gx:providedBy': { id: 'did:web:elsewhere.example#lp' } });
    expect(findings).toEqual([
      {
        rule: 'references',
        code: 'DANGLING_REFERENCE',
        credential: offering['id'],
        pointer: '/verifiableCredential/3/credentialSubject/gx:providedBy',
        message: 'gx:providedBy names did:web:elsewhere.example#lp, which is not the subject of any credential in the presentation',
        hint: PROVIDER_HINT,
      },
    ]);
  });

  it('refuses a providedBy that names a presented credential which is not a LegalPerson', async () => {
    const vatNode = `${world.member.did}#vat`;
    const { findings } = await withOffering({ 'gx:providedBy': { id: vatNode } });
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'DANGLING_REFERENCE',
        pointer: '/verifiableCredential/3/credentialSubject/gx:providedBy',
        message: `gx:providedBy names ${vatNode}, which is presented but is not a gx:LegalPerson`,
        hint: PROVIDER_HINT,
      }),
    ]);
  });

  it('refuses resources that are not presented, each at its property', async () => {
    const { findings } = await withOffering({ 'gx:aggregationOfResources': [{ id: 'did:web:elsewhere.example#gpu' }], 'gx:hostedOn': 'did:web:elsewhere.example#dc' });
    expect(findings.map((f) => [f.code, f.pointer, f.hint])).toEqual([
      ['DANGLING_REFERENCE', '/verifiableCredential/3/credentialSubject/gx:aggregationOfResources', 'Add the credential describing did:web:elsewhere.example#gpu to the presentation, or remove the link'],
      ['DANGLING_REFERENCE', '/verifiableCredential/3/credentialSubject/gx:hostedOn', 'Add the credential describing did:web:elsewhere.example#dc to the presentation, or remove the link'],
    ]);
  });
});
