/**
 * Rule `legal-person-issuer` on its own: exactly one gx:LegalPerson, issued by the participant it
 * describes or by a trusted issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { legalPersonIssuer } from '../../../src/compliance/rules/legal-person-issuer.js';
import { createParty, issuerDeclaration, legalPerson, memberCredentials, serviceOffering, vatId } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('legal-person-issuer', () => {
  it('passes a LegalPerson the participant issued about itself', async () => {
    expect(await world.run(legalPersonIssuer, await world.member.present(await memberCredentials(world, world.member)))).toEqual([]);
  });

  it('passes a LegalPerson a trusted issuer (the service) issued about the participant', async () => {
    const lp = legalPerson(world.member.did);
    delete lp['issuer'];
    const issued = await world.notarise(lp);
    const jwts = await memberCredentials(world, world.member);
    jwts[0] = issued.jwt;
    expect(await world.run(legalPersonIssuer, await world.member.present(jwts))).toEqual([]);
  });

  it('refuses a presentation without a LegalPerson', async () => {
    const member = world.member;
    const jwts = [(await world.notarise(vatId(member.did))).jwt, await member.sign(issuerDeclaration(member.did)), await member.sign(serviceOffering(member.did))];
    expect(await world.run(legalPersonIssuer, await member.present(jwts))).toEqual([
      {
        rule: 'legal-person-issuer',
        code: 'LEGAL_PERSON_MISSING',
        credential: 'presentation',
        pointer: '/verifiableCredential',
        message: 'the presentation holds no gx:LegalPerson credential',
        hint: 'Add the participant\'s gx:LegalPerson credential (POST /participants issues one)',
      },
    ]);
  });

  it('refuses a second LegalPerson, pointing at it', async () => {
    const second = legalPerson(world.member.did);
    const vp = await world.member.present(await memberCredentials(world, world.member, { extra: [await world.member.sign(second)] }));
    expect(await world.run(legalPersonIssuer, vp)).toEqual([
      expect.objectContaining({ code: 'INVALID_INPUT', credential: second['id'], pointer: '/verifiableCredential/4', hint: 'Submit one presentation per participant' }),
    ]);
  });

  it('refuses a LegalPerson issued by a third party that is not trusted', async () => {
    const third = await createParty(world.server, 'third-party', world.ca);
    const lp = legalPerson(world.member.did);
    const jwts = await memberCredentials(world, world.member);
    jwts[0] = await third.sign(lp);
    expect(await world.run(legalPersonIssuer, await world.member.present(jwts))).toEqual([
      {
        rule: 'legal-person-issuer',
        code: 'UNTRUSTED_ISSUER',
        credential: lp['id'],
        pointer: '/verifiableCredential/0/issuer',
        message: `the gx:LegalPerson of ${world.member.did}#lp is issued by ${third.did}, which is neither that participant nor a trusted issuer`,
        hint: `Issue it as ${world.member.did} (credentialSubject.id under the issuer's DID), or have a trusted issuer issue it`,
      },
    ]);
  });
});
