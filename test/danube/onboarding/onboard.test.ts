/**
 * The onboarding core: registry look-ups and their evidence, member authorization, and the map
 * from generated credentials back to the participant data the member sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnboarding, participantCredentials, type Onboarding, type ParticipantInput } from '../../../src/danube/onboarding/index.js';
import { REGISTRY_URLS, registryEvidence, type RegistryLookup } from '../../../src/danube/registration-numbers/index.js';
import { startService, type RunningService } from '../../helpers/service.js';
import { supersedeChanges } from '../../../src/status-lists/change-status.js';

const MEMBER = 'did:web:member.example';
const CURRENT_TC = '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515';
const NOW = new Date('2026-03-01T12:00:00Z');

function participant(overrides: Partial<ParticipantInput> = {}): ParticipantInput {
  const address = { countryCode: 'DE', region: 'DE30', locality: 'Berlin' };
  return {
    id: MEMBER,
    legalAddress: address,
    headquartersAddress: address,
    registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
    termsAndConditions: CURRENT_TC,
    ...overrides,
  };
}

/** A registry that answers from a fixed table, as VIES would; no network. */
function registry(answers: Record<string, 'valid' | 'invalid'>): RegistryLookup {
  return {
    async lookUp(type, number) {
      const evidence = registryEvidence(type, REGISTRY_URLS['gx:VatID'](number), () => NOW);
      if (answers[number] === 'valid') return { status: 'valid', evidence };
      if (answers[number] === 'invalid') return { status: 'invalid', evidence, message: `VIES does not know ${number}` };
      return { status: 'not-checked', reason: 'not in the table' };
    },
  };
}

let svc: RunningService;
const admin = { principal: { actor: 'test:admin', role: 'admin' as const } };

function onboardingWith(registryLookup: RegistryLookup): Onboarding {
  const { service } = svc;
  return createOnboarding({
    signers: { participants: service.signing.signerFor('participants'), serviceOfferings: service.signing.signerFor('service-offerings') },
    verifier: service.verifier,
    validator: service.selfDescriptionValidator,
    contentReview: service.compliance,
    store: service.store,
    supersession: (previous, actor) => supersedeChanges(service.store, previous, actor),
    serviceDid: service.keyring.did,
    clock: () => NOW,
    registryLookup,
  });
}

beforeAll(async () => {
  svc = await startService({}, { clock: () => NOW });
});
afterAll(async () => {
  await svc?.close();
});

describe('createOnboarding()', () => {
  it('puts the evidence of a successful registry look-up into the notarised credential, as Gaia-X notaries do', async () => {
    const outcome = await onboardingWith(registry({ DE136695976: 'valid' })).participantFromData(participant(), undefined, admin, {});
    expect(outcome.status).toBe('issued');
    if (outcome.status !== 'issued') return;
    const vat = JSON.parse(Buffer.from(outcome.credentials[1]!.jwt!.split('.')[1]!, 'base64url').toString('utf8'));
    expect(vat.evidence).toEqual({
      'gx:evidenceOf': 'gx:VatID',
      'gx:evidenceURL': 'https://ec.europa.eu/taxation_customs/vies/rest-api/ms/DE/vat/136695976',
      'gx:executionDate': NOW.toISOString(),
    });
    expect(outcome.registryLookups).toEqual([{ pointer: '/participant/registrationNumbers/0/value', type: 'gx:VatID', value: 'DE136695976', status: 'valid' }]);
    expect((await svc.service.verifier.verifyCredential(outcome.credentials[1]!.jwt)).verified).toBe(true);
  });

  it('issues nothing when the registry says the number is not registered', async () => {
    const before = await svc.service.store.auditSize();
    const outcome = await onboardingWith(registry({ DE136695976: 'invalid' })).participantFromData(participant(), undefined, admin, {});
    expect(outcome).toMatchObject({ status: 'invalid', findings: [{ rule: 'gx:VatID/registry', pointer: '/participant/registrationNumbers/0/value' }] });
    expect(await svc.service.store.auditSize()).toBe(before);
  });

  it('lets a member onboard only its own DIDs', async () => {
    const onboarding = onboardingWith(registry({}));
    const member = { principal: { actor: 'member:m1', role: 'member' as const, memberId: 'm1', dids: ['did:web:other.example'] } };
    await expect(onboarding.participantFromData(participant(), undefined, member, {})).rejects.toMatchObject({ code: 'FORBIDDEN' });
    const own = { principal: { ...member.principal, dids: [MEMBER] } };
    expect((await onboarding.participantFromData(participant(), undefined, own, {})).status).toBe('issued');
  });
});

describe('participantCredentials()', () => {
  it('writes the 25.11 terms and maps each back to the field of the request', () => {
    const [legalPerson, vat, issuer] = participantCredentials(participant({ registrationNumbers: [{ type: 'gx:EORI', value: 'DE123456789012345', countryCode: 'DE' }] }));
    expect(legalPerson!.document['credentialSubject']).toMatchObject({
      id: `${MEMBER}#legal-person`,
      'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE', 'vcard:region': 'DE30' },
      'gx:registrationNumber': [{ id: `${MEMBER}#registration-number-1` }],
    });
    expect(vat!.document['credentialSubject']).toEqual({ id: `${MEMBER}#registration-number-1`, type: 'gx:EORI', 'gx:eori': 'DE123456789012345', 'gx:country': 'DE' });
    expect(legalPerson!.translate('/credentialSubject/gx:legalAddress/vcard:region')).toBe('/participant/legalAddress/region');
    expect(legalPerson!.translate('/credentialSubject/gx:headquartersAddress')).toBe('/participant/headquartersAddress');
    expect(legalPerson!.translate('/credentialSubject/gx:registrationNumber/0')).toBe('/participant/registrationNumbers/0');
    expect(vat!.translate('/credentialSubject/gx:eori')).toBe('/participant/registrationNumbers/0/value');
    expect(vat!.translate('/credentialSubject/gx:country')).toBe('/participant/registrationNumbers/0/countryCode');
    expect(issuer!.translate('/credentialSubject/gx:gaiaxTermsAndConditions')).toBe('/participant/termsAndConditions');
  });
});
