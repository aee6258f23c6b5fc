/**
 * The W3C Bitstring Status List suite (w3c/vc-bitstring-status-list-test-suite, tag
 * `BitstringStatusList`) against gx-trust's VC-API on loopback: the suite's input credential is
 * issued with a status entry requested as the suite's configuration requests it, the entry and the
 * status list credential it names (fetched over loopback, as a verifier fetches it) are checked
 * against the data model assertions, and revocation and suspension are set through the VC-API
 * status route and seen by POST /credentials/verify, as the suite's interop tests do.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, issued, startSuiteTarget, type SuiteEndpoints } from './harness.js';

const SUITE = 'vc-bitstring-status-list-test-suite';
const V2 = 'https://www.w3.org/ns/credentials/v2';

let target: SuiteEndpoints;

beforeAll(async () => {
  target = await startSuiteTarget();
});
afterAll(async () => {
  await target?.svc.close();
});

async function issueWithStatus(statusPurpose: 'revocation' | 'suspension'): Promise<any> {
  return issued(await target.issue(fixture(SUITE, 'validVc.json'), {
    type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose },
  }));
}

const entriesOf = (vc: any): any[] => (Array.isArray(vc.credentialStatus) ? vc.credentialStatus : [vc.credentialStatus]);

async function statusListCredential(entry: any): Promise<any> {
  const response = await fetch(entry.statusListCredential, { headers: { accept: 'application/json' } });
  expect(response.status).toBe(200);
  return response.json();
}

function statusChecks(answer: { body: any }): any[] {
  return (answer.body.checks ?? []).filter((c: { check: string }) => c.check === 'status');
}

describe.each(['revocation', 'suspension'] as const)('Data Model: BitstringStatusList Entry (%s)', (statusPurpose) => {
  let vc: any;
  let entries: any[];

  beforeAll(async () => {
    vc = await issueWithStatus(statusPurpose);
    entries = entriesOf(vc);
  });

  it('Any expression of the data model in this section MUST be expressed in a conforming verifiable credential as defined in [VC-DATA-MODEL-2.0].', () => {
    expect(vc['@context'][0]).toBe(V2);
    expect(vc.type).toContain('VerifiableCredential');
    expect(vc.credentialSubject).toEqual(fixture(SUITE, 'validVc.json').credentialSubject);
    expect(vc.issuer).toBe(target.issuerId);
  });

  it('If present, the id value is expected to be a URL that identifies the status information associated with the verifiable credential. It MUST NOT be the URL for the status list.', () => {
    for (const entry of entries) {
      if (entry.id === undefined) continue;
      expect(typeof entry.id).toBe('string');
      expect(entry.id).not.toBe(entry.statusListCredential);
    }
  });

  it('The type property MUST be BitstringStatusListEntry.', () => {
    for (const entry of entries) expect(entry.type).toBe('BitstringStatusListEntry');
  });

  it('The purpose of the status entry MUST be a string.', () => {
    expect(entries.map((e) => e.statusPurpose)).toEqual([statusPurpose]);
  });

  it('The statusListIndex property MUST be an arbitrary size integer greater than or equal to 0, expressed as a string in base 10.', () => {
    for (const entry of entries) {
      expect(typeof entry.statusListIndex).toBe('string');
      expect(String(parseInt(entry.statusListIndex, 10))).toBe(entry.statusListIndex);
      expect(parseInt(entry.statusListIndex, 10)).toBeGreaterThanOrEqual(0);
    }
  });

  it('The statusListCredential property MUST be a URL to a verifiable credential.', async () => {
    for (const entry of entries) {
      expect(new URL(entry.statusListCredential).protocol).toMatch(/^https?:$/);
      const list = await statusListCredential(entry);
      expect(list.proof).toBeDefined();
    }
  });

  it('When the URL is dereferenced, the resulting verifiable credential MUST have type property that includes the BitstringStatusListCredential value.', async () => {
    for (const entry of entries) {
      const list = await statusListCredential(entry);
      expect(Array.isArray(list.type)).toBe(true);
      expect(list.type).toContain('BitstringStatusListCredential');
    }
  });
});

describe('Data Model: BitstringStatusList Credential', () => {
  let entry: any;
  let list: any;

  beforeAll(async () => {
    entry = entriesOf(await issueWithStatus('revocation'))[0];
    list = await statusListCredential(entry);
  });

  it('When a status list verifiable credential is published, it MUST be a conforming document, as defined in [VC-DATA-MODEL-2.0].', async () => {
    expect(list['@context'][0]).toBe(V2);
    expect(list.issuer).toBe(target.issuerId);
    const answer = await target.verify(list);
    expect(answer.status, answer.text).toBe(200);
  });

  it('The type of the credential subject, which is the status list, MUST be BitstringStatusList; its statusPurpose matches the entry\'s.', () => {
    expect(list.credentialSubject.type).toBe('BitstringStatusList');
    expect(list.credentialSubject.statusPurpose).toBe(entry.statusPurpose);
  });

  it('The following process, or one generating the exact output, MUST be followed when generating a status list bitstring (encodedList: multibase base64url of the GZIP-compressed bitstring, at least 16KB).', () => {
    const encodedList: string = list.credentialSubject.encodedList;
    expect(encodedList.startsWith('u')).toBe(true);
    const bitstring = gunzipSync(Buffer.from(encodedList.slice(1), 'base64url'));
    expect(bitstring.length).toBeGreaterThanOrEqual(16 * 1024);
    const index = parseInt(entry.statusListIndex, 10);
    expect(index).toBeLessThan(bitstring.length * 8);
    // Not revoked yet: the entry's bit (first bit the most significant of byte 0) is 0.
    expect((bitstring[Math.floor(index / 8)]! >> (7 - (index % 8))) & 1).toBe(0);
  });
});

describe('Algorithm', () => {
  it('If an implementation of any of the algorithms in this section processes a property defined in Section 2. Data Model whose value is malformed due to not complying with associated "MUST" statements, a MALFORMED_VALUE_ERROR MUST be raised.', async () => {
    // The suite puts this entry under `statusEntry`; as credentialStatus it is the entry the
    // assertion is about.
    const credential = { ...fixture(SUITE, 'validVc.json'), credentialStatus: { type: 'BitstringStatusListEntry', statusListIndex: true, statusListCredential: 'https://example.com' } };
    const answer = await target.issue(credential);
    expect(answer.status, answer.text).toBe(400);
    // The suite's entry also lacks statusPurpose, the first fault gx-trust names.
    expect(answer.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/credentialStatus/statusPurpose' });
    const indexOnly = await target.issue({ ...credential, credentialStatus: { ...credential.credentialStatus, statusPurpose: 'revocation' } });
    expect(indexOnly.status, indexOnly.text).toBe(400);
    expect(indexOnly.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/credentialStatus/statusListIndex' });
  });

  it('The following process, or one generating the exact output, MUST be followed when validating a verifiable credential that is contained in a BitstringStatusListCredential.', async () => {
    const vc = await issueWithStatus('revocation');
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(200);
    expect(statusChecks(answer).every((c) => c.verified)).toBe(true);
  });
});

describe('Interop: status set through the VC-API, seen by the verifier', () => {
  it('A revoked credential MUST NOT verify (revocation is permanent: it cannot be reinstated).', async () => {
    const vc = await issueWithStatus('revocation');
    expect((await target.verify(vc)).status).toBe(200);
    expect((await target.setStatus(vc.id, 'revoked')).status).toBe(200);
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(422);
    expect(statusChecks(answer).map((c) => c.code)).toContain('CREDENTIAL_REVOKED');
    expect((await target.setStatus(vc.id, 'active')).status).toBe(409);
  });

  it('A suspended credential MUST NOT verify, and verifies again once reinstated.', async () => {
    const vc = await issueWithStatus('suspension');
    expect((await target.verify(vc)).status).toBe(200);
    expect((await target.setStatus(vc.id, 'suspended')).status).toBe(200);
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(422);
    expect(statusChecks(answer).map((c) => c.code)).toContain('CREDENTIAL_SUSPENDED');
    expect((await target.setStatus(vc.id, 'active')).status).toBe(200);
    expect((await target.verify(vc)).status).toBe(200);
  });

  it('Another credential on the same list is not affected by a revocation.', async () => {
    const [first, second] = [await issueWithStatus('revocation'), await issueWithStatus('revocation')];
    expect(entriesOf(first)[0].statusListCredential).toBe(entriesOf(second)[0].statusListCredential);
    expect((await target.setStatus(first.id, 'revoked')).status).toBe(200);
    expect((await target.verify(second)).status).toBe(200);
  });
});
