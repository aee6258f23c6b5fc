/**
 * Rule `issuer-terms` on its own: every issuer not already trusted presents a gx:Issuer credential
 * about itself whose gx:gaiaxTermsAndConditions is a hash the release accepts on the decision date.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issuerTerms } from '../../../src/compliance/rules/issuer-terms.js';
import { acceptedTermsAndConditions } from '../../../src/danube/terms-and-conditions.js';
import { CURRENT_TC, issuerDeclaration, memberCredentials } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

/** The 25.11 hash accepted to the end of 2026-03-31 (src/danube/terms-and-conditions.ts). */
const PREVIOUS_TC = '4bd7554097444c960292b4726c2efa1373485e8a5565d94d41195214c5e0ceb3';
const PREVIOUS_TC_UNTIL = new Date('2026-03-31T23:59:59.999Z');

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('issuer-terms', () => {
  it('passes when the member accepted the current terms and the other issuer (the notary) is trusted', async () => {
    expect(await world.run(issuerTerms, await world.member.present(await memberCredentials(world, world.member)))).toEqual([]);
  });

  it('refuses an issuer without a gx:Issuer credential', async () => {
    const vp = await world.member.present(await memberCredentials(world, world.member, { issuer: null }));
    expect(await world.run(issuerTerms, vp)).toEqual([
      {
        rule: 'issuer-terms',
        code: 'TERMS_NOT_ACCEPTED',
        credential: 'presentation',
        pointer: '/verifiableCredential',
        message: `no gx:Issuer credential of ${world.member.did}: it has not accepted the Gaia-X terms and conditions`,
        hint: `Add a gx:Issuer credential issued by ${world.member.did} about itself with gx:gaiaxTermsAndConditions = ${CURRENT_TC}`,
      },
    ]);
  });

  it('does not count a gx:Issuer credential about someone else', async () => {
    const aboutOther = issuerDeclaration(world.member.did);
    (aboutOther['credentialSubject'] as Record<string, unknown>)['id'] = 'did:web:other.example#issuer';
    const vp = await world.member.present(await memberCredentials(world, world.member, { issuer: aboutOther }));
    expect(await world.run(issuerTerms, vp)).toEqual([expect.objectContaining({ code: 'TERMS_NOT_ACCEPTED', pointer: '/verifiableCredential' })]);
  });

  it('refuses a hash that is not of accepted terms, pointing at it', async () => {
    const wrong = issuerDeclaration(world.member.did, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const vp = await world.member.present(await memberCredentials(world, world.member, { issuer: wrong }));
    expect(await world.run(issuerTerms, vp)).toEqual([
      {
        rule: 'issuer-terms',
        code: 'TERMS_NOT_ACCEPTED',
        credential: wrong['id'],
        pointer: '/verifiableCredential/2/credentialSubject/gx:gaiaxTermsAndConditions',
        message: 'this is not the SHA-256 of accepted Gaia-X terms and conditions',
        hint: `Accept the current terms: ${CURRENT_TC}`,
      },
    ]);
  });

  it('accepts the previous terms until their end date, and refuses them after it', async () => {
    const previous = issuerDeclaration(world.member.did, PREVIOUS_TC);
    const vp = await world.member.present(await memberCredentials(world, world.member, { issuer: previous }));
    const before = await world.context(vp, { now: new Date(PREVIOUS_TC_UNTIL.getTime() - 86_400_000) });
    expect(await issuerTerms.run(before)).toEqual([]);
    const after = await world.context(vp, { now: new Date(PREVIOUS_TC_UNTIL.getTime() + 1) });
    expect(await issuerTerms.run(after)).toEqual([
      expect.objectContaining({
        code: 'TERMS_NOT_ACCEPTED',
        pointer: '/verifiableCredential/2/credentialSubject/gx:gaiaxTermsAndConditions',
        message: `this terms-and-conditions hash was accepted only until ${PREVIOUS_TC_UNTIL.toISOString()}`,
        hint: `Accept the current terms: ${CURRENT_TC}`,
      }),
    ]);
  });

  it('accepts a hash the operator added (GX_ACCEPTED_TERMS_HASHES) only when the context carries it, and keeps the Gaia-X ones', async () => {
    const own = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const vp = await world.member.present(await memberCredentials(world, world.member, { issuer: issuerDeclaration(world.member.did, own) }));
    const plain = await world.context(vp);
    expect(await issuerTerms.run(plain)).toEqual([expect.objectContaining({ code: 'TERMS_NOT_ACCEPTED' })]);
    const added = acceptedTermsAndConditions([own]);
    expect(await issuerTerms.run({ ...plain, acceptedTermsAndConditions: added })).toEqual([]);
    const gaiaX = await world.context(await world.member.present(await memberCredentials(world, world.member)));
    expect(await issuerTerms.run({ ...gaiaX, acceptedTermsAndConditions: added })).toEqual([]);
  });
});
