/**
 * Concurrent status changes on one credential, through two store handles on one database (two
 * SQLite connections on one file; two PostgreSQL pools on one schema when GX_TEST_DATABASE_URL is
 * set), as two replicas would make them. A change is decided from values read before its
 * transaction; the store applies it only if they still hold under the list's lock, so a losing
 * request is 409 and every audit entry's `previous` is the value the entry really had. The labels
 * that follow a covered credential are changed the same way: once, however many of the credentials
 * they cover change at once.
 */
import { randomUUID } from 'node:crypto';
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

  /**
   * `handles` whose setStatusBits, of credentials in `order`, run in turns: a turn starts once every
   * request not yet settled (passed through `track`) is waiting to write, and runs their writes one
   * at a time in `order`; a request that lost decides again and writes in the next turn. With
   * `order` the order a label's coverage is read in, the first write of a turn commits and every
   * other one was decided on that credential's bits: it loses and decides again. The k-th request
   * to commit writes k times, the most retries a race can cost.
   */
  function writingInOrder(handles: Store[], order: readonly string[]): { stores: Store[]; track: <T>(request: Promise<T>) => Promise<T>; arrived: () => number } {
    let arrived = 0;
    let outstanding = 0;
    let busy = false;
    const waiting: { position: number; run: () => Promise<unknown> }[] = [];
    const pump = (): void => {
      if (busy || waiting.length === 0 || waiting.length < outstanding) return;
      const turn = waiting.splice(0).sort((x, y) => x.position - y.position);
      busy = true;
      void (async () => {
        for (const write of turn) await write.run();
        busy = false;
        pump();
      })();
    };
    const gated = handles.map(
      (store) =>
        new Proxy(store, {
          get(target, key) {
            const value = Reflect.get(target, key, target) as unknown;
            if (typeof value !== 'function') return value;
            if (key !== 'setStatusBits') return value.bind(target);
            return (...args: unknown[]) => {
              arrived += 1;
              const [options] = args as [{ changes: { audit: { subject: string } }[] }];
              return new Promise((resolve, reject) => {
                const run = (): Promise<unknown> => Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)).then(resolve, reject);
                waiting.push({ position: order.indexOf(options.changes[0]!.audit.subject), run });
                pump();
              });
            };
          },
        }),
    );
    const track = <T,>(request: Promise<T>): Promise<T> => {
      outstanding += 1;
      return request.finally(() => {
        outstanding -= 1;
        pump();
      });
    };
    return { stores: gated, track, arrived: () => arrived };
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

  /** A label (a credential of its own, with its entries) covering `count` credentials, as a compliance decision records it. */
  async function labelOver(count: number): Promise<{ label: { id: string; entries: StatusEntryRecord[] }; covered: { id: string }[] }> {
    const covered = await Promise.all(Array.from({ length: count }, () => issue()));
    const label = await issue();
    await stores[0]!.recordDecision({
      id: `urn:uuid:${randomUUID()}`,
      decision: { outcome: 'issued' },
      audit: makeAuditInput(),
      coverage: covered.map((c) => ({ labelId: label.id, credentialId: c.id, digestSRI: `sha256-${c.id}` })),
    });
    return { label, covered };
  }

  it.each([
    { status: 'revoked' as const, purpose: 'revocation' },
    { status: 'suspended' as const, purpose: 'suspension' },
  ])('changes a label to $status once when the credentials it covers are $status at once; each of them wins, and the label entry records its previous value', async ({ status, purpose }) => {
    // Each round gates every writer until all have decided: on the code before, each of them
    // decided the label's change from the same reading and wrote it again.
    for (let round = 0; round < 3; round += 1) {
      const { label, covered } = await labelOver(4);
      const gate = writingTogether(stores, covered.length);
      const results = await Promise.allSettled(covered.map((c, i) => changeCredentialStatus(gate.stores[i % 2]!, { credentialId: c.id, status }, ADMIN)));
      expect(gate.arrived()).toBeGreaterThanOrEqual(covered.length);
      // A credential's own change depends on its own entries only: a neighbour's label change does not make it lose.
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(covered.map(() => status));
      for (const c of covered) expect(await changesOf(c.id)).toMatchObject([{ status, statusPurpose: purpose, previous: '0x0' }]);
      const labelChanges = await changesOf(label.id);
      expect(labelChanges).toEqual([
        expect.objectContaining({ status, statusPurpose: purpose, previous: '0x0', value: true, coveredCredential: expect.toBeOneOf(covered.map((c) => c.id)) }),
      ]);
      expectConsistentLog(labelChanges);
    }
  });

  /** The label's [revocation, suspension] bits as stored now. */
  async function labelBits(label: { entries: StatusEntryRecord[] }): Promise<[number, number]> {
    const bit = async (purpose: string): Promise<number> => {
      const entry = label.entries.find((e) => e.purpose === purpose)!;
      const list = (await stores[1]!.getStatusList(entry.listId))!;
      return getStatusValue(list.bits, entry.index, 1);
    };
    return [await bit('revocation'), await bit('suspension')];
  }

  it('lifts a label\'s suspension exactly once when the suspended credentials it covers are reinstated at once', async () => {
    // Each request decides while the others still read as suspended; on the code before, none of
    // them lifted the label, which stayed suspended over credentials that all were in force.
    for (const count of [2, 4, 8]) {
      const { label, covered } = await labelOver(count);
      for (const c of covered) await changeCredentialStatus(stores[0]!, { credentialId: c.id, status: 'suspended' }, ADMIN);
      const gate = writingTogether(stores, covered.length);
      const results = await Promise.allSettled(covered.map((c, i) => changeCredentialStatus(gate.stores[i % 2]!, { credentialId: c.id, status: 'active' }, ADMIN)));
      expect(gate.arrived()).toBeGreaterThanOrEqual(covered.length);
      expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(covered.map(() => 'active'));
      const labelChanges = await changesOf(label.id);
      expect(labelChanges).toEqual([
        expect.objectContaining({ status: 'suspended', statusPurpose: 'suspension', previous: '0x0', value: true }),
        expect.objectContaining({ status: 'active', statusPurpose: 'suspension', previous: '0x1', value: false, coveredCredential: expect.toBeOneOf(covered.map((c) => c.id)) }),
      ]);
      expectConsistentLog(labelChanges);
      expect(await labelBits(label)).toEqual([0, 0]);
    }
  });

  it('still commits each reinstatement when every neighbour commits between its decision and its write, and lifts the label once', async () => {
    // Each retry follows a neighbour's commit; with more neighbours than a fixed number of
    // attempts, the last writers lost their own change (409) to theirs.
    const { label, covered } = await labelOver(10);
    for (const c of covered) await changeCredentialStatus(stores[0]!, { credentialId: c.id, status: 'suspended' }, ADMIN);
    const gate = writingInOrder(stores, (await stores[0]!.labelCoverage(label.id)).map((c) => c.credentialId));
    const requests = covered.map((c) => gate.track(changeCredentialStatus(gate.stores[covered.indexOf(c) % 2]!, { credentialId: c.id, status: 'active' }, ADMIN)));
    const results = await Promise.allSettled(requests);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(covered.map(() => 'active'));
    // The k-th to commit decided k times: 1 + 2 + ... + 10 writes.
    expect(gate.arrived()).toBe((covered.length * (covered.length + 1)) / 2);
    const labelChanges = await changesOf(label.id);
    expect(labelChanges.map((c) => [c['status'], c['previous']])).toEqual([
      ['suspended', '0x0'],
      ['active', '0x1'],
    ]);
    expect(await labelBits(label)).toEqual([0, 0]);
  });

  /**
   * Changes at once on credentials a label covers end with the label as one serial order of them
   * leaves it: `label` lists the [revocation, suspension] bits each order gives. `before` is
   * suspended (the label with it) first.
   */
  it.each([
    {
      name: 'one reinstated while another is suspended',
      before: [0],
      at: [
        [0, 'active'],
        [1, 'suspended'],
      ],
      label: [[0, 1]],
    },
    {
      name: 'one reinstated while another is revoked',
      before: [0],
      at: [
        [0, 'active'],
        [1, 'revoked'],
      ],
      // Revoked after the lift, or revoked first and the lift no longer applies.
      label: [
        [1, 0],
        [1, 1],
      ],
    },
    {
      name: 'one of two suspended reinstated while the other is revoked',
      before: [0, 1],
      at: [
        [0, 'active'],
        [1, 'revoked'],
      ],
      label: [[1, 1]],
    },
    {
      name: 'two of three suspended reinstated while the third is suspended',
      before: [0, 1],
      at: [
        [0, 'active'],
        [1, 'active'],
        [2, 'suspended'],
      ],
      label: [[0, 1]],
    },
  ] as { name: string; before: number[]; at: [number, 'active' | 'suspended' | 'revoked'][]; label: [number, number][] }[])(
    'leaves the label as a serial order would: $name at once',
    async ({ before, at, label: allowed }) => {
      for (let round = 0; round < 3; round += 1) {
        const { label, covered } = await labelOver(Math.max(...at.map(([i]) => i)) + 1);
        for (const i of before) await changeCredentialStatus(stores[0]!, { credentialId: covered[i]!.id, status: 'suspended' }, ADMIN);
        const gate = writingTogether(stores, at.length);
        const results = await Promise.allSettled(at.map(([i, status], n) => changeCredentialStatus(gate.stores[(n + round) % 2]!, { credentialId: covered[i]!.id, status }, ADMIN)));
        expect(gate.arrived()).toBeGreaterThanOrEqual(at.length);
        // Each credential's own change depends on its own entries only: all of them win.
        expect(results.map((r) => (r.status === 'fulfilled' ? r.value.status : String(r.reason)))).toEqual(at.map(([, status]) => status));
        expect(allowed).toContainEqual(await labelBits(label));
        expectConsistentLog(await changesOf(label.id));
      }
    },
  );
});
