/**
 * Rule `tagus-participant` on its own, on the real Tagus 22.10 sample presentation re-signed by
 * loopback parties: one gx:LegalParticipant whose registration number a trusted notary issued,
 * signed terms and conditions, and every gx:providedBy naming that participant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tagusParticipant } from '../../../src/compliance/rules/tagus-participant.js';
import { resignTagus, serviceSigner, tagusPresentation } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

type Json = Record<string, any>;

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The sample presentation: the service notarises the registration number, the member signs the rest. */
const presentation = async () => (await tagusPresentation(world.member, serviceSigner(world.service))) as Json;

describe('tagus-participant', () => {
  it('passes the sample with a registration number from a trusted notary', async () => {
    expect(await world.run(tagusParticipant, await presentation())).toEqual([]);
  });

  it('refuses a registration number from a notary that is not trusted', async () => {
    const vp = (await tagusPresentation(world.member, world.assessor)) as Json;
    const number = vp['verifiableCredential'][0] as Json;
    expect(await world.run(tagusParticipant, vp)).toEqual([
      {
        rule: 'tagus-participant',
        code: 'UNTRUSTED_NOTARY',
        credential: number['id'],
        pointer: '/verifiableCredential/0/issuer',
        message: `${world.assessor.did} is not a trusted notary`,
        hint: 'Have the registration number issued by a trusted notary (listed in GX_TRUSTED_ISSUERS)',
      },
    ]);
  });

  it('refuses a participant that did not sign the terms and conditions', async () => {
    const vp = await presentation();
    vp['verifiableCredential'].splice(2, 1);
    expect(await world.run(tagusParticipant, vp)).toEqual([
      {
        rule: 'tagus-participant',
        code: 'TERMS_NOT_ACCEPTED',
        credential: 'presentation',
        pointer: '/verifiableCredential',
        message: `no gx:GaiaXTermsAndConditions credential issued by ${world.member.did}: the participant has not accepted the Gaia-X terms and conditions`,
        hint: `Add a gx:GaiaXTermsAndConditions credential signed by ${world.member.did}`,
      },
    ]);
  });

  it('refuses a registration number link that no presented credential answers', async () => {
    const vp = await presentation();
    const participant = vp['verifiableCredential'][1] as Json;
    const relinked = await resignTagus({ ...participant, credentialSubject: { ...participant['credentialSubject'], 'gx:legalRegistrationNumber': { id: 'https://elsewhere.example/lrn.json' } } }, world.member);
    vp['verifiableCredential'][1] = relinked;
    expect(await world.run(tagusParticipant, vp)).toEqual([
      expect.objectContaining({
        code: 'REGISTRATION_NUMBER_MISSING',
        credential: relinked['id'],
        pointer: '/verifiableCredential/1/credentialSubject/gx:legalRegistrationNumber',
        hint: 'Ask a Gaia-X notary for the registration number credential and add it',
      }),
    ]);
  });

  it('refuses a ServiceOffering provided by someone else', async () => {
    const vp = await presentation();
    const offering = vp['verifiableCredential'][3] as Json;
    const participantId = vp['verifiableCredential'][1]['credentialSubject']['id'] as string;
    const elsewhere = await resignTagus({ ...offering, credentialSubject: { ...offering['credentialSubject'], 'gx:providedBy': { id: 'https://elsewhere.example/participant.json' } } }, world.member);
    vp['verifiableCredential'][3] = elsewhere;
    expect(await world.run(tagusParticipant, vp)).toEqual([
      {
        rule: 'tagus-participant',
        code: 'DANGLING_REFERENCE',
        credential: elsewhere['id'],
        pointer: '/verifiableCredential/3/credentialSubject/gx:providedBy',
        message: 'gx:providedBy names https://elsewhere.example/participant.json, which is not the gx:LegalParticipant of this presentation',
        hint: `Point gx:providedBy at ${participantId}`,
      },
    ]);
  });

  it('refuses a presentation without a LegalParticipant, and one with two', async () => {
    const without = await presentation();
    without['verifiableCredential'].splice(1, 1);
    expect(await world.run(tagusParticipant, without)).toEqual([
      expect.objectContaining({ code: 'LEGAL_PERSON_MISSING', credential: 'presentation', pointer: '/verifiableCredential', hint: 'Submit one presentation per participant, holding its gx:LegalParticipant credential' }),
    ]);
    const twice = await presentation();
    twice['verifiableCredential'].push(twice['verifiableCredential'][1]);
    expect(await world.run(tagusParticipant, twice)).toEqual([expect.objectContaining({ code: 'INVALID_INPUT', pointer: '/verifiableCredential' })]);
  });
});
