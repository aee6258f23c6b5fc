/**
 * Rule `registration-number-notary` on its own: the LegalPerson names its registration numbers,
 * each is presented as a credential about that very node, issued by a trusted notary whose
 * registry look-up it records; a number notarised without one refuses, or warns when configured.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationNumberNotary } from '../../../src/compliance/rules/registration-number-notary.js';
import { issuerDeclaration, legalPerson, memberCredentials, serviceOffering, vatId, withLookUpEvidence } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const UNCHECKED_HINT = 'Have the number checked against its registry (VIES for VAT ids, GLEIF for LEIs, the EU EORI service): present a registration-number credential from a notary whose look-up confirmed it, which carries the evidence (gx:evidenceURL, gx:executionDate); gx-trust writes it once its registry look-ups are on';
const MISSING_HINT = 'Ask a Gaia-X notary (or gx-trust) for the registration-number credential and add it to the presentation';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

/** The member's credentials with a VAT id the service notarised after a registry look-up. */
const checked = (replace: Parameters<typeof memberCredentials>[2] = {}) =>
  memberCredentials(world, world.member, { vat: withLookUpEvidence(vatId(world.member.did)), ...replace });

describe('registration-number-notary', () => {
  it('passes a number a trusted notary checked against its registry', async () => {
    expect(await world.run(registrationNumberNotary, await world.member.present(await checked()))).toEqual([]);
  });

  it('refuses a number notarised without a registry look-up, or only warns with GX_COMPLIANCE_UNCHECKED_NUMBERS=warn', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member));
    const expected = {
      rule: 'registration-number-notary',
      code: 'REGISTRATION_NUMBER_UNCHECKED',
      pointer: '/verifiableCredential/1/evidence',
      message: 'the gx:VatID DE136695976 was notarised without a registry look-up (its credential carries no evidence of one), so nobody checked it',
      hint: UNCHECKED_HINT,
    };
    const refused = await world.run(registrationNumberNotary, vp, { uncheckedNumbers: 'refuse' });
    expect(refused).toEqual([expect.objectContaining(expected)]);
    expect(refused[0]!.severity).toBeUndefined();
    expect(await world.run(registrationNumberNotary, vp, { uncheckedNumbers: 'warn' })).toEqual([expect.objectContaining({ ...expected, severity: 'warning' })]);
  });

  it('refuses a number the participant notarised itself', async () => {
    const vat = withLookUpEvidence(vatId(world.member.did));
    const vp = await world.member.present(await checked({ vat, vatSigner: world.member }));
    expect(await world.run(registrationNumberNotary, vp)).toEqual([
      {
        rule: 'registration-number-notary',
        code: 'UNTRUSTED_NOTARY',
        credential: vat['id'],
        pointer: '/verifiableCredential/1/issuer',
        message: `${world.member.did} is not a trusted notary`,
        hint: 'Have the registration number checked and issued by a trusted notary (gx-trust is one; others are listed in GX_TRUSTED_ISSUERS)',
      },
    ]);
  });

  it('refuses a LegalPerson that names no registration number', async () => {
    const lp = legalPerson(world.member.did);
    delete (lp['credentialSubject'] as Record<string, unknown>)['gx:registrationNumber'];
    const findings = await world.run(registrationNumberNotary, await world.member.present(await checked({ legalPerson: lp })));
    expect(findings[0]).toEqual({
      rule: 'registration-number-notary',
      code: 'REGISTRATION_NUMBER_MISSING',
      credential: lp['id'],
      pointer: '/verifiableCredential/0/credentialSubject/gx:registrationNumber',
      message: 'the gx:LegalPerson names no gx:registrationNumber',
      hint: 'Link at least one registration number ({"id": ...}) and present its notary credential',
    });
    // And the VAT id presented beside it is then linked from nowhere.
    expect(findings.slice(1)).toEqual([expect.objectContaining({ code: 'REGISTRATION_NUMBER_MISSING', pointer: '/verifiableCredential/1/credentialSubject/id' })]);
  });

  it('refuses a linked number that is not presented, and a presented number that is not linked', async () => {
    const did = world.member.did;
    const lp = legalPerson(did, { 'gx:registrationNumber': [{ id: `${did}#vat` }, { id: `${did}#lei` }] });
    const findings = await world.run(registrationNumberNotary, await world.member.present(await checked({ legalPerson: lp })));
    expect(findings).toEqual([
      {
        rule: 'registration-number-notary',
        code: 'REGISTRATION_NUMBER_MISSING',
        credential: lp['id'],
        pointer: '/verifiableCredential/0/credentialSubject/gx:registrationNumber/1',
        message: `no registration-number credential in the presentation has the subject ${did}#lei`,
        hint: MISSING_HINT,
      },
    ]);
    const unlinked = legalPerson(did, { 'gx:registrationNumber': { id: `${did}#lei` } });
    const both = await world.run(registrationNumberNotary, await world.member.present(await checked({ legalPerson: unlinked })));
    expect(both.map((f) => [f.code, f.pointer])).toEqual([
      ['REGISTRATION_NUMBER_MISSING', '/verifiableCredential/0/credentialSubject/gx:registrationNumber'],
      ['REGISTRATION_NUMBER_MISSING', '/verifiableCredential/1/credentialSubject/id'],
    ]);
    expect(both[1]!.hint).toBe('Link it from the LegalPerson\'s gx:registrationNumber, or remove it');
  });

  it('leaves a presentation without a LegalPerson to legal-person-issuer', async () => {
    const member = world.member;
    const jwts = [(await world.notarise(withLookUpEvidence(vatId(member.did)))).jwt, await member.sign(issuerDeclaration(member.did)), await member.sign(serviceOffering(member.did))];
    expect(await world.run(registrationNumberNotary, await member.present(jwts))).toEqual([]);
  });
});
