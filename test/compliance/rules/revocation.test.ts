/**
 * Rule `revocation` on its own: no presented credential is revoked or suspended, and a status list
 * that cannot be read fails the rule as surely as a set bit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocation } from '../../../src/compliance/rules/revocation.js';
import { postJson } from '../../helpers/service.js';
import { unscopedRecordingIssuer } from '../../helpers/unscoped-signing.js';
import { legalPerson, memberCredentials, vatId } from '../fixtures.js';
import { startRuleWorld, type RuleWorld } from './rule-context.js';

let world: RuleWorld;
beforeAll(async () => {
  world = await startRuleWorld();
});
afterAll(async () => {
  await world?.close();
});

async function setStatus(credentialId: string, status: 'revoked' | 'suspended') {
  const answer = await postJson(`${world.service.url}/credentials/status`, {
    credentialId,
    credentialStatus: [{ type: 'BitstringStatusListCredential', status }],
  }, world.auth);
  expect(answer.status, answer.text).toBe(200);
}

/** The member's credentials with `jwt` (a notarised VAT id) in place of theirs. */
async function presentingVat(jwt: string) {
  const jwts = await memberCredentials(world, world.member);
  jwts[1] = jwt;
  return world.member.present(jwts);
}

describe('revocation', () => {
  it('passes credentials whose status lists say neither revoked nor suspended', async () => {
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member)));
    // The notarised VAT id has a status entry, and it was read.
    expect(context.submission.credentials[1]!.report.checks).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
    expect(await revocation.run(context)).toEqual([]);
  });

  it('refuses a revoked credential, pointing at its credentialStatus', async () => {
    const notarised = await world.notarise(vatId(world.member.did));
    await setStatus(notarised.id, 'revoked');
    expect(await world.run(revocation, await presentingVat(notarised.jwt))).toEqual([
      expect.objectContaining({
        rule: 'revocation',
        code: 'CREDENTIAL_REVOKED',
        credential: notarised.id,
        pointer: '/verifiableCredential/1/credentialStatus',
        hint: 'Ask the issuer for a new credential; a revoked one cannot be used',
      }),
    ]);
  });

  it('refuses a suspended credential', async () => {
    // Notarised with a suspension entry too (world.notarise gives the profile's revocation entry only).
    const vat = vatId(world.member.did);
    const issued = await unscopedRecordingIssuer(world.service.service).issueCredential(vat, { format: 'vc+jwt', profile: 'gaia-x-danube', credentialStatus: ['revocation', 'suspension'] }, { actor: 'test-notary' });
    if (issued.format !== 'vc+jwt') throw new Error('expected a JWT');
    await setStatus(String(vat['id']), 'suspended');
    expect(await world.run(revocation, await presentingVat(issued.jwt))).toEqual([
      expect.objectContaining({ code: 'CREDENTIAL_SUSPENDED', credential: vat['id'], pointer: '/verifiableCredential/1/credentialStatus', hint: 'Ask the issuer for a new credential; a revoked one cannot be used' }),
    ]);
  });

  it('refuses a credential whose status list cannot be fetched (fail closed)', async () => {
    const list = `${world.server.origin}/status/1`;
    const lp = legalPerson(world.member.did, {}, {
      credentialStatus: { id: `${list}#7`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '7', statusListCredential: list },
    });
    const findings = await world.run(revocation, await world.member.present(await memberCredentials(world, world.member, { legalPerson: lp })));
    expect(findings).toEqual([
      expect.objectContaining({
        code: 'STATUS_RETRIEVAL_ERROR',
        credential: lp['id'],
        pointer: '/verifiableCredential/0/credentialStatus',
        hint: 'The status list could not be read or verified; retry, or ask the issuer to publish it',
      }),
    ]);
    expect(findings[0]!.message).toContain('404');
  });

  it('refuses a credential whose status check failed without naming why, as STATUS_VERIFICATION_ERROR', async () => {
    const context = await world.context(await world.member.present(await memberCredentials(world, world.member)));
    const vat = context.submission.credentials[1]!;
    vat.report.checks = vat.report.checks.map((c) => (c.check === 'status' ? { check: 'status', verified: false } : c));
    expect(await revocation.run(context)).toEqual([
      expect.objectContaining({
        code: 'STATUS_VERIFICATION_ERROR',
        credential: vat.id,
        pointer: '/verifiableCredential/1/credentialStatus',
        message: 'the status could not be established',
        hint: 'The status list could not be read or verified; retry, or ask the issuer to publish it',
      }),
    ]);
  });
});
