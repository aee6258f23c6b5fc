import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  MIN_STATUS_LIST_SIZE,
  parseStatusListId,
  STATUS_INDEX_BLOCK,
  StatusListAllocator,
  type PurposeAllocation,
  type StatusListAllocatorOptions,
} from '../../src/status-lists/allocator.js';
import { makeAuditInput, makeCredentialRecord } from '../storage/fixtures.js';
import { createStatusListIssuers } from '../../src/status-lists/issuers.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { recordCodecs } from '../../src/record-codecs.js';

/** Lists of the service's did:web only: the allocation rules are the same for every issuer. */
const serviceOnly = createStatusListIssuers({ serviceDid: 'did:web:issuer.example', didKeys: [], members: { hosts: () => false, member: async () => undefined } });
const allocatorOf = (options: Omit<StatusListAllocatorOptions, 'issuers'>) => new StatusListAllocator({ ...options, issuers: serviceOnly });

describe('StatusListAllocator', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-status-'));
    store = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'gx-trust.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates lists of the W3C minimum of 131,072 entries by default', async () => {
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example/' });
    const allocation = await allocator.allocate('urn:uuid:1');
    expect(allocation.listId).toBe('revocation-0');
    expect((await store.getStatusList('revocation-0'))?.size).toBe(MIN_STATUS_LIST_SIZE);
    expect(allocation.index).toBeGreaterThanOrEqual(0);
    expect(allocation.index).toBeLessThan(MIN_STATUS_LIST_SIZE);
    // Taken before anything is signed, by the block the allocator reserved it in.
    expect(allocation.reservedAs).toMatch(/^urn:gx-trust:reserved:/);
    expect(await store.getAllocation('revocation-0', allocation.index)).toEqual({
      listId: 'revocation-0',
      index: allocation.index,
      credentialId: allocation.reservedAs,
    });
  });

  describe('blocks of reserved indexes (full-size lists)', () => {
    async function record(allocation: PurposeAllocation): Promise<void> {
      const credential = makeCredentialRecord({ id: allocation.credentialId });
      await store.recordIssuance({
        credential: { ...credential, statusEntries: [{ listId: allocation.listId, index: allocation.index, purpose: allocation.purpose }] },
        allocations: [{ listId: allocation.listId, index: allocation.index, credentialId: allocation.credentialId, ...(allocation.reservedAs === undefined ? {} : { reservedAs: allocation.reservedAs }) }],
        audit: makeAuditInput({ subject: credential.id }),
      });
    }

    it('reserves a block in one go and hands it out in random order, each index once, across concurrent callers', async () => {
      const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example' });
      const got = await Promise.all(Array.from({ length: STATUS_INDEX_BLOCK + 10 }, (_, i) => allocator.allocate(`urn:uuid:${i}`)));
      const indexes = got.map((a) => a.index);
      expect(new Set(indexes).size).toBe(indexes.length);
      // Two blocks, nothing more: concurrent callers shared the refills.
      const raw = new Database(join(dir, 'gx-trust.db'), { readonly: true });
      try {
        expect(raw.prepare('SELECT count(*) AS n FROM status_allocations').get()).toEqual({ n: 2 * STATUS_INDEX_BLOCK });
      } finally {
        raw.close();
      }
      // Not handed out in index order (the privacy rule): 74 sorted draws by chance is p ≈ 1/74!.
      expect(indexes).not.toEqual([...indexes].sort((a, b) => a - b));
    });

    it('the recorded credential takes its index over from the block; its neighbours stay held', async () => {
      const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example' });
      const first = await allocator.allocate('urn:uuid:first');
      const second = await allocator.allocate('urn:uuid:second');
      await record(first);
      expect((await store.getAllocation(first.listId, first.index))?.credentialId).toBe('urn:uuid:first');
      expect((await store.getAllocation(second.listId, second.index))?.credentialId).toBe(second.reservedAs);
    });

    it("a replica cannot record onto another replica's block, nor onto an index a credential holds", async () => {
      const a = allocatorOf({ store, baseUrl: 'https://issuer.example' });
      const b = allocatorOf({ store, baseUrl: 'https://issuer.example' });
      const mine = await a.allocate('urn:uuid:a1');
      const theirs = await b.allocate('urn:uuid:b1');
      expect(theirs.reservedAs).not.toBe(mine.reservedAs);
      // b claiming a's held index under b's own name: refused, nothing written.
      await expect(record({ ...theirs, index: mine.index })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getAllocation(mine.listId, mine.index))?.credentialId).toBe(mine.reservedAs);
      await record(mine);
      // And once recorded, the index is the credential's, whoever's block it came from.
      await expect(record({ ...mine, credentialId: 'urn:uuid:a2' })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect((await store.getAllocation(mine.listId, mine.index))?.credentialId).toBe('urn:uuid:a1');
    });
  });

  it('never hands out an index twice, and moves to the next list when one fills up', async () => {
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example', listSize: 256 });
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const { listId, index } = await allocator.allocate(`urn:uuid:${i}`);
      const key = `${listId}#${index}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
    expect(seen.size).toBe(1000);
    const lists = new Set([...seen].map((key) => key.split('#')[0]));
    expect(lists.size).toBeGreaterThanOrEqual(4);
    expect(lists.has('revocation-0')).toBe(true);
  });

  it('keeps drawing after a forced collision instead of sharing the index', async () => {
    const draws = [7, 7, 9];
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example', listSize: 64, random: () => draws.shift() ?? 1 });
    expect((await allocator.allocate('urn:uuid:a')).index).toBe(7);
    expect((await allocator.allocate('urn:uuid:b')).index).toBe(9);
  });

  it('a second allocator (another replica) continues on the newest list', async () => {
    const first = allocatorOf({ store, baseUrl: 'https://issuer.example', listSize: 64 });
    for (let i = 0; i < 200; i++) await first.allocate(`urn:uuid:${i}`);
    const newest = (await first.allocate('urn:uuid:last')).listId;
    const second = allocatorOf({ store, baseUrl: 'https://issuer.example', listSize: 64 });
    expect((await second.allocate('urn:uuid:other')).listId).toBe(newest);
  });

  it('keeps revocation and suspension in separate lists', async () => {
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example' });
    const suspension = await allocator.allocate('urn:uuid:s', 'suspension');
    expect(suspension.listId).toBe('suspension-0');
    expect((await store.getStatusList('suspension-0'))?.purpose).toBe('suspension');
  });

  it('keeps lists per purpose and width: 131,072 entries of the width each, numbered apart', async () => {
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example' });
    const statusMessage = ['0x0', '0x1', '0x2', '0x3'].map((status) => ({ status, message: status }));
    const wide = await allocator.allocate('urn:uuid:m2', { purpose: 'message', statusSize: 2, statusMessage });
    const narrow = await allocator.allocate('urn:uuid:m1', 'message');
    expect([wide.listId, narrow.listId]).toEqual(['message-2bit-0', 'message-0']);
    expect(wide).toMatchObject({ purpose: 'message', statusSize: 2, statusMessage });
    const list = await store.getStatusList('message-2bit-0');
    expect(list).toMatchObject({ purpose: 'message', size: MIN_STATUS_LIST_SIZE, statusSize: 2 });
    expect(list?.bits.length).toBe((MIN_STATUS_LIST_SIZE * 2) / 8);
    expect(allocator.statusEntry(wide, 'message')).toEqual({
      id: `https://issuer.example/status-lists/message-2bit-0#${wide.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'message',
      statusListIndex: String(wide.index),
      statusListCredential: 'https://issuer.example/status-lists/message-2bit-0',
      statusSize: 2,
      statusMessage,
    });
  });

  it('will not allocate in a list of another width under the id of this one', async () => {
    await store.ensureStatusList({ id: 'message-2bit-0', purpose: 'message', size: 64, statusSize: 1 });
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example', listSize: 64 });
    await expect(allocator.allocate('urn:uuid:w', { purpose: 'message', statusSize: 2 })).rejects.toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('1-bit entries') });
  });

  it('builds the BitstringStatusListEntry from the public base URL', () => {
    const allocator = allocatorOf({ store, baseUrl: 'https://issuer.example/' });
    expect(allocator.statusEntry({ listId: 'revocation-3', index: 94567 }, 'revocation')).toEqual({
      id: 'https://issuer.example/status-lists/revocation-3#94567',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://issuer.example/status-lists/revocation-3',
    });
  });

  it('recognises only its own list ids in a URL path', () => {
    expect(parseStatusListId('suspension-12')).toEqual({ scope: '', purpose: 'suspension', sequence: 12, statusSize: 1 });
    expect(parseStatusListId('member.acme-2.revocation-0')).toEqual({ scope: 'member.acme-2', purpose: 'revocation', sequence: 0, statusSize: 1 });
    expect(parseStatusListId(`key.${ED25519_KEY}.suspension-3`)).toEqual({ scope: `key.${ED25519_KEY}`, purpose: 'suspension', sequence: 3, statusSize: 1 });
    // A P-384 did:key's multibase key is 70 characters after the z (51 bytes), longer than Ed25519's or P-256's.
    const p384Key = `z82${'L'.repeat(68)}`;
    expect(parseStatusListId(`key.${p384Key}.revocation-0`)).toEqual({ scope: `key.${p384Key}`, purpose: 'revocation', sequence: 0, statusSize: 1 });
    // A P-521 did:key's is 95 (69 bytes).
    const p521Key = `z2J9${'L'.repeat(92)}`;
    expect(parseStatusListId(`key.${p521Key}.revocation-0`)).toEqual({ scope: `key.${p521Key}`, purpose: 'revocation', sequence: 0, statusSize: 1 });
    // A BLS12-381 G2 did:key's is 134 (98 bytes); one character more than that is no key of ours.
    expect(parseStatusListId(`key.${BLS12381_KEY}.revocation-0`)).toEqual({ scope: `key.${BLS12381_KEY}`, purpose: 'revocation', sequence: 0, statusSize: 1 });
    expect(parseStatusListId(`key.z${'L'.repeat(135)}.revocation-0`)).toBeUndefined();
    // Lists of wider entries name their width; message and refresh lists are ours too.
    expect(parseStatusListId('message-2bit-4')).toEqual({ scope: '', purpose: 'message', sequence: 4, statusSize: 2 });
    expect(parseStatusListId('member.acme.refresh-0')).toEqual({ scope: 'member.acme', purpose: 'refresh', sequence: 0, statusSize: 1 });
    for (const id of ['message-1bit-0', 'message-9bit-0', 'message-2bit-01', 'message-2bits-0', 'revocation-01', 'revocation--1', 'other-1', 'revocation-1/..', '__proto__', 'member..revocation-0', 'member.Acme.revocation-0', 'member.a.b.revocation-0', 'key.z0OIl.revocation-0', 'service.revocation-0']) {
      expect(parseStatusListId(id)).toBeUndefined();
    }
  });

  describe('each issuing DID gets lists of its own', () => {
    const SERVICE = 'did:web:issuer.example';
    const HOSTED = `${SERVICE}:members:acme`;
    const EXTERNAL = `${SERVICE}:members:elsewhere`;
    const DID_KEY = `did:key:${ED25519_KEY}`;
    const BLS_DID_KEY = `did:key:${BLS12381_KEY}`;
    const members = new Map([
      [HOSTED, { id: 'mbr_1', slug: 'acme', name: 'ACME', did: HOSTED, custody: 'hosted' as const, createdAt: '2026-01-01T00:00:00Z' }],
      [EXTERNAL, { id: 'mbr_2', slug: 'elsewhere', name: 'Elsewhere', did: EXTERNAL, custody: 'external' as const, createdAt: '2026-01-01T00:00:00Z' }],
    ]);
    const issuers = createStatusListIssuers({
      serviceDid: SERVICE,
      didKeys: [{ did: DID_KEY, kind: 'Ed25519' }],
      bbsDidKey: BLS_DID_KEY,
      members: { hosts: (did) => did.startsWith(`${SERVICE}:members:`), member: async (did) => members.get(did) },
    });
    const allocator = () => new StatusListAllocator({ store, baseUrl: 'https://issuer.example', issuers });

    it('names the issuer in the list id and stores it with the list (the service\'s did:web as null)', async () => {
      const a = allocator();
      expect((await a.allocate('urn:uuid:1', 'revocation', SERVICE)).listId).toBe('revocation-0');
      expect((await a.allocate('urn:uuid:2', 'revocation')).listId).toBe('revocation-0');
      expect((await a.allocate('urn:uuid:3', 'revocation', HOSTED)).listId).toBe('member.acme.revocation-0');
      expect((await a.allocate('urn:uuid:4', 'suspension', DID_KEY)).listId).toBe(`key.${ED25519_KEY}.suspension-0`);
      expect((await store.getStatusList('revocation-0'))?.issuer).toBeNull();
      expect((await store.getStatusList('member.acme.revocation-0'))?.issuer).toBe(HOSTED);
      expect((await store.getStatusList(`key.${ED25519_KEY}.suspension-0`))?.issuer).toBe(DID_KEY);
      expect(a.statusEntry({ listId: 'member.acme.revocation-0', index: 5 }, 'revocation').statusListCredential).toBe('https://issuer.example/status-lists/member.acme.revocation-0');
    });

    it('gives the BLS12-381 did:key lists of its own, signed bbs-2023 and with no vc+jwt form', async () => {
      const a = allocator();
      expect((await a.allocate('urn:uuid:5', 'revocation', BLS_DID_KEY)).listId).toBe(`key.${BLS12381_KEY}.revocation-0`);
      expect((await store.getStatusList(`key.${BLS12381_KEY}.revocation-0`))?.issuer).toBe(BLS_DID_KEY);
      expect(await issuers.forList({ issuer: BLS_DID_KEY })).toEqual({ did: BLS_DID_KEY, scope: `key.${BLS12381_KEY}`, stored: BLS_DID_KEY, cryptosuite: 'bbs-2023', alg: undefined });
    });

    it('refuses, before reserving anything, a member that signs elsewhere and a DID gx-trust holds no key of', async () => {
      await expect(allocator().allocate('urn:uuid:x', 'revocation', EXTERNAL)).rejects.toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/credentialStatus', message: expect.stringContaining('signs elsewhere') });
      await expect(allocator().allocate('urn:uuid:y', 'revocation', 'did:web:other.example')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await store.getStatusList('member.elsewhere.revocation-0')).toBeUndefined();
    });

    it('will not allocate in a list that belongs to another issuer', async () => {
      await store.ensureStatusList({ id: 'member.acme.revocation-0', purpose: 'revocation', size: MIN_STATUS_LIST_SIZE, issuer: 'did:web:someone.example' });
      await expect(allocator().allocate('urn:uuid:z', 'revocation', HOSTED)).rejects.toMatchObject({ code: 'INTERNAL' });
    });
  });
});

/** An Ed25519 public key as a did:key names it (base58btc multibase). */
const ED25519_KEY = 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK';
/** A BLS12-381 G2 public key as a did:key names it: 134 characters after the z. */
const BLS12381_KEY = 'zUC7GPqDEokFSg5c2PdpKU96xC8KwoxpG4HZyfeWJ2LaLcNLDPKQzKwCJRCiFeRRY21oMij9qyghvnoiKYMMjtxQXUCVkCWQq3BnuBgfsNPxJesj1NqMbhy8dLrrJaSYdVUfuXT';
