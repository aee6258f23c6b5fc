/**
 * SQLite's WAL checkpoints run on a worker thread (src/storage/sqlite-checkpointer.ts), not in the
 * COMMIT of whichever request crossed `wal_autocheckpoint`. Seen from outside: committed rows reach
 * the database file itself while the store's own connection is far below its (raised) automatic
 * checkpoint, and closing the store stops the worker.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recordCodecs } from '../../src/record-codecs.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES } from '../../src/storage/sqlite-checkpointer.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
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
  const entriesInDatabaseFile = (): number => {
    const copy = join(dir, `copy-${Math.random().toString(36).slice(2)}.db`);
    copyFileSync(path, copy);
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
});
