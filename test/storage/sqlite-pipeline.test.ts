/**
 * Two issuance groups with SQLite's writer thread at once (src/storage/sqlite-writer.ts,
 * `pipelined`): the next group is sent while the previous one commits, so the event loop signs
 * while the thread writes. The thread runs them in the order sent, so audit order is commit order
 * and the answers come in that order too; a failed group's members are written again alone after
 * the group already queued behind it; a thread that dies takes both groups with it, answered 503
 * and never written again (whether they committed is unknown).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLeafHash } from '../../src/audit/log.js';
import { recordCodecs } from '../../src/record-codecs.js';
import type { StoreDialect } from '../../src/storage/dialect.js';
import { openSqliteStore, sqliteDialect } from '../../src/storage/sqlite.js';
import { MAX_GROUPS_PER_RUN, pipelined, type IssuanceWriter } from '../../src/storage/sqlite-writer.js';
import type { RecordCodecs, Store } from '../../src/storage/store.js';
import { recordCodecs as dyingCodecs } from './fixtures/dying-codecs.js';
import { makeAuditInput, makeCredentialRecord } from './fixtures.js';

describe('SQLite issuance groups pipelined on the writer thread', () => {
  let dir: string;
  let path: string;
  let store: Store;
  let handle: StoreDialect;
  let now = Date.parse('2026-01-01T00:00:00.000Z');

  /** A store on a fresh file whose writer thread is ready (it starts with the first group recorded). */
  async function open(codecs: RecordCodecs): Promise<void> {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-pipeline-'));
    path = join(dir, 'gx-trust.db');
    store = await openSqliteStore({ codecs, path, clock: () => new Date(now) });
    handle = sqliteDialect({ path, codecs });
    await record();
    for (let waited = 0; handle.issuanceWriter?.() === undefined; waited += 50) {
      if (waited > 30_000) throw new Error('the writer thread did not become ready');
      await sleep(50);
    }
  }

  afterEach(async () => {
    await handle?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function record(id?: string): Promise<{ id: string; auditIndex: number }> {
    const credential = makeCredentialRecord(id === undefined ? {} : { id });
    return store.recordIssuance({ credential, allocations: [], audit: makeAuditInput({ subject: credential.id }) }).then(({ auditEntry }) => ({ id: credential.id, auditIndex: auditEntry.index }));
  }

  /** Records each id (GroupCommit starts what was submitted in one turn as two groups of at least 4); `answered` gets the ids in the order their promises settle. */
  function recordAll(ids: string[], answered: string[]): Promise<PromiseSettledResult<{ id: string; auditIndex: number }>[]> {
    return Promise.allSettled(
      ids.map((id) =>
        record(id).finally(() => {
          answered.push(id);
        }),
      ),
    );
  }

  /** One turn of the event loop: GroupCommit starts the groups submitted before it. */
  const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

  /** The audit log from entry 0: gap-free indexes, each leaf hashing to its stored hash; the subjects in order. */
  async function auditSubjects(): Promise<string[]> {
    const size = await store.auditSize();
    const entries = await store.auditEntries(0, size);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i));
    for (const entry of entries) expect(entry.leafHash).toBe(Buffer.from(auditLeafHash(entry.leaf)).toString('hex'));
    const times = entries.map((e) => e.columns!.createdAt);
    expect(times).toEqual([...times].sort());
    return entries.map((e) => e.columns!.subject);
  }

  it('sends the next group while the one before it is still with the thread; both commit in order, answered in that order', async () => {
    await open(recordCodecs);
    const first = ['urn:test:first'];
    const second = ['urn:test:second-1', 'urn:test:second-2', 'urn:test:second-3'];
    // Another connection holds the write lock: the first group waits in the thread's BEGIN IMMEDIATE.
    const blocker = new Database(path);
    blocker.exec('BEGIN IMMEDIATE');
    const answered: string[] = [];
    let outcomes: Promise<unknown>[];
    try {
      now = Date.parse('2026-01-01T00:00:01.000Z');
      outcomes = [recordAll(first, answered)];
      await nextTurn();
      now = Date.parse('2026-01-01T00:00:02.000Z');
      outcomes.push(recordAll(second, answered));
      await nextTurn();
      // A group started from here on would carry this time.
      now = Date.parse('2026-01-01T00:00:03.000Z');
      await nextTurn();
    } finally {
      blocker.exec('COMMIT');
      blocker.close();
    }
    await Promise.all(outcomes);
    // The second group was written (its records stamped) while the first could not have committed.
    for (const id of second) expect((await store.getCredential(id))?.createdAt).toBe('2026-01-01T00:00:02.000Z');
    expect((await store.getCredential(first[0]!))?.createdAt).toBe('2026-01-01T00:00:01.000Z');
    const subjects = await auditSubjects();
    expect(subjects.slice(1)).toEqual([...first, ...second]);
    expect(answered).toEqual([...first, ...second]);
  });

  it('a failed group in front of a good one: the good one commits, then each member of the failed one alone, with its own error', async () => {
    await open(recordCodecs);
    const taken = (await record()).id;
    const answered: string[] = [];
    const again = ['urn:test:again-1', 'urn:test:again-2', 'urn:test:again-3'];
    const later = ['urn:test:later-1', 'urn:test:later-2', 'urn:test:later-3', 'urn:test:later-4'];
    // Submitted in one turn: two groups of 4, [taken, ...again] then later, sent together.
    const outcomes = await recordAll([taken, ...again, ...later], answered);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', reason: { name: 'GxTrustError', code: 'CONFLICT' } });
    for (const outcome of outcomes.slice(1)) expect(outcome.status).toBe('fulfilled');
    // Audit order is commit order: the group behind the failed one committed before its members were written again.
    const subjects = await auditSubjects();
    expect(subjects.slice(2)).toEqual([...later, ...again]);
    expect(answered.filter((id) => id !== taken)).toEqual([...later, ...again]);
    const indexes = outcomes.slice(1).map((o) => (o as PromiseFulfilledResult<{ auditIndex: number }>).value.auditIndex);
    expect(indexes).toEqual([6, 7, 8, 2, 3, 4, 5]);
  });

  it('a thread that dies with two groups answers both 503, writes neither again, and the event loop records the next', async () => {
    await open(dyingCodecs);
    const before = await store.auditSize();
    const answered: string[] = [];
    // Two groups of 4, [die, doomed-1..3] then [doomed-4..7]; the thread ends itself inside the first.
    const ids = ['urn:test:die', ...Array.from({ length: 7 }, (_, i) => `urn:test:doomed-${i + 1}`)];
    const outcomes = await recordAll(ids, answered);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ status: 'rejected', reason: { name: 'GxTrustError', code: 'STORE_UNAVAILABLE' } });
    // The thread's open transaction ended with it: nothing of either group committed, nothing written again.
    expect(await store.auditSize()).toBe(before);
    for (const id of ids) expect(await store.getCredential(id)).toBeUndefined();
    expect(handle.issuanceWriter?.()).toBeUndefined();
    // The connection the groups held is free again: the event loop writes the next group itself.
    const next = await record('urn:test:after');
    expect(next.auditIndex).toBe(before);
    expect((await auditSubjects()).at(-1)).toBe('urn:test:after');
  });
});

describe('one hold of the connection for a run of groups (pipelined)', () => {
  it(`sends what comes while a group is with the thread at once, up to ${MAX_GROUPS_PER_RUN} groups; then a transaction waiting for the connection goes first`, async () => {
    const log: string[] = [];
    const answers: (() => void)[] = [];
    // The thread's side: records what was sent, answers when told.
    const thread: IssuanceWriter = {
      groupsInFlight: 1,
      write: (items) =>
        new Promise((resolve) => {
          log.push(`sent ${String(items[0])}`);
          answers.push(() => resolve([]));
        }),
      reserve: () => Promise.resolve([]),
    };
    // The connection: one holder at a time, in the order asked (as Kysely's mutex).
    let line: Promise<unknown> = Promise.resolve();
    const hold = (whileHeld: () => Promise<void>): Promise<void> => {
      const turn = line.then(whileHeld);
      line = turn.catch(() => undefined);
      return turn;
    };
    const writer = pipelined(thread, hold);
    const at = { createdAt: '2026-01-01T00:00:00.000Z', now: new Date(0) };
    const flush = async () => {
      for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    };

    const groups = [writer.write([0] as never, at)];
    await flush();
    const other = hold(async () => {
      log.push('other transaction');
    });
    for (let n = 1; n <= MAX_GROUPS_PER_RUN; n++) groups.push(writer.write([n] as never, at));
    await flush();
    // The run's groups went at once, ahead of the transaction that asked after the run began.
    expect(log).toEqual(Array.from({ length: MAX_GROUPS_PER_RUN }, (_, n) => `sent ${n}`));
    while (answers.length > 0) answers.shift()!();
    await other;
    await flush();
    expect(log.slice(MAX_GROUPS_PER_RUN)).toEqual(['other transaction', `sent ${MAX_GROUPS_PER_RUN}`]);
    answers.shift()!();
    await Promise.all(groups);
  });
});

