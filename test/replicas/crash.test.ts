/**
 * kill -9 during issuance (a crash mid-write: nothing is returned without its row and audit entry). The process
 * dies at a chosen step through the development-only fault hook GX_TEST_CRASH_AT (after the
 * signature; just before the transaction), and on PostgreSQL also while its transaction is open
 * (blocked on the audit append lock the test holds). After a restart: the client got nothing, no
 * credential row or audit entry exists for the attempt, the audit tree verifies, and the status
 * index reserved before the crash stays taken.
 *
 * SQLite runs always; PostgreSQL when GX_TEST_DATABASE_URL is set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointVerifier } from '../../src/audit/checkpoints.js';
import { verifyAuditLog } from '../../src/audit/log.js';
import { didWebFromBaseUrl, loadOrCreateKeyring } from '../../src/keyring/index.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { postJson } from '../helpers/service.js';
import { freePort, freshPostgresSchema, startGxProcess, type GxProcess, type PostgresSchema } from './process.js';
import { recordCodecs } from '../../src/record-codecs.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];
const API_KEY = `gx_crash_test_${'k'.repeat(24)}`;
const auth = { authorization: `Bearer ${API_KEY}` };
/** 'gxau', the first key of the store's audit append lock (src/storage/postgres.ts). */
const AUDIT_LOCK_CLASS = 0x67786175;

interface Setup {
  env: Record<string, string>;
  openStore(): Promise<Store>;
  db?: PostgresSchema;
}

/** Issued as the process's own did:web (its GX_BASE_URL is http://localhost:<port>, see setup). */
const body = (p: GxProcess, i: number) => ({
  credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: didWebFromBaseUrl(`http://localhost:${p.port}`), credentialSubject: { id: `did:web:member-${i}.example` } },
  options: { credentialStatus: true },
});

let dir: string;
let running: GxProcess[] = [];
let db: PostgresSchema | undefined;

afterEach(async () => {
  await Promise.all(running.map((p) => p.stop()));
  running = [];
  await db?.dispose();
  db = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function setup(kind: 'sqlite' | 'postgres'): Promise<Setup> {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-crash-'));
  const port = await freePort();
  const env: Record<string, string> = {
    PORT: String(port),
    GX_BASE_URL: `http://localhost:${port}`,
    GX_KEYS_DIR: join(dir, 'keys'),
    GX_DATA_DIR: join(dir, 'data'),
    GX_ADMIN_API_KEY: API_KEY,
    GX_CHECKPOINT_EVERY_ENTRIES: '1',
  };
  if (kind === 'postgres') {
    db = await freshPostgresSchema(DATABASE!);
    env['DATABASE_URL'] = db.databaseUrl;
    const schema = db.schema;
    return { env, db, openStore: () => openPostgresStore({ codecs: recordCodecs, connectionString: DATABASE!, schema }) };
  }
  return { env, openStore: () => openSqliteStore({ codecs: recordCodecs, path: join(dir, 'data', 'gx-trust.db') }) };
}

async function start(env: Record<string, string>): Promise<GxProcess> {
  const p = await startGxProcess(env, Number(env['PORT']));
  running.push(p);
  return p;
}

/** The request the dying process was serving: the client must get no credential. */
async function issueExpectingNoAnswer(p: GxProcess, key: string): Promise<void> {
  const answer = await postJson(`${p.url}/credentials/issue`, body(p, 99), { ...auth, 'idempotency-key': key }).then(
    (r) => r,
    (error: unknown) => error,
  );
  expect(answer).toBeInstanceOf(Error);
  expect(await p.exited).toMatchObject({ signal: 'SIGKILL' });
}

async function checkInvariants(setup: Setup, issuedBefore: string[]): Promise<void> {
  const store = await setup.openStore();
  try {
    // The only credentials stored are those whose 201 reached the client, each with its entry.
    const size = await store.auditSize();
    const entries = await store.auditEntries(0, size);
    const issuedEntries = entries.map((e) => JSON.parse(e.leaf)).filter((e) => e.action === 'credential.issued');
    expect(issuedEntries.map((e) => e.subject).sort()).toEqual([...issuedBefore].sort());
    for (const id of issuedBefore) expect(await store.getCredential(id)).toBeDefined();

    const keyring = await loadOrCreateKeyring({ keysDir: setup.env['GX_KEYS_DIR']!, baseUrl: setup.env['GX_BASE_URL']!, env: 'development' });
    const verdict = await verifyAuditLog({ entries, checkpoints: await store.checkpoints(), verifySignature: checkpointVerifier(keyring.didDocument()) });
    expect(verdict.problems).toEqual([]);
    expect(verdict.ok).toBe(true);

    // The index reserved before the crash is still taken, by the block of the process that died
    // (the rest of its block with it, skipped for good): a draw that lands on it must move on (a
    // shared bit would revoke two credentials).
    const orphans = await findOrphanAllocations(store, setup, issuedBefore);
    expect(orphans.length).toBeGreaterThanOrEqual(1);
    for (const o of orphans) expect(o.credentialId).toMatch(/^urn:gx-trust:reserved:/);
    const orphan = orphans[0]!;
    let draws = 0;
    const next = await store.reserveStatusIndex({
      listId: orphan.listId,
      credentialId: 'urn:uuid:after-restart',
      random: () => (draws++ === 0 ? orphan.index : (orphan.index + 1) % 131_072),
    });
    expect(next).not.toBe(orphan.index);
    expect((await store.getAllocation(orphan.listId, orphan.index))?.credentialId).toBe(orphan.credentialId);
  } finally {
    await store.close();
  }
}

async function findOrphanAllocations(store: Store, setup: Setup, issued: string[]): Promise<{ listId: string; index: number; credentialId: string }[]> {
  const rows: { list_id: string; idx: number; credential_id: string }[] = setup.db
    ? (await setup.db.pool.query('SELECT list_id, idx, credential_id FROM status_allocations')).rows
    : await (async () => {
        const Database = (await import('better-sqlite3')).default;
        const raw = new Database(join(setup.env['GX_DATA_DIR']!, 'gx-trust.db'), { readonly: true });
        try {
          return raw.prepare('SELECT list_id, idx, credential_id FROM status_allocations').all() as { list_id: string; idx: number; credential_id: string }[];
        } finally {
          raw.close();
        }
      })();
  void store;
  return rows
    .filter((r) => !issued.includes(r.credential_id))
    .map((r) => ({ listId: r.list_id, index: Number(r.idx), credentialId: r.credential_id }));
}

async function issueOk(p: GxProcess, i: number): Promise<string> {
  const r = await postJson(`${p.url}/credentials/issue`, body(p, i), auth);
  expect(r.status, r.text).toBe(201);
  return r.body.verifiableCredential.id as string;
}

const kinds: ('sqlite' | 'postgres')[] = DATABASE ? ['sqlite', 'postgres'] : ['sqlite'];

describe.each(kinds)('kill -9 during issuance on %s', { timeout: 120_000 }, (kind) => {
  it.each(['after-sign', 'before-commit'] as const)('at %s: nothing returned, nothing recorded, the tree verifies, the reserved index stays taken', async (step) => {
    const s = await setup(kind);
    const first = await start(s.env);
    const before = [await issueOk(first, 1), await issueOk(first, 2)];
    await first.stop();

    const crashing = await start({ ...s.env, GX_TEST_CRASH_AT: step });
    await issueExpectingNoAnswer(crashing, 'order-1');

    const restarted = await start(s.env);
    // The retry finds its key left in flight by the dead process: 409 (a retry after the in-flight
    // timeout takes it over), never a credential that was not recorded.
    const retry = await postJson(`${restarted.url}/credentials/issue`, body(restarted, 99), { ...auth, 'idempotency-key': 'order-1' });
    expect(retry.body.code).toBe('IDEMPOTENCY_IN_FLIGHT');
    const after = await issueOk(restarted, 3);
    await restarted.stop();
    await checkInvariants(s, [...before, after]);
  });
});

if (DATABASE) {
  describe('kill -9 while the issuance transaction is open on postgres', { timeout: 120_000 }, () => {
    it('rolls the transaction back: no row, no entry, the tree verifies, the reserved index stays taken', async () => {
      const s = await setup('postgres');
      const first = await start(s.env);
      const before = [await issueOk(first, 1)];
      // Hold the audit append lock: the issuance transaction has written its credential row and
      // waits for the lock inside BEGIN ... COMMIT when the process is killed.
      const holder = await s.db!.pool.connect();
      try {
        await holder.query('SELECT pg_advisory_lock($1, hashtext($2))', [AUDIT_LOCK_CLASS, s.db!.schema]);
        const pending = postJson(`${first.url}/credentials/issue`, body(first, 99), auth).catch((error: unknown) => error);
        let waiter: number | undefined;
        for (let i = 0; i < 200 && waiter === undefined; i++) {
          const r = await holder.query<{ pid: number }>(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = $1::bigint::oid",
            [AUDIT_LOCK_CLASS],
          );
          waiter = r.rows[0]?.pid;
          if (waiter === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
        }
        expect(waiter).toBeDefined();
        first.child.kill('SIGKILL');
        expect(await pending).toBeInstanceOf(Error);
        await holder.query('SELECT pg_advisory_unlock($1, hashtext($2))', [AUDIT_LOCK_CLASS, s.db!.schema]);
        // The orphaned backend gets the lock, then finds its client gone at COMMIT and rolls back.
        for (let i = 0; i < 200; i++) {
          const alive = await holder.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [waiter]);
          if (alive.rowCount === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        holder.release();
      }
      const restarted = await start(s.env);
      const after = await issueOk(restarted, 3);
      await restarted.stop();
      await checkInvariants(s, [...before, after]);
    });
  });
}
