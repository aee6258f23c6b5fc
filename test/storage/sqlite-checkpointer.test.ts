/**
 * SQLite's WAL checkpoints run on a worker thread (src/storage/sqlite-checkpointer.ts), not in the
 * COMMIT of whichever request crossed `wal_autocheckpoint`. Seen from outside: committed rows reach
 * the database file itself while the store's own connection is far below its (raised) automatic
 * checkpoint, and closing the store stops the worker.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordCodecs } from '../../src/record-codecs.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../../src/storage/sqlite-checkpointer.js';
import { openSqliteStore, type CheckpointerFailure } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { issueOne } from './fixtures.js';

const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation', size: 1024 };

describe('SQLite WAL checkpoints off the event loop', () => {
  let dir: string;
  let path: string;
  let store: Store;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-checkpointer-'));
    path = join(dir, 'gx-trust.db');
    store = await openSqliteStore({ codecs: recordCodecs, path });
    await store.ensureStatusList(LIST);
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * The audit entries in the database file alone, as a copy without its WAL shows them; -1 when
   * the copy caught a checkpoint half-written (asked again).
   */
  const entriesInDatabaseFile = (file = path): number => {
    const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
    copyFileSync(file, copy);
    try {
      const db = new Database(copy);
      try {
        const table = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'audit_entries'").get();
        return table === undefined ? 0 : (db.prepare('SELECT count(*) AS n FROM audit_entries').get() as { n: number }).n;
      } finally {
        db.close();
      }
    } catch {
      return -1;
    } finally {
      rmSync(copy, { force: true });
      rmSync(`${copy}-wal`, { force: true });
      rmSync(`${copy}-shm`, { force: true });
    }
  };

  it('copies committed pages into the database file from the worker, the writer never checkpointing itself', async () => {
    for (let i = 0; i < 20; i++) await issueOne(store, LIST.id);
    // Far below the writer's own threshold: only the worker can have moved these rows.
    expect(existsSync(`${path}-wal`)).toBe(true);
    let inFile = entriesInDatabaseFile();
    for (let tries = 0; inFile < 20 && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      inFile = entriesInDatabaseFile();
    }
    expect(inFile).toBe(20);
    expect(FALLBACK_AUTOCHECKPOINT_PAGES).toBeGreaterThan(1000);
  });

  it('gives up after a run of failed checkpoints: the store is told, checkpoints itself again and still commits', async () => {
    const failingPath = join(dir, 'failing.db');
    let told: (failure: CheckpointerFailure) => void = () => undefined;
    const gaveUp = new Promise<CheckpointerFailure>((resolve) => (told = resolve));
    const failures: CheckpointerFailure[] = [];
    const failing = await openSqliteStore({
      codecs: recordCodecs,
      path: failingPath,
      // Shortened for the test: production checkpoints every 250 ms and gives up after 20 failures.
      checkpointer: { intervalMs: 10, maxConsecutiveFailures: 5 },
      onCheckpointerFailure: (failure) => {
        failures.push(failure);
        told(failure);
      },
    });
    try {
      await failing.ensureStatusList(LIST);
      await issueOne(failing, LIST.id);
      // The worker has opened the file and checkpointed once.
      for (let tries = 0; entriesInDatabaseFile(failingPath) < 1 && tries < 200; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(entriesInDatabaseFile(failingPath)).toBe(1);

      // A reader's snapshot keeps the worker from copying the next commits (PASSIVE answers busy,
      // which is no failure); with their frames cut from the log, each later checkpoint reads past
      // its end: SQLITE_IOERR_SHORT_READ, thrown, every tick.
      const reader = new Database(failingPath, { fileMustExist: true });
      reader.exec('BEGIN');
      reader.prepare('SELECT count(*) AS n FROM audit_entries').get();
      for (let i = 0; i < 3; i++) await issueOne(failing, LIST.id);
      const log = readFileSync(`${failingPath}-wal`);
      truncateSync(`${failingPath}-wal`, 32);
      reader.exec('COMMIT');
      reader.close();

      const failure = await gaveUp;
      // The log back as the store wrote it: nothing committed is lost.
      writeFileSync(`${failingPath}-wal`, log);
      expect(failure.error).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^5 WAL checkpoints in a row failed .*SQLITE_IOERR_SHORT_READ/) });
      // SQLite's default, on the store's own connection, read back after it was set.
      expect(failure.walAutocheckpointPages).toBe(1000);

      const { auditIndex } = await issueOne(failing, LIST.id);
      expect(auditIndex).toBe(4);
      expect((await failing.auditEntries(0, 10)).map((entry) => entry.index)).toEqual([0, 1, 2, 3, 4]);
      expect(failures).toHaveLength(1);
    } finally {
      await failing.close();
    }
  });
});
