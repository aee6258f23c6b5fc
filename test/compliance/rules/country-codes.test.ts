/**
 * Rule `country-codes` on its own: the country of the legal address agrees with the country each
 * registration number claims (its prefix, its gx:countryCode).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countryCodes } from '../../../src/compliance/rules/country-codes.js';
import { address, legalPerson, memberCredentials, vatId } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

const HINT = 'Correct the legal address or use the registration number of the country of the legal address';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('country-codes', () => {
  it('passes a German VAT id with a German legal address', async () => {
    expect(await world.run(countryCodes, await world.member.present(await memberCredentials(world, world.member)))).toEqual([]);
  });

  it('passes a Greek VAT id (EL, as VIES writes it) with a Greek legal address (GR)', async () => {
    const lp = legalPerson(world.member.did, { 'gx:legalAddress': address('GR') });
    const vp = await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp, vat: vatId(world.member.did, 'EL094014201') }));
    expect(await world.run(countryCodes, vp)).toEqual([]);
  });

  it('refuses a French VAT id with a German legal address, at each property that claims France', async () => {
    const vat = vatId(world.member.did, 'FR40303265045');
    const vp = await world.member.present(await memberCredentials(world, world.member, { vat }));
    expect(await world.run(countryCodes, vp)).toEqual([
      {
        rule: 'country-codes',
        code: 'COUNTRY_MISMATCH',
        credential: vat['id'],
        pointer: '/verifiableCredential/1/credentialSubject/gx:countryCode',
        message: 'gx:countryCode says FR, but the legal address of the LegalPerson is in DE',
        hint: HINT,
      },
      {
        rule: 'country-codes',
        code: 'COUNTRY_MISMATCH',
        credential: vat['id'],
        pointer: '/verifiableCredential/1/credentialSubject/gx:vatID',
        message: 'gx:vatID says FR, but the legal address of the LegalPerson is in DE',
        hint: HINT,
      },
    ]);
  });

  it('does not compare an alpha-3 address code with alpha-2 claims', async () => {
    const lp = legalPerson(world.member.did, { 'gx:legalAddress': address('FRA') });
    expect(await world.run(countryCodes, await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp })))).toEqual([]);
  });
});
