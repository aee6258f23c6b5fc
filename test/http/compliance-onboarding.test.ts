/**
 * Compliance from onboarding, end to end over HTTP with the real app: a member with its own
 * did:web (X.509-bound key) is onboarded through POST /participants, signs the returned
 * presentation as a VP-JWT with its own key, gets a Standard Compliance label for it, and a
 * connector verifies the label with the credentials it covers. Then ownership: a member key may
 * not ask for compliance of another holder's presentation.
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestSRI } from '../../src/compliance/digest.js';
import { postJson } from '../helpers/service.js';
import { createParty, CURRENT_TC, memberCredentials, startComplianceWorld, submit, vatId, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

let world: ComplianceWorld;
let member: Party;

beforeAll(async () => {
  world = await startComplianceWorld();
  member = await createParty(world.server, 'onboarded', world.ca);
});
afterAll(async () => {
  await world?.close();
});

const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' };
const checkOf = (report: { checks: { check: string }[] }, name: string) => report.checks.find((c) => c.check === name) as { verified: boolean; code?: string; message?: string } | undefined;

async function onboardedCredentials(at: ComplianceWorld = world, party: Party = member): Promise<string[]> {
  const onboarded = await postJson(`${at.service.url}/participants`, {
    participant: {
      id: party.did,
      name: 'Onboarded GmbH',
      legalAddress: address,
      headquartersAddress: address,
      registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
      termsAndConditions: CURRENT_TC,
    },
  }, at.auth);
  expect(onboarded.status, onboarded.text).toBe(201);
  // Registry look-ups are off: the VAT id is notarised without being checked.
  expect(onboarded.body.registryLookups).toEqual([expect.objectContaining({ value: 'DE136695976', status: 'not-checked' })]);
  expect(onboarded.body.verifiablePresentation.holder).toBe(party.did);
  return onboarded.body.credentials.map((c: { jwt: string }) => c.jwt);
}

describe('compliance of an onboarded member', () => {
  it('labels the presentation POST /participants returned, signed by the member, and a connector verifies it', async () => {
    const credentials = await onboardedCredentials();
    expect(credentials.length).toBeGreaterThanOrEqual(3);
    const vp = await member.present(credentials);
    const answer = await submit(world, '/api/credential-offers/standard-compliance?vcid=https://onboarded.example/labels/1', vp);
    expect(answer.status, answer.text).toBe(201);
    expect(answer.contentType).toContain('application/vc+jwt');
    const label = decodeJwt(answer.text) as Record<string, any>;
    expect(label['id']).toBe('https://onboarded.example/labels/1');
    expect(label['credentialSubject']['id']).toBe(member.did);
    expect(label['credentialSubject']['gx:labelLevel']).toBe('SC');
    const covered = label['credentialSubject']['gx:compliantCredentials'] as { id: string; digestSRI: string }[];
    expect(covered.map((c) => c.digestSRI)).toEqual(credentials.map((jwt) => digestSRI(decodeJwt(jwt))));

    const shown = await member.present([answer.text, ...credentials]);
    const verified = await postJson(`${world.service.url}/presentations/verify`, shown, { 'content-type': 'application/vp+jwt' });
    expect(verified.status, verified.text).toBe(200);
    expect(checkOf(verified.body, 'compliance')).toMatchObject({ verified: true });
    expect(checkOf(verified.body, 'compliance')?.message).toContain('matching digests');
  });
});

describe('registration numbers nobody checked', () => {
  let strict: ComplianceWorld;
  let strictMember: Party;

  beforeAll(async () => {
    strict = await startComplianceWorld({ GX_COMPLIANCE_UNCHECKED_NUMBERS: 'refuse' });
    strictMember = await createParty(strict.server, 'onboarded', strict.ca);
  });
  afterAll(async () => {
    await strict?.close();
  });

  const decide = (at: ComplianceWorld, vp: string) => postJson(`${at.service.url}/compliance`, { presentation: vp, options: { labelLevel: 'SC' } }, at.auth);
  const unchecked = {
    rule: 'registration-number-notary',
    code: 'REGISTRATION_NUMBER_UNCHECKED',
    pointer: '/verifiableCredential/1/evidence',
    message: expect.stringContaining('gx:VatID DE136695976'),
    hint: expect.stringContaining('registry'),
  };

  it('refuses (GX_COMPLIANCE_UNCHECKED_NUMBERS=refuse, the production default) a number onboarding notarised without a registry look-up', async () => {
    const vp = await strictMember.present(await onboardedCredentials(strict, strictMember));
    const refused = await decide(strict, vp);
    expect(refused.status, refused.text).toBe(422);
    expect(refused.body).toMatchObject({ outcome: 'refused', findings: [expect.objectContaining(unchecked)], warnings: [] });
    expect(refused.body.validatedCriteria).not.toContain('https://w3id.org/gx-trust/compliance/v1#declaration');
    const decision = await strict.service.service.store.getDecision(refused.body.decisionId);
    expect(decision?.decision).toMatchObject({ outcome: 'refused', findings: [expect.objectContaining(unchecked)] });
    const gaiaX = await submit(strict, '/api/credential-offers/standard-compliance', vp);
    expect(gaiaX.status, gaiaX.text).toBe(422);
    expect(gaiaX.body).toMatchObject({ code: 'COMPLIANCE_FAILED', findings: [expect.objectContaining(unchecked)] });
  });

  it('counts a number whose notary records its registry look-up', async () => {
    const evidence = { 'gx:evidenceOf': 'gx:VatID', 'gx:evidenceURL': 'https://ec.europa.eu/taxation_customs/vies/rest-api/ms/DE/vat/136695976', 'gx:executionDate': new Date().toISOString() };
    const vp = await strictMember.present(await memberCredentials(strict, strictMember, { vat: { ...vatId(strictMember.did), evidence } }));
    const issued = await decide(strict, vp);
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body.warnings).toEqual([]);
  });

  it('with the setting relaxed (warn, the development default), issues the label and records the warning with the decision', async () => {
    const vp = await member.present(await onboardedCredentials());
    const issued = await decide(world, vp);
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body).toMatchObject({ outcome: 'issued', findings: [], warnings: [expect.objectContaining({ ...unchecked, severity: 'warning' })] });
    expect(issued.body.checks.find((c: { rule: string }) => c.rule === 'registration-number-notary')).toMatchObject({ passed: true, findings: 0, warnings: 1 });
    const decision = await world.service.service.store.getDecision(issued.body.decisionId);
    expect(decision?.decision).toMatchObject({ outcome: 'issued', warnings: [expect.objectContaining({ code: 'REGISTRATION_NUMBER_UNCHECKED', severity: 'warning' })] });
  });
});

describe('ownership of the presentation', () => {
  it('refuses a member key asking for compliance of another holder\'s presentation: 403 and an authorization.denied entry', async () => {
    const credentials = await onboardedCredentials();
    const vp = await member.present(credentials);
    const created = await postJson(`${world.service.url}/members`, { slug: 'someone-else', name: 'Someone Else GmbH' }, world.auth);
    expect(created.status, created.text).toBe(201);
    const key = await postJson(`${world.service.url}/members/${encodeURIComponent(created.body.id)}/api-keys`, { role: 'member' }, world.auth);
    expect(key.status, key.text).toBe(201);
    const before = await world.service.service.store.auditSize();
    const refused = await postJson(`${world.service.url}/api/credential-offers/standard-compliance`, vp, {
      'content-type': 'application/vp+jwt',
      authorization: `Bearer ${key.body.apiKey}`,
    });
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    expect(refused.body.detail).toContain(member.did);
    expect(await world.service.service.store.auditSize()).toBe(before + 1);
    const denials = await world.service.service.store.auditEntriesForSubject(member.did);
    expect(denials.map((e) => (JSON.parse(e.leaf) as { action: string }).action)).toContain('authorization.denied');
  });
});
