/**
 * The W3C Bitstring Status List suite (w3c/vc-bitstring-status-list-test-suite, tag
 * `BitstringStatusList`) against gx-trust's VC-API on loopback: the suite's input credential is
 * issued with a status entry requested as the suite's configuration requests it, the entry and the
 * status list credential it names (fetched over loopback, as a verifier fetches it) are checked
 * against the data model assertions, and revocation and suspension are set through the VC-API
 * status route and seen by POST /credentials/verify, as the suite's interop tests do.
 *
 * Negative cases: the suite has none it can run here (its verifier negatives are TODOs or static
 * credentials signed by its keys on hosts not reachable from this machine), so the faults the
 * specification names are rebuilt with lists gx-trust signs as the credential's issuer, served by
 * a loopback server, and each is checked to be refused with the specification's error name.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { buildStatusListCredential } from '../../src/status-lists/credential.js';
import { unscopedIssuer } from '../helpers/unscoped-signing.js';
import { fixture, issued, startSuiteTarget, type Answer, type SuiteEndpoints } from './harness.js';

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

describe('Validate Algorithm: negative fixtures rebuilt on loopback', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, string>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const body = routes.get(req.url ?? '');
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
  });

  interface ListFault {
    purpose?: string;
    /** Bytes of the uncompressed bitstring (16 KB, the specification's minimum, by default). */
    bytes?: number;
    /** The uncompressed bitstring itself, in place of `bytes` zeros. */
    bits?: Uint8Array;
    encodedList?: unknown;
    /** When the list was signed, and how long it is valid for. */
    signedAt?: Date;
    validityMs?: number;
  }

  /** A status list credential signed by the credential's issuer (the service's DID), served at `path`. */
  async function serveList(path: string, fault: ListFault = {}): Promise<string> {
    const url = `${base}${path}`;
    const signedAt = fault.signedAt ?? new Date();
    const credential = buildStatusListCredential({
      list: { id: path, purpose: fault.purpose ?? 'revocation', bits: fault.bits ?? new Uint8Array(fault.bytes ?? 16 * 1024) },
      url,
      issuer: target.issuerId,
      now: signedAt,
      ...(fault.validityMs === undefined ? {} : { validityMs: fault.validityMs }),
    });
    if (Object.hasOwn(fault, 'encodedList')) (credential['credentialSubject'] as JsonObject)['encodedList'] = fault.encodedList;
    const signed = await unscopedIssuer(target.svc.service, () => signedAt).issueCredential(credential, { format: 'ldp_vc' });
    if (signed.format !== 'ldp_vc') throw new Error('expected a Data Integrity list');
    routes.set(path, JSON.stringify(signed.verifiableCredential));
    return url;
  }

  /** The suite's input, issued through the VC-API with an entry naming `url`. */
  async function credentialOn(url: string, entry: Record<string, unknown> = {}): Promise<any> {
    return issued(await target.issue({
      ...fixture(SUITE, 'validVc.json'),
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', statusListCredential: url, ...entry },
    }));
  }

  async function refusedWith(vc: unknown, code: string, pointer?: string): Promise<Answer> {
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(422);
    const status = statusChecks(answer);
    expect(status, answer.text).toContainEqual(expect.objectContaining({ verified: false, code, ...(pointer === undefined ? {} : { pointer }) }));
    return answer;
  }

  it('A list as the fixtures below build it, unchanged, verifies (what makes each refusal below about its fault)', async () => {
    const vc = await credentialOn(await serveList('/valid'));
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(200);
    expect(statusChecks(answer)).toEqual([expect.objectContaining({ verified: true, message: 'not revoked' })]);
  });

  it('Bitstring Expansion: an encodedList that is not a multibase base64url GZIP bitstring MUST NOT be read (STATUS_VERIFICATION_ERROR)', async () => {
    for (const [path, encodedList] of [
      ['/no-multibase-header', gzipSync(new Uint8Array(16 * 1024)).toString('base64url')],
      ['/not-gzip', 'u' + Buffer.from(new Uint8Array(16 * 1024)).toString('base64url')],
      ['/not-base64url', 'u!!!not base64url!!!'],
      ['/not-a-string', 42],
    ] as const) {
      await refusedWith(await credentialOn(await serveList(path, { encodedList })), 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusListCredential');
    }
  });

  it('Validate Algorithm: if the length of the uncompressed bitstring is less than the minimum bitstring length (131,072 bits), a STATUS_LIST_LENGTH_ERROR MUST be raised.', async () => {
    const answer = await refusedWith(await credentialOn(await serveList('/short', { bytes: 16 * 1024 - 1 })), 'STATUS_LIST_LENGTH_ERROR');
    expect(statusChecks(answer)[0].message).toContain('131064');
  });

  it('Validate Algorithm: the statusPurpose of the entry MUST match a statusPurpose of the status list credential (STATUS_VERIFICATION_ERROR).', async () => {
    const url = await serveList('/suspension-list', { purpose: 'suspension' });
    await refusedWith(await credentialOn(url), 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusPurpose');
    // The same list read for its own purpose is fine.
    expect((await target.verify(await credentialOn(url, { statusPurpose: 'suspension' }))).status).toBe(200);
  });

  it('If the credentialIndex multiplied by the size is a value outside of the range of the bitstring, a RANGE_ERROR MUST be raised.', async () => {
    const url = await serveList('/range');
    // 16 KB hold indexes 0 to 131071.
    expect((await target.verify(await credentialOn(url, { statusListIndex: '131071' }))).status).toBe(200);
    await refusedWith(await credentialOn(url, { statusListIndex: '131072' }), 'RANGE_ERROR', '/credentialStatus/statusListIndex');
  });

  it('If statusSize is greater than 1, statusMessage MUST be present, and the number of status messages MUST equal the number of possible values (refused at issue, MALFORMED_VALUE_ERROR in the specification)', async () => {
    const url = await serveList('/sizes');
    const issueWith = (entry: Record<string, unknown>) => target.issue({
      ...fixture(SUITE, 'validVc.json'),
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', statusListCredential: url, ...entry },
    });
    const message = (status: string, text: string) => ({ status, message: text });
    for (const [entry, member] of [
      [{ statusSize: 2 }, 'statusMessage'],
      [{ statusSize: 2, statusMessage: [message('0x0', 'valid'), message('0x1', 'invalid'), message('0x2', 'pending')] }, 'statusMessage'],
      [{ statusSize: 1, statusMessage: [message('0x0', 'valid')] }, 'statusMessage'],
      [{ statusSize: 1, statusMessage: ['valid', 'invalid'] }, 'statusMessage'],
      [{ statusSize: 0 }, 'statusSize'],
    ] as const) {
      const answer = await issueWith(entry);
      expect(answer.status, answer.text).toBe(400);
      expect(answer.body, JSON.stringify(entry)).toMatchObject({ code: 'INVALID_INPUT', pointer: `/credential/credentialStatus/${member}` });
    }
    // A one-bit entry with its two messages is read as usual.
    const oneBit = issued(await issueWith({ statusSize: 1, statusMessage: [message('0x0', 'valid'), message('0x1', 'revoked')] }));
    expect((await target.verify(oneBit)).status).toBe(200);
    // A well-formed two-bit entry is read. "If the length of the revocation bitstring divided by
    // statusSize is less than minimumNumberOfEntries, raise a STATUS_LIST_LENGTH_ERROR": the 16 KB
    // list holds 65,536 two-bit entries, too few.
    const twoBits = { statusSize: 2, statusMessage: ['0x0', '0x1', '0x2', '0x3'].map((s) => message(s, `state ${s}`)) };
    await refusedWith(issued(await issueWith(twoBits)), 'STATUS_LIST_LENGTH_ERROR', '/credentialStatus/statusListCredential');
    const onLongList = issued(await target.issue({
      ...fixture(SUITE, 'validVc.json'),
      credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '5', statusListCredential: await serveList('/sizes-32k', { bytes: 32 * 1024 }), ...twoBits },
    }));
    const answer = await target.verify(onLongList);
    expect(answer.status, answer.text).toBe(200);
    expect(statusChecks(answer)).toEqual([expect.objectContaining({
      verified: true,
      statuses: [expect.objectContaining({ purpose: 'revocation', statusListIndex: '5', statusSize: 2, status: '0x0', valid: true, message: 'state 0x0' })],
    })]);
  });

  it('statusPurpose message: the value of a two-bit entry (bits statusListIndex x 2 and the next) is reported with its statusMessage, and the credential verifies', async () => {
    // Index 5 is bits 10 and 11, the third and fourth of byte 1: 0b10 there is the value 2.
    const bits = new Uint8Array(32 * 1024);
    bits[1] = 0b0010_0000;
    const url = await serveList('/messages', { purpose: 'message', bits });
    const statusMessage = [['0x0', 'pending_review'], ['0x1', 'accepted'], ['0x2', 'rejected'], ['0x3', 'undefined']].map(([status, text]) => ({ status, message: text }));
    const vc = await credentialOn(url, { statusPurpose: 'message', statusSize: 2, statusMessage });
    const answer = await target.verify(vc);
    expect(answer.status, answer.text).toBe(200);
    expect(statusChecks(answer)).toEqual([expect.objectContaining({
      verified: true,
      message: 'message 0x2: rejected',
      statuses: [{ pointer: '/credentialStatus', purpose: 'message', statusListCredential: url, statusListIndex: '5', statusSize: 2, status: '0x2', valid: false, message: 'rejected' }],
    })]);
  });

  it('Validate Algorithm: a status list credential whose validity period has ended MUST NOT be used (STATUS_VERIFICATION_ERROR)', async () => {
    const signedAt = new Date(Date.now() - 3 * 24 * 60 * 60 * 1000);
    const url = await serveList('/expired', { signedAt, validityMs: 24 * 60 * 60 * 1000 });
    const answer = await refusedWith(await credentialOn(url), 'STATUS_VERIFICATION_ERROR', '/credentialStatus/statusListCredential');
    expect(statusChecks(answer)[0].message).toMatch(/validity/);
  });

  it('Validate Algorithm: a list not served (404) or not a credential is a STATUS_RETRIEVAL_ERROR, never "not revoked"', async () => {
    await refusedWith(await credentialOn(`${base}/nothing-here`), 'STATUS_RETRIEVAL_ERROR');
    routes.set('/not-json', 'this is no credential');
    await refusedWith(await credentialOn(`${base}/not-json`), 'STATUS_RETRIEVAL_ERROR');
  });
});
