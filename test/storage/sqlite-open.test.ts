/**
 * Two replicas opening one fresh SQLite database at the same instant: switching it to WAL answers
 * SQLITE_BUSY at once to one of them (SQLite calls no busy handler for a journal-mode change), so
 * the store retries the switch within its busy timeout instead of failing to start. Before that
 * retry, 12 of these 200 trials failed on one run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqliteDialect } from '../../src/storage/sqlite.js';

describe('opening the SQLite store', () => {
  let dir: string;
  let thread: Worker;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-sqlite-open-'));
    thread = new Worker(new URL('./fixtures/open-store-thread.mjs', import.meta.url));
    await new Promise((resolve) => thread.once('message', resolve));
  });
  afterAll(async () => {
    await thread?.terminate();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts when another connection opens the same fresh database at the same instant', async () => {
    const failures: string[] = [];
    for (let trial = 0; trial < 200; trial++) {
      const path = join(dir, `race-${trial}.db`);
      const gate = new SharedArrayBuffer(4);
      const theirs = new Promise<string>((resolve) => thread.once('message', resolve));
      thread.postMessage({ path, gate });
      // Give the thread time to block on the gate, then open both at once.
      await new Promise((resolve) => setTimeout(resolve, 1));
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      try {
        void sqliteDialect({ path, busyTimeoutMs: 5000 }).close();
      } catch (error) {
        failures.push(`ours: ${(error as Error).message}`);
      }
      const outcome = await theirs;
      if (outcome !== 'ok') failures.push(`theirs: ${outcome}`);
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
