/**
 * Concurrent status changes on one credential, through two store handles on one database (two
 * SQLite connections on one file; two PostgreSQL pools on one schema when GX_TEST_DATABASE_URL is
 * set), as two replicas would make them. A change is decided from values read before its
 * transaction; the store applies it only if they still hold under the list's lock, so a losing
 * request is 409 and every audit entry's `previous` is the value the entry really had.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getStatusValue } from '../../src/status-lists/bitstring.js';
import { changeCredentialStatus, changeStatusValue } from '../../src/status-lists/change-status.js';
import type { StatusEntryRecord, Store } from '../../src/storage/store.js';
import { makeAuditInput, makeCredentialRecord } from '../storage/fixtures.js';
import { STORE_KINDS, type Harness } from '../storage/harness.js';

const REVOCATION = { id: 'revocation-0', purpose: 'revocation', size: 64 };
const SUSPENSION = { id: 'suspension-0', purpose: 'suspension', size: 64 };
const MESSAGE = { id: 'message-4bit-0', purpose: 'message', size: 64, statusSize: 4 };
const ADMIN = { actor: 'admin', admin: true };

describe.each(STORE_KINDS)('concurrent status changes on $name', (kind) => {
  let harness: Harness;
  let stores: Store[];

  beforeEach(async () => {
    harness = await kind.create();
    stores = [await harness.open(), await harness.open()];
    for (const list of [REVOCATION, SUSPENSION, MESSAGE]) await stores[0]!.ensureStatusList(list);
  });

  afterEach(async () => {
    await harness.dispose();
  });

  async function issue(): Promise<{ id: string; entries: StatusEntryRecord[] }> {
    const store = stores[0]!;
    const credential = makeCredentialRecord({ issuedBy: 'admin' });
    const entries: StatusEntryRecord[] = [];
    for (const list of [REVOCATION, SUSPENSION, MESSAGE]) {
      const index = await store.reserveStatusIndex({ listId: list.id, credentialId: credential.id });
      entries.push({ listId: list.id, index, purpose: list.purpose, ...(list === MESSAGE ? { statusSize: 4 } : {}) });
    }
    await store.recordIssuance({
      credential: { ...credential, statusEntries: entries },
      allocations: entries.map((e) => ({ listId: e.listId, index: e.index, credentialId: credential.id })),
      audit: makeAuditInput({ subject: credential.id }),
    });
    return { id: credential.id, entries };
  }

  /** The credential's status-change entries, in log order. */
  async function changesOf(id: string): Promise<Record<string, unknown>[]> {
    const entries = (await stores[0]!.auditEntriesForSubject(id)).map((e) => JSON.parse(e.leaf) as { action: string; details?: Record<string, unknown> });
    return entries.filter((e) => e.action === 'credential.status-changed').map((e) => e.details ?? {});
  }

  /** Replays the audit entries of each status entry: each one's `previous` is the value the one before it left. */
  function expectConsistentLog(changes: Record<string, unknown>[]): void {
    const values = new Map<string, number>();
    for (const change of changes) {
      const key = `${String(change['statusListId'])}#${String(change['statusListIndex'])}`;
      expect(change['previous'], JSON.stringify(change)).toBe(`0x${(values.get(key) ?? 0).toString(16)}`);
      values.set(key, Number(change['value']));
    }
  }

  /**
   * `handles` whose setStatusBits wait until `count` callers, on any of them, have reached it:
   * every request has read and decided before any writes, the widest window a race has. The
   * writes then run at once, each on its own handle of the real database.
   */
  function writingTogether(handles: Store[], count: number): { stores: Store[]; arrived: () => number } {
    let arrived = 0;
    let release!: () => void;
    const all = new Promise<void>((resolve) => (release = resolve));
    const gated = handles.map(
      (store) =>
        new Proxy(store, {
          get(target, key) {
            const value = Reflect.get(target, key, target) as unknown;
            if (typeof value !== 'function') return value;
            if (key !== 'setStatusBits') return value.bind(target);
            return async (...args: unknown[]) => {
              if (++arrived === count) release();
              await all;
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            };
          },
        }),
    );
    return { stores: gated, arrived: () => arrived };
  }

  it('lets exactly one of many different message values win; the others are 409 and the log records the one transition', async () => {
    const { id, entries } = await issue();
    const wanted = Array.from({ length: 12 }, (_, i) => `0x${(i + 1).toString(16)}`);
    const gate = writingTogether(stores, wanted.length);
    const results = await Promise.allSettled(
      wanted.map((status, i) => changeStatusValue(gate.stores[i % 2]!, { credentialId: id, statusPurpose: 'message', status }, ADMIN)),
    );
    expect(gate.arrived()).toBe(wanted.length);
    const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [wanted[i]!] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') {
        expect(r.reason).toMatchObject({ code: 'CONFLICT', pointer: '/credentialStatus/0/status' });
        expect(r.reason.hint).toMatch(/concurrent status change won/);
      }
    }
    const changes = await changesOf(id);
    expect(changes).toMatchObject([{ status: won[0], previous: '0x0', statusPurpose: 'message' }]);
    const message = entries.find((e) => e.purpose === 'message')!;
    const list = (await stores[1]!.getStatusList(MESSAGE.id))!;
    expect(`0x${getStatusValue(list.bits, message.index, 4).toString(16)}`).toBe(won[0]);
  });

  it('never records a reinstatement after the revocation it raced; the revocation always wins', async () => {
    const credentials = await Promise.all(Array.from({ length: 8 }, () => issue()));
    for (const { id } of credentials) await changeCredentialStatus(stores[0]!, { credentialId: id, status: 'suspended' }, ADMIN);
    await Promise.all(
      credentials.map(async ({ id }) => {
        const [revoke, reinstate] = await Promise.allSettled([
          changeCredentialStatus(stores[0]!, { credentialId: id, status: 'revoked' }, ADMIN),
          changeCredentialStatus(stores[1]!, { credentialId: id, status: 'active' }, ADMIN),
        ]);
        expect(revoke.status).toBe('fulfilled');
        if (reinstate.status === 'rejected') expect(reinstate.reason).toMatchObject({ code: 'CONFLICT' });
      }),
    );
    for (const { id } of credentials) {
      const changes = await changesOf(id);
      const revokedAt = changes.findIndex((c) => c['status'] === 'revoked');
      expect(revokedAt).toBeGreaterThan(0);
      expect(changes.slice(revokedAt + 1)).toEqual([]);
      expectConsistentLog(changes);
    }
  });
});
