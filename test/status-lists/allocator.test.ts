import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIN_STATUS_LIST_SIZE, parseStatusListId, StatusListAllocator } from '../../src/status-lists/allocator.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';

describe('StatusListAllocator', () => {
  let dir: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-status-'));
    store = await openSqliteStore({ path: join(dir, 'gx-trust.db') });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates lists of the W3C minimum of 131,072 entries by default', async () => {
    const allocator = new StatusListAllocator({ store, baseUrl: 'https://issuer.example/' });
    const allocation = await allocator.allocate('urn:uuid:1');
    expect(allocation.listId).toBe('revocation-0');
    expect((await store.getStatusList('revocation-0'))?.size).toBe(MIN_STATUS_LIST_SIZE);
    expect(allocation.index).toBeGreaterThanOrEqual(0);
    expect(allocation.index).toBeLessThan(MIN_STATUS_LIST_SIZE);
    expect(await store.getAllocation('revocation-0', allocation.index)).toEqual({
      listId: 'revocation-0',
      index: allocation.index,
      credentialId: 'urn:uuid:1',
    });
  });

  it('never hands out an index twice, and moves to the next list when one fills up', async () => {
    const allocator = new StatusListAllocator({ store, baseUrl: 'https://issuer.example', listSize: 256 });
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
    const allocator = new StatusListAllocator({ store, baseUrl: 'https://issuer.example', listSize: 64, random: () => draws.shift() ?? 1 });
    expect((await allocator.allocate('urn:uuid:a')).index).toBe(7);
    expect((await allocator.allocate('urn:uuid:b')).index).toBe(9);
  });

  it('a second allocator (another replica) continues on the newest list', async () => {
    const first = new StatusListAllocator({ store, baseUrl: 'https://issuer.example', listSize: 64 });
    for (let i = 0; i < 200; i++) await first.allocate(`urn:uuid:${i}`);
    const newest = (await first.allocate('urn:uuid:last')).listId;
    const second = new StatusListAllocator({ store, baseUrl: 'https://issuer.example', listSize: 64 });
    expect((await second.allocate('urn:uuid:other')).listId).toBe(newest);
  });

  it('keeps revocation and suspension in separate lists', async () => {
    const allocator = new StatusListAllocator({ store, baseUrl: 'https://issuer.example' });
    const suspension = await allocator.allocate('urn:uuid:s', 'suspension');
    expect(suspension.listId).toBe('suspension-0');
    expect((await store.getStatusList('suspension-0'))?.purpose).toBe('suspension');
  });

  it('builds the BitstringStatusListEntry from the public base URL', () => {
    const allocator = new StatusListAllocator({ store, baseUrl: 'https://issuer.example/' });
    expect(allocator.statusEntry({ listId: 'revocation-3', index: 94567 }, 'revocation')).toEqual({
      id: 'https://issuer.example/status-lists/revocation-3#94567',
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: '94567',
      statusListCredential: 'https://issuer.example/status-lists/revocation-3',
    });
  });

  it('recognises only its own list ids in a URL path', () => {
    expect(parseStatusListId('suspension-12')).toEqual({ purpose: 'suspension', sequence: 12 });
    for (const id of ['revocation-01', 'revocation--1', 'other-1', 'revocation-1/..', '__proto__']) {
      expect(parseStatusListId(id)).toBeUndefined();
    }
  });
});
