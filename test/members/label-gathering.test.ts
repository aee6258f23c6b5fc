/**
 * What POST /members/{id}/labels presents when no ids are given: the member's current Gaia-X
 * credentials and, for each service offering, what it is made of (the resources it links,
 * transitively, and their IPCEI-AI profiles), since compliance refuses an offering whose resources
 * are not presented (DANGLING_REFERENCE). Records as the store gives them, newest first.
 */
import { describe, expect, it } from 'vitest';
import { gatherLabelCredentials } from '../../src/members/labels.js';
import type { CredentialRecord } from '../../src/storage/store.js';

const DID = 'did:web:localhost%3A8080:members:aurore-ia';
let clock = 0;

/** A stored Data Integrity credential (JSON text) about `subject`; each later call is newer. */
function record(id: string, type: string, subject: Record<string, unknown>): CredentialRecord {
  clock += 1;
  const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], id, type: ['VerifiableCredential', type], credentialSubject: subject };
  return {
    id, types: ['VerifiableCredential', type], subject: subject['id'] as string, issuer: 'did:web:localhost%3A8080', format: 'eddsa-rdfc-2022',
    digest: `sha256:${id}`, statusEntries: [], issuedBy: 'member', createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, clock)).toISOString(), credential: JSON.stringify(credential),
  };
}

const newestFirst = (records: CredentialRecord[]) => [...records].reverse();

describe('gatherLabelCredentials', () => {
  it('adds the resources an offering aggregates or is hosted on (transitively) and their IPCEI-AI profiles, after the offering', () => {
    const participant = [
      record('urn:lp', 'gx:LegalPerson', { id: `${DID}#legal-person` }),
      record('urn:vat', 'gx:VatID', { id: `${DID}#registration-number-1` }),
      record('urn:terms', 'gx:Issuer', { id: `${DID}#issuer` }),
    ];
    const offering = [
      record('urn:offering', 'gx:ServiceOffering', { id: `${DID}#api`, 'gx:aggregationOfResources': [{ id: `${DID}#model` }], 'gx:providedBy': { id: `${DID}#legal-person` } }),
      record('urn:model-old', 'gx:SoftwareResource', { id: `${DID}#model` }),
      record('urn:model', 'gx:SoftwareResource', { id: `${DID}#model`, 'gx:hostedOn': { id: `${DID}#cluster` } }),
      record('urn:cluster', 'gx:VirtualResource', { id: `${DID}#cluster` }),
      record('urn:profile', 'VerifiableCredential', { id: `${DID}#model-profile`, type: 'AIModelProfile', profileOf: `${DID}#model` }),
    ];
    const unrelated = [
      record('urn:other-resource', 'gx:SoftwareResource', { id: `${DID}#unused` }),
      record('urn:other-profile', 'VerifiableCredential', { id: `${DID}#unused-profile`, profileOf: `${DID}#unused` }),
    ];
    const gathered = gatherLabelCredentials(newestFirst([...participant, ...offering, ...unrelated]));
    expect(gathered.missing).toEqual([]);
    expect(gathered.credentials.map((c) => c.id)).toEqual(['urn:lp', 'urn:vat', 'urn:terms', 'urn:offering', 'urn:model', 'urn:cluster', 'urn:profile']);
  });

  it('gathers the offering alone when what it links is not among the records (compliance then names the dangling link)', () => {
    const records = [
      record('urn:lp', 'gx:LegalPerson', { id: `${DID}#legal-person` }),
      record('urn:offering', 'gx:ServiceOffering', { id: `${DID}#api`, 'gx:aggregationOfResources': { id: `${DID}#elsewhere` } }),
    ];
    expect(gatherLabelCredentials(newestFirst(records)).credentials.map((c) => c.id)).toEqual(['urn:lp', 'urn:offering']);
  });
});
