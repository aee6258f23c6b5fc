/**
 * The onboarding steps that need no service, each on its own: the notary's validity and look-ups,
 * what each endpoint's submission must hold, and what onboarding again replaces.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/credentials/index.js';
import type { Item } from '../../../src/danube/onboarding/items.js';
import { submittedItems } from '../../../src/danube/onboarding/items.js';
import { draftOf, lookUpNumbers, normalizeNumbers } from '../../../src/danube/onboarding/notary.js';
import { participantSeries, participantSubmissionFindings } from '../../../src/danube/onboarding/participant-onboarding.js';
import { referencedLegalPerson, serviceOfferingSeries, serviceOfferingSubmissionFindings } from '../../../src/danube/onboarding/service-offering-registration.js';
import { planSupersession } from '../../../src/danube/onboarding/supersede.js';
import type { CredentialRecord } from '../../../src/storage/store.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const draft = (document: JsonObject, origin = '/credentials/0'): Item => ({ origin, role: 'draft', document });
const vatId = (value: string, extra: JsonObject = {}): JsonObject => ({
  type: ['VerifiableCredential', 'gx:VatID'],
  credentialSubject: { id: 'did:web:member.example#vat', type: 'gx:VatID', 'gx:vatID': value, 'gx:countryCode': 'DE' },
  ...extra,
});

describe('the notary', () => {
  it('gives a registration number its validity, cutting a later validUntil, and leaves other drafts alone', () => {
    expect(draftOf(draft(vatId('DE136695976')), 90, NOW)['validUntil']).toBe('2026-05-30T12:00:00Z');
    expect(draftOf(draft(vatId('DE136695976', { validUntil: '2030-01-01T00:00:00Z' })), 90, NOW)['validUntil']).toBe('2026-05-30T12:00:00Z');
    expect(draftOf(draft(vatId('DE136695976', { validUntil: '2026-04-01T00:00:00Z' })), 90, NOW)['validUntil']).toBe('2026-04-01T00:00:00Z');
    const legalPerson = draft({ type: 'VerifiableCredential', credentialSubject: { type: 'gx:LegalPerson' }, issuer: 'did:web:other.example' });
    expect(draftOf(legalPerson, 90, NOW)).toEqual({ type: 'VerifiableCredential', credentialSubject: { type: 'gx:LegalPerson' } });
  });

  it('writes a VAT id as VIES does, and says so at the number', () => {
    const items = [draft(vatId('DE 136.695.976'))];
    const notes = normalizeNumbers(items);
    expect((items[0]!.document['credentialSubject'] as JsonObject)['gx:vatID']).toBe('DE136695976');
    expect(notes).toMatchObject([{ rule: 'gx:VatID/normalized', severity: 'info', pointer: '/credentials/0/credentialSubject/gx:vatID' }]);
  });

  it('asks the registry about each number it notarises: a refusal is a finding at the number, no answer a note', async () => {
    const items = [draft(vatId('DE136695976')), draft(vatId('DE000000000'), '/credentials/1'), submittedItems(['a.b.c'], '/credentials')[0]!];
    const evidence = { 'gx:evidenceOf': 'gx:VatID' as const, 'gx:evidenceURL': 'https://vies.example/DE000000000', 'gx:executionDate': NOW.toISOString() };
    const asked: string[] = [];
    const result = await lookUpNumbers({
      async lookUp(_type, number) {
        asked.push(number);
        return number === 'DE000000000' ? { status: 'invalid', evidence, message: 'unknown to VIES' } : { status: 'not-checked', reason: 'look-ups off' };
      },
    }, items);
    expect(asked).toEqual(['DE136695976', 'DE000000000']);
    expect(result.findings).toMatchObject([{ rule: 'gx:VatID/registry', pointer: '/credentials/1/credentialSubject/gx:vatID', severity: 'violation' }]);
    expect(result.notes).toEqual([{ pointer: '/credentials/0/credentialSubject/gx:vatID', type: 'gx:VatID', value: 'DE136695976', status: 'not-checked', reason: 'look-ups off' }]);
    expect(result.evidence.size).toBe(0);
  });
});

describe('what each endpoint\'s submission must hold', () => {
  const issuer = draft({ type: 'VerifiableCredential', credentialSubject: { type: 'gx:Issuer' } });
  const offering = draft({ type: 'VerifiableCredential', credentialSubject: { id: 'https://member.example/offering', type: 'gx:ServiceOffering' } });

  it('a participant: a gx:Issuer credential (the terms); its series is its DID', () => {
    expect(participantSubmissionFindings([issuer])).toEqual([]);
    expect(participantSubmissionFindings([])).toMatchObject([{ rule: 'onboarding/issuer-credential', pointer: '/credentials' }]);
    expect(participantSeries('did:web:member.example')).toBe('participant:did:web:member.example');
  });

  it('a service offering: the offering itself and a LegalPerson as the reference; its series is the offering\'s id', () => {
    const reference: Item = { origin: '/legalPerson', role: 'reference', document: { type: 'VerifiableCredential', credentialSubject: { type: 'gx:Issuer' } } };
    expect(serviceOfferingSubmissionFindings([offering])).toEqual([]);
    expect(serviceOfferingSubmissionFindings([reference]).map((f) => [f.rule, f.pointer])).toEqual([
      ['onboarding/legal-person', '/legalPerson'],
      ['onboarding/service-offering', '/credentials'],
    ]);
    expect(serviceOfferingSeries([offering])).toBe('service-offering:https://member.example/offering');
    expect(serviceOfferingSeries([issuer])).toBeUndefined();
  });

  it('a LegalPerson named by id must be one this service issued; one sent must be secured', async () => {
    const store = { getCredential: async () => undefined, seriesCredentials: async () => [], credentialsOfDid: async () => [] };
    await expect(referencedLegalPerson(store, 'urn:uuid:nothing')).rejects.toMatchObject({ code: 'NOT_FOUND', pointer: '/legalPerson' });
    await expect(referencedLegalPerson(store, { type: 'VerifiableCredential' })).rejects.toMatchObject({ code: 'INVALID_INPUT', pointer: '/legalPerson' });
    await expect(referencedLegalPerson(store, 'did:web:member.example#legal-person')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(referencedLegalPerson(store, 'a.b.c')).resolves.toMatchObject({ role: 'reference', secured: 'a.b.c' });
  });
});

describe('onboarding again', () => {
  const record = (id: string) => ({ id }) as CredentialRecord;

  it('revokes the previous set of the series with the last new credential only', async () => {
    const changes = { changes: [], ids: ['urn:uuid:old'] };
    const plan = await planSupersession({ seriesCredentials: async () => [record('urn:uuid:old')] }, async (previous, actor) => {
      expect([previous.map((r) => r.id), actor]).toEqual([['urn:uuid:old'], 'member:alpha']);
      return changes;
    }, 'participant:did:web:member.example', 'member:alpha');
    expect(plan.previous).toEqual(['urn:uuid:old']);
    expect(plan.optionsOf(false)).toEqual({ series: 'participant:did:web:member.example' });
    expect(plan.optionsOf(true)).toEqual({ series: 'participant:did:web:member.example', supersede: changes });
  });

  it('replaces nothing when nothing names the series, or the series is new', async () => {
    const never = async (): Promise<never> => {
      throw new Error('nothing to supersede');
    };
    const none = await planSupersession({ seriesCredentials: never }, never, undefined, 'admin');
    expect([none.previous, none.optionsOf(true)]).toEqual([[], {}]);
    const fresh = await planSupersession({ seriesCredentials: async () => [] }, never, 'participant:did:web:new.example', 'admin');
    expect([fresh.previous, fresh.optionsOf(true)]).toEqual([[], { series: 'participant:did:web:new.example' }]);
  });
});
