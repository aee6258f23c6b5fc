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
import { createParty, CURRENT_TC, startComplianceWorld, submit, type ComplianceWorld, type Party } from '../compliance/fixtures.js';

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

async function onboardedCredentials(): Promise<string[]> {
  const onboarded = await postJson(`${world.service.url}/participants`, {
    participant: {
      id: member.did,
      name: 'Onboarded GmbH',
      legalAddress: address,
      headquartersAddress: address,
      registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
      termsAndConditions: CURRENT_TC,
    },
  }, world.auth);
  expect(onboarded.status, onboarded.text).toBe(201);
  expect(onboarded.body.verifiablePresentation.holder).toBe(member.did);
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
