/**
 * Multi-bit entries on the service's OWN lists, end to end on the real app over loopback: issue a
 * credential with a 2-bit `message` entry (its statusMessage committed at issuance), verify it,
 * set its value through POST /credentials/status, verify again, and read the published list with
 * the Digital Credentials Consortium's decoder, bit by bit.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
import { decodeList } from '@digitalcredentials/vc-bitstring-status-list';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN_STATUS_LIST_SIZE } from '../../src/status-lists/allocator.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
const admin = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  // The verification result cache at its default: the status check runs on every verification
  // (result-cache.ts), so the report after a change shows the new value.
  svc = await startService();
}, 60_000);
afterAll(async () => {
  await svc?.close();
});

const statusMessage = [
  { status: '0x0', message: 'pending_review' },
  { status: '0x1', message: 'accepted' },
  { status: '0x2', message: 'rejected' },
  { status: '0x3', message: 'undefined' },
];
const messageEntry = { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusSize: 2, statusMessage };

const credential = (extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: 'did:example:holder' },
  ...extra,
});

const issue = (body: unknown) => postJson(`${svc.url}/credentials/issue`, body, admin());
const verify = (verifiableCredential: unknown) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential });
const setStatus = (credentialId: string, entry: Record<string, unknown>, token = svc.apiKey) =>
  postJson(`${svc.url}/credentials/status`, { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', ...entry }] }, { authorization: `Bearer ${token}` });
const localUrl = (url: string) => url.replace(`http://localhost:${svc.port}`, svc.url);

async function encodedListOf(url: string): Promise<string> {
  const list = (await (await fetch(localUrl(url), { headers: { accept: 'application/json' } })).json()) as { credentialSubject: { encodedList: string; statusPurpose: string } };
  return list.credentialSubject.encodedList;
}

/** The value of entry `index` of width `size` as the DCC reader's bitstring has it, bit by bit (its first bit the most significant). */
async function readWithDcc(url: string, index: number, size: number): Promise<{ value: number; length: number }> {
  const list = await decodeList({ encodedList: await encodedListOf(url) });
  let value = 0;
  for (let bit = index * size; bit < (index + 1) * size; bit++) value = value * 2 + (list.getStatus(bit) ? 1 : 0);
  return { value, length: list.length };
}

function statusCheck(report: { checks: { check: string }[] }): any {
  return report.checks.find((c) => c.check === 'status');
}

describe('a 2-bit message entry on the service\'s own list', () => {
  let vc: any;
  let entry: any;

  beforeAll(async () => {
    const issued = await issue({ credential: credential(), options: { credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, messageEntry] } });
    expect(issued.status, issued.text).toBe(201);
    vc = issued.body.verifiableCredential;
    entry = vc.credentialStatus.find((e: { statusPurpose: string }) => e.statusPurpose === 'message');
  }, 60_000);

  it('is issued with its width and messages, on a list of 2-bit entries of its own', () => {
    expect(entry).toMatchObject({
      type: 'BitstringStatusListEntry',
      statusPurpose: 'message',
      statusSize: 2,
      statusMessage,
      statusListIndex: expect.stringMatching(/^\d+$/),
      statusListCredential: expect.stringMatching(/\/status-lists\/message-2bit-0$/),
    });
    const revocation = vc.credentialStatus.find((e: { statusPurpose: string }) => e.statusPurpose === 'revocation');
    expect(revocation.statusListCredential).toMatch(/\/status-lists\/revocation-0$/);
    expect(revocation).not.toHaveProperty('statusSize');
  });

  it('publishes a list of 131,072 entries of 2 bits (32 KB), its purpose message', async () => {
    const list = (await (await fetch(localUrl(entry.statusListCredential), { headers: { accept: 'application/json' } })).json()) as any;
    expect(list.credentialSubject.statusPurpose).toBe('message');
    expect(list.issuer).toBe(svc.service.keyring.did);
    expect((await readWithDcc(entry.statusListCredential, 0, 2)).length).toBe(MIN_STATUS_LIST_SIZE * 2);
  });

  it('verifies, reporting the value 0x0 and its message; after a change, the new value and message', async () => {
    const before = await verify(vc);
    expect(before.status, before.text).toBe(200);
    expect(statusCheck(before.body).statuses).toContainEqual(
      expect.objectContaining({ purpose: 'message', statusSize: 2, status: '0x0', valid: true, message: 'pending_review', statusListIndex: entry.statusListIndex }),
    );

    const set = await setStatus(vc.id, { statusPurpose: 'message', status: '0x2' });
    expect(set.status, set.text).toBe(200);
    expect(set.body).toEqual({ credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListCredential', statusPurpose: 'message', status: '0x2', message: 'rejected' }] });

    const after = await verify(vc);
    // A message informs; it does not invalidate (check-status.ts).
    expect(after.status, after.text).toBe(200);
    expect(statusCheck(after.body).statuses).toContainEqual(expect.objectContaining({ purpose: 'message', status: '0x2', valid: false, message: 'rejected' }));
    // The revocation entry beside it is untouched.
    expect(statusCheck(after.body).statuses).toContainEqual(expect.objectContaining({ purpose: 'revocation', status: '0x0' }));
  }, 60_000);

  it('writes the value at statusListIndex x 2, most significant bit first, as the DCC reader reads it', async () => {
    const index = Number(entry.statusListIndex);
    for (const [status, value] of [['0x1', 1], ['0x3', 3], ['0x2', 2]] as const) {
      expect((await setStatus(vc.id, { statusPurpose: 'message', status })).status).toBe(200);
      const read = await readWithDcc(entry.statusListCredential, index, 2);
      expect(read.value, status).toBe(value);
    }
    // Bit by bit: the two bits of the entry are 1 then 0 (0x2), and no other bit of the list is set.
    const list = await decodeList({ encodedList: await encodedListOf(entry.statusListCredential) });
    const set: number[] = [];
    for (let bit = 0; bit < list.length; bit++) if (list.getStatus(bit)) set.push(bit);
    expect(set).toEqual([index * 2]);
  }, 60_000);

  it('records each change in the audit log with the value and its message', async () => {
    const entries = await svc.service.store.auditEntriesForSubject(vc.id);
    const changes = entries.map((row) => JSON.parse(row.leaf)).filter((e) => e.action === 'credential.status-changed');
    expect(changes.at(-1)).toMatchObject({ details: { status: '0x2', statusPurpose: 'message', value: 2, message: 'rejected', statusListIndex: Number(entry.statusListIndex) } });
  });

  it('refuses a value outside the entry with 400, its path and the values it takes', async () => {
    for (const status of ['0x4', '0xff', '2', 'rejected', '0x']) {
      const refused = await setStatus(vc.id, { statusPurpose: 'message', status });
      expect(refused.status, status).toBe(400);
      expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credentialStatus/0/status', hint: expect.stringContaining('"0x3" (undefined)') });
    }
  });

  it('keeps the one-bit shape for revocation, and refuses a value for it or a state for the message entry', async () => {
    const asValue = await setStatus(vc.id, { statusPurpose: 'revocation', status: '0x1' });
    expect(asValue.status).toBe(400);
    expect(asValue.body).toMatchObject({ pointer: '/credentialStatus/0/statusPurpose', hint: expect.stringContaining('"revoked"') });
    const asState = await setStatus(vc.id, { statusPurpose: 'message', status: 'revoked' });
    expect(asState.status).toBe(400);
    expect(asState.body.pointer).toBe('/credentialStatus/0/statusPurpose');
    const refresh = await setStatus(vc.id, { statusPurpose: 'refresh', status: '0x1' });
    expect(refresh.status).toBe(409);
    const revoked = await setStatus(vc.id, { status: 'revoked' });
    expect(revoked.body).toEqual({ credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });
  });

  it('answers another member as for an unknown credential, and audits the attempt', async () => {
    const member = await postJson(`${svc.url}/members`, { slug: 'other', name: 'Other' }, admin());
    expect(member.status, member.text).toBe(201);
    const key = await postJson(`${svc.url}/members/${member.body.id}/api-keys`, { role: 'member' }, admin());
    expect(key.status, key.text).toBe(201);
    const denied = await setStatus(vc.id, { statusPurpose: 'message', status: '0x1' }, key.body.apiKey);
    expect(denied.status).toBe(404);
    const entries = (await svc.service.store.auditEntriesForSubject(vc.id)).map((row) => JSON.parse(row.leaf));
    expect(entries.at(-1)).toMatchObject({ action: 'authorization.denied', details: { status: '0x1' } });
  });
});

describe('issuing wider entries', () => {
  it('takes the entry in the credential as the VC-API suites send it, and a one-bit refresh entry that cannot be unset', async () => {
    const issued = await issue({ credential: credential({ credentialStatus: [messageEntry, { type: 'BitstringStatusListEntry', statusPurpose: 'refresh' }] }) });
    expect(issued.status, issued.text).toBe(201);
    const vc = issued.body.verifiableCredential;
    const refresh = vc.credentialStatus.find((e: { statusPurpose: string }) => e.statusPurpose === 'refresh');
    expect(refresh.statusListCredential).toMatch(/\/status-lists\/refresh-0$/);
    expect((await setStatus(vc.id, { statusPurpose: 'refresh', status: '0x1' })).body.credentialStatus[0]).toMatchObject({ status: '0x1', message: 'set' });
    const unset = await setStatus(vc.id, { statusPurpose: 'refresh', status: '0x0' });
    expect(unset.status).toBe(409);
    const report = await verify(vc);
    expect(report.status, report.text).toBe(200);
    expect(statusCheck(report.body).statuses).toContainEqual(expect.objectContaining({ purpose: 'refresh', status: '0x1', valid: false }));
  }, 60_000);

  it('puts entries of each width on lists of that width: a 3-bit entry does not share the 2-bit list', async () => {
    const threeBits = Array.from({ length: 8 }, (_, v) => ({ status: `0x${v.toString(16)}`, message: `step ${v}` }));
    const issued = await issue({ credential: credential(), options: { credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusSize: 3, statusMessage: threeBits } } });
    expect(issued.status, issued.text).toBe(201);
    const entry = issued.body.verifiableCredential.credentialStatus[0];
    expect(entry.statusListCredential).toMatch(/\/status-lists\/message-3bit-0$/);
    expect((await setStatus(issued.body.verifiableCredential.id, { statusPurpose: 'message', status: '0x5' })).status).toBe(200);
    expect((await readWithDcc(entry.statusListCredential, Number(entry.statusListIndex), 3)).value).toBe(5);
    const report = await verify(issued.body.verifiableCredential);
    expect(statusCheck(report.body).statuses[0]).toMatchObject({ status: '0x5', message: 'step 5' });
  }, 60_000);

  it("gives a did:key issuer 2-bit lists of its own, signed by it, and reads a vc+jwt credential's entry", async () => {
    const didKey = svc.service.keyring.didKey('Ed25519').did;
    const issued = await issue({ credential: credential({ issuer: didKey }), options: { format: 'vc+jwt', credentialStatus: messageEntry } });
    expect(issued.status, issued.text).toBe(201);
    const envelope = issued.body.verifiableCredential;
    expect(envelope.type).toBe('EnvelopedVerifiableCredential');
    const jwt: string = envelope.id.slice(envelope.id.indexOf(',') + 1);
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
    const entry = payload.credentialStatus[0];
    expect(entry.statusListCredential).toMatch(new RegExp(`/status-lists/key\\.${didKey.slice('did:key:'.length)}\\.message-2bit-0$`));
    const list = (await (await fetch(localUrl(entry.statusListCredential), { headers: { accept: 'application/json' } })).json()) as { issuer: string };
    expect(list.issuer).toBe(didKey);
    expect((await setStatus(payload.id, { statusPurpose: 'message', status: '0x3' })).status).toBe(200);
    const report = await verify(issued.body.verifiableCredential);
    expect(report.status, report.text).toBe(200);
    expect(statusCheck(report.body).statuses[0]).toMatchObject({ purpose: 'message', statusSize: 2, status: '0x3', message: 'undefined' });
  }, 60_000);

  it.each([
    ['statusSize without statusMessage', { statusSize: 2 }, '/options/credentialStatus/statusMessage'],
    ['too few messages', { statusSize: 2, statusMessage: statusMessage.slice(0, 3) }, '/options/credentialStatus/statusMessage'],
    ['a value named twice', { statusSize: 2, statusMessage: [...statusMessage.slice(0, 3), { status: '0x2', message: 'again' }] }, '/options/credentialStatus/statusMessage/3/status'],
    ['a value the width cannot hold', { statusSize: 1, statusMessage: [{ status: '0x0', message: 'a' }, { status: '0x2', message: 'b' }] }, '/options/credentialStatus/statusMessage/1/status'],
    ['a width past 8 bits', { statusSize: 9 }, '/options/credentialStatus/statusSize'],
    ['a width of 0', { statusSize: 0 }, '/options/credentialStatus/statusSize'],
    ['a negative width', { statusSize: -1 }, '/options/credentialStatus/statusSize'],
    ['a fractional width', { statusSize: 1.5 }, '/options/credentialStatus/statusSize'],
  ])('refuses %s with 400 at its path and a hint', async (_what, extra, pointer) => {
    const refused = await issue({ credential: credential(), options: { credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'message', ...extra } } });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer, hint: expect.any(String) });
    // A width out of range says which widths there are, not only where the schema is.
    if (pointer.endsWith('/statusSize')) expect(refused.body.hint).toMatch(/statusSize 1 to 8/);
  });

  it('points at the member of a list of entries whose width is 0, with a hint naming the widths allowed', async () => {
    const refused = await issue({
      credential: credential(),
      options: { credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }, { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusSize: 0 }] },
    });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/credentialStatus/1/statusSize', hint: expect.stringMatching(/statusSize 1 to 8/) });
  });

  it('keeps revocation and suspension one bit wide, pointing at a message entry for the reasons', async () => {
    for (const statusPurpose of ['revocation', 'suspension']) {
      const refused = await issue({ credential: credential({ credentialStatus: { ...messageEntry, statusPurpose } }) });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/credential/credentialStatus/statusSize', hint: expect.stringContaining('"statusPurpose": "message"') });
    }
  });
});
