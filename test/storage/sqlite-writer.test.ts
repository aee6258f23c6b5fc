/**
 * SQLite's recorded-issuance groups on the writer thread (src/storage/sqlite-writer.ts): once the
 * thread is ready, groups are committed by its own connection (the store's connection sees
 * another connection's commits), with the guarantees the event loop gave them: gap-free audit
 * indexes while the event loop's connection appends too, leaves as the codecs make them, and a
 * conflict refused as CONFLICT with nothing of its group written. Blocks of status indexes are
 * reserved there too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLeafHash } from '../../src/audit/log.js';
import { recordCodecs } from '../../src/record-codecs.js';
import type { StoreDialect } from '../../src/storage/dialect.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../../src/storage/sqlite-checkpointer.js';
import { openSqliteStore, sqliteDialect } from '../../src/storage/sqlite.js';
import { startIssuanceWriter } from '../../src/storage/sqlite-writer.js';
import type { Store } from '../../src/storage/store.js';
import { issueOne, makeAuditInput, makeCredentialRecord } from './fixtures.js';

const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation', size: 4096 };

describe('SQLite issuance groups on the writer thread', () => {
  let dir: string;
  let path: string;
  let store: Store;
  /** A second handle on the file: it shares the store's connection (sqlite.ts, one per file). */
  let handle: StoreDialect;

  /** The store's connection's data_version: it changes when ANOTHER connection commits. */
  const dataVersion = async (): Promise<number> => (await sql<{ data_version: number }>`PRAGMA data_version`.execute(handle.db)).rows[0]!.data_version;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-writer-'));
    path = join(dir, 'gx-trust.db');
    store = await openSqliteStore({ codecs: recordCodecs, path });
    await store.ensureStatusList(LIST);
    handle = sqliteDialect({ path, codecs: recordCodecs });
    // The thread starts with the first group asked for, and takes groups once it is ready.
    await issueOne(store, LIST.id);
    for (let waited = 0; handle.issuanceWriter?.() === undefined; waited += 50) {
      if (waited > 30_000) throw new Error('the writer thread did not become ready');
      await sleep(50);
    }
  });

  afterEach(async () => {
    await handle.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("commits groups from its own connection, gap-free beside the event loop's own appends", async () => {
    const before = await dataVersion();
    const issued = issueMany(40);
    // Appends through the event loop's connection while groups are with the thread.
    const appended = Promise.all(Array.from({ length: 10 }, (_, i) => store.appendAudit(makeAuditInput({ action: 'test.appended', subject: `urn:test:${i}` }))));
    const [results] = await Promise.all([issued, appended]);
    expect(await dataVersion()).not.toBe(before);

    const size = await store.auditSize();
    expect(size).toBe(1 + 40 + 10);
    const entries = await store.auditEntries(0, size);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i));
    for (const { credentialId, auditIndex } of results) {
      const entry = entries[auditIndex]!;
      expect(entry.columns?.subject).toBe(credentialId);
      expect(entry.leafHash).toBe(Buffer.from(auditLeafHash(entry.leaf)).toString('hex'));
      expect((await store.getCredential(credentialId))?.id).toBe(credentialId);
    }
    expect(new Set(results.map((r) => r.statusIndex)).size).toBe(40);
  });

  it('refuses a credential id already recorded as CONFLICT and writes nothing of that issuance', async () => {
    const credential = makeCredentialRecord();
    await store.recordIssuance({ credential, allocations: [], audit: makeAuditInput({ subject: credential.id }) });
    const size = await store.auditSize();
    const before = await dataVersion();
    await expect(store.recordIssuance({ credential, allocations: [], audit: makeAuditInput({ subject: credential.id }) })).rejects.toMatchObject({
      name: 'GxTrustError',
      code: 'CONFLICT',
    });
    expect(await store.auditSize()).toBe(size);
    // Refused by the thread: a rolled-back transaction commits nothing, so nothing changed.
    expect(await dataVersion()).toBe(before);
  });

  it('refuses a status index another credential holds, and its neighbours in the group are recorded', async () => {
    const first = await issueOne(store, LIST.id);
    const thief = makeCredentialRecord();
    const results = await Promise.allSettled([
      issueMany(3),
      store.recordIssuance({ credential: thief, allocations: [{ listId: LIST.id, index: first.statusIndex, credentialId: thief.id }], audit: makeAuditInput({ subject: thief.id }) }),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT' } });
    expect(await store.getCredential(thief.id)).toBeUndefined();
    expect((await store.getAllocation(LIST.id, first.statusIndex))?.credentialId).toBe(first.credentialId);
    expect(await store.auditSize()).toBe(1 + 1 + 3);
  });

  it("reserves a block of status indexes on its own connection, and a recorded issuance takes one over", async () => {
    const holder = 'urn:gx-trust:reserved:test-block';
    const before = await dataVersion();
    const indexes = await store.reserveStatusIndexes({ listId: LIST.id, holder, count: 64 });
    // Committed by the thread's connection: the event loop's sees another connection's commit.
    expect(await dataVersion()).not.toBe(before);
    expect(new Set(indexes).size).toBe(64);
    for (const index of indexes) {
      expect(Number.isSafeInteger(index) && index >= 0 && index < LIST.size).toBe(true);
      expect((await store.getAllocation(LIST.id, index))?.credentialId).toBe(holder);
    }
    // Drawn at random, not handed out in sequence.
    expect(indexes).not.toEqual([...indexes].sort((a, b) => a - b));
    const credential = makeCredentialRecord();
    await store.recordIssuance({ credential, allocations: [{ listId: LIST.id, index: indexes[0]!, credentialId: credential.id, reservedAs: holder }], audit: makeAuditInput({ subject: credential.id }) });
    expect((await store.getAllocation(LIST.id, indexes[0]!))?.credentialId).toBe(credential.id);
  });

  it('refuses a block the list has no room for as INTERNAL with its hint, and reserves nothing of it', async () => {
    const small = { id: 'https://issuer.example/status-lists/small', purpose: 'revocation', size: 8 };
    await store.ensureStatusList(small);
    await expect(store.reserveStatusIndexes({ listId: small.id, holder: 'urn:gx-trust:reserved:too-many', count: 9 })).rejects.toMatchObject({
      name: 'GxTrustError',
      code: 'INTERNAL',
      hint: 'Start a new status list',
    });
    for (let index = 0; index < small.size; index++) expect(await store.getAllocation(small.id, index)).toBeUndefined();
    await expect(store.reserveStatusIndexes({ listId: 'https://issuer.example/status-lists/none', holder: 'urn:gx-trust:reserved:x', count: 1 })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  function issueMany(count: number): Promise<Awaited<ReturnType<typeof issueOne>>[]> {
    return Promise.all(Array.from({ length: count }, () => issueOne(store, LIST.id)));
  }
});

describe('the writer thread\'s automatic checkpoint', () => {
  it('is set on its own connection and read back: the store lowers it when the checkpoint worker gives up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gx-trust-writer-'));
    const path = join(dir, 'gx-trust.db');
    const store = await openSqliteStore({ codecs: recordCodecs, path });
    const writer = startIssuanceWriter({ path, busyTimeoutMs: 5000, autocheckpointPages: FALLBACK_AUTOCHECKPOINT_PAGES, codecsModule: recordCodecs.module! });
    try {
      // Asked while the thread may still be starting: it applies the message after its own setting.
      expect(await writer.setAutocheckpoint(1000)).toBe(1000);
      expect(await writer.setAutocheckpoint(FALLBACK_AUTOCHECKPOINT_PAGES)).toBe(FALLBACK_AUTOCHECKPOINT_PAGES);
    } finally {
      await writer.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await writer.setAutocheckpoint(1000)).toBeUndefined();
  });
});

