/**
 * PostgreSQL writes several one-statement issuance groups at once, each on a connection of its
 * own: a group is placed after the entries of the group before it, which may not have committed
 * yet, and its statement checks that head (index and leaf hash) after the audit lock is granted.
 * Here: two groups really are in transactions at once; a group that fails takes the groups placed
 * after it the long way without a hole in the log; and two replicas writing overlapping groups at
 * once keep the log gap-free, in order and verifiable.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/log.js';
import { recordCodecs } from '../../src/record-codecs.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import type { IssuanceRecord } from '../../src/storage/repositories.js';
import type { Store } from '../../src/storage/store.js';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { makeAuditInput, makeCredentialRecord } from './fixtures.js';

const DATABASE = process.env['GX_TEST_DATABASE_URL'];
const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation', size: 131_072 };
/** 'gxau', the first key of the store's audit append lock (src/storage/postgres.ts). */
const AUDIT_LOCK_CLASS = 0x67786175;

// Only PostgreSQL writes groups at once (SQLite has one connection per process).
describe.skipIf(DATABASE === undefined)('overlapping issuance groups on PostgreSQL', () => {
  let schema: PostgresSchema;
  const stores: Store[] = [];
  const fallbacks: unknown[] = [];
  let applicationName: string;

  beforeEach(async () => {
    schema = await freshPostgresSchema(DATABASE!);
    applicationName = `gx_overlap_${schema.schema.slice(-12)}`;
    fallbacks.length = 0;
  });

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await schema?.dispose();
  });

  const open = async (groupsInFlight = 3) => {
    const separator = DATABASE!.includes('?') ? '&' : '?';
    const store = await openPostgresStore({
      codecs: recordCodecs,
      connectionString: `${DATABASE!}${separator}application_name=${applicationName}`,
      schema: schema.schema,
      groupsInFlight,
      onGroupFallback: (error) => fallbacks.push(error),
    });
    stores.push(store);
    await store.ensureStatusList(LIST);
    return store;
  };

  const issuance = async (store: Store, credential = makeCredentialRecord()): Promise<IssuanceRecord> => {
    const index = await store.reserveStatusIndex({ listId: LIST.id, credentialId: credential.id });
    return {
      credential: { ...credential, statusEntries: [{ listId: LIST.id, index, purpose: 'revocation' }] },
      allocations: [{ listId: LIST.id, index, credentialId: credential.id }],
      audit: makeAuditInput({ subject: credential.id, digests: { credential: credential.digest } }),
    };
  };

  /** Records each issuance, the ones in a batch submitted together, the batches a turn of the event loop apart. */
  const recordBatches = async (store: Store, batches: IssuanceRecord[][]) => {
    const pending: Promise<{ id: string; result: PromiseSettledResult<{ auditEntry: { index: number } }> }>[] = [];
    for (const batch of batches) {
      for (const item of batch) {
        pending.push(
          store.recordIssuance(item).then(
            (value) => ({ id: item.credential.id, result: { status: 'fulfilled', value } as const }),
            (reason: unknown) => ({ id: item.credential.id, result: { status: 'rejected', reason } as const }),
          ),
        );
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    return Promise.all(pending);
  };

  const expectIntactLog = async (store: Store, size: number) => {
    const entries = await store.auditEntries(0, size + 10);
    expect(entries.map((e) => e.index)).toEqual(Array.from({ length: size }, (_, i) => i));
    const verdict = await verifyAuditLog({ entries, checkpoints: [], verifySignature: async () => true });
    expect(verdict).toMatchObject({ ok: true, treeSize: size });
  };

  /** Backends of these stores' pools in a transaction now. */
  const openTransactions = async () => {
    const { rows } = await schema.pool.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND xact_start IS NOT NULL', [applicationName]);
    return Number(rows[0]!.n);
  };

  it('has a second group in its transaction while the first waits for the audit lock, and writes both in one statement each', async () => {
    const store = await open();
    // The first group goes the long way (the head is not known yet).
    await store.recordIssuance(await issuance(store));
    const first = await issuance(store);
    const second = await issuance(store);
    const blocker = await schema.pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [AUDIT_LOCK_CLASS]);
      const written = [store.recordIssuance(first)];
      await new Promise((resolve) => setImmediate(resolve));
      written.push(store.recordIssuance(second));
      // Two groups' transactions open at once: the one waiting for the lock and the next one.
      for (let tries = 0; (await openTransactions()) < 2; tries++) {
        if (tries > 200) throw new Error(`never two group transactions at once (${await openTransactions()} open)`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      await blocker.query('COMMIT');
      await Promise.all(written);
    } finally {
      blocker.release();
    }
    expect(fallbacks).toEqual([]);
    await expectIntactLog(store, 3);
  });

  it('sends the groups placed after a failed group the long way, leaving no hole, and fails only the bad issuance', async () => {
    const store = await open();
    const done = await issuance(store);
    await store.recordIssuance(done);
    const good = await Promise.all(Array.from({ length: 8 }, () => issuance(store)));
    // The same credential recorded again: its group's statement fails after the groups behind it were sent.
    const again = { ...done, audit: makeAuditInput({ subject: done.credential.id }) };
    const outcomes = await recordBatches(store, [[good[0]!, again, good[1]!], [good[2]!, good[3]!, good[4]!], [good[5]!, good[6]!, good[7]!]]);
    const failed = outcomes.filter((o) => o.result.status === 'rejected');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.id).toBe(done.credential.id);
    expect((failed[0]!.result as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    expect(fallbacks.length).toBeGreaterThanOrEqual(1);
    await expectIntactLog(store, 9);
    for (const item of good) expect(await store.getCredential(item.credential.id)).toBeDefined();
  });

  it('keeps the log gap-free, in order and verifiable when two replicas write overlapping groups at once', async () => {
    const a = await open();
    const b = await open();
    const burst = async (store: Store, batches: number, size: number) => {
      const items = await Promise.all(Array.from({ length: batches }, () => Promise.all(Array.from({ length: size }, () => issuance(store)))));
      return recordBatches(store, items);
    };
    const rounds = await Promise.all([burst(a, 6, 4), burst(b, 6, 4), burst(a, 3, 7), burst(b, 4, 2)]);
    const outcomes = rounds.flat();
    expect(outcomes.filter((o) => o.result.status === 'rejected')).toEqual([]);
    await expectIntactLog(a, outcomes.length);
    for (const { id, result } of outcomes) {
      const index = (result as PromiseFulfilledResult<{ auditEntry: { index: number } }>).value.auditEntry.index;
      const [entry] = await a.auditEntries(index, index + 1);
      expect(entry?.columns?.subject).toBe(id);
    }
  });
});
