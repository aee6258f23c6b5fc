import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { auditLeafHash, verifyAuditLog } from '../../src/audit/log.js';
import { fixedClock } from '../../src/clock.js';
import { MIGRATIONS } from '../../src/storage/migrations.js';
import { getBit } from '../../src/status-lists/bitstring.js';
import type { IssuanceRecord, Store } from '../../src/storage/store.js';
import { makeAuditInput, makeCheckpointKeys, makeCredentialRecord, issueOne } from './fixtures.js';
import { STORE_KINDS, type Harness } from './harness.js';

const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation', size: 131_072 };

describe.each(STORE_KINDS)('Store contract on $name', (kind) => {
  let harness: Harness;
  let store: Store;

  beforeEach(async () => {
    harness = await kind.create();
    store = await harness.open();
    await store.ensureStatusList(LIST);
  });

  afterEach(async () => {
    await harness.dispose();
  });

  describe('migrate()', () => {
    it('applies each step once, however many handles start at the same moment', async () => {
      await Promise.all([harness.open(), harness.open(), harness.open()]);
      await store.migrate();
      const rows = await harness.exec('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows.map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((m) => m.version));
      expect(await store.auditSize()).toBe(0);
    });
  });

  describe('recordIssuance()', () => {
    it('writes the credential, its status allocation and its audit entry together', async () => {
      const credential = makeCredentialRecord();
      const index = await store.reserveStatusIndex({ listId: LIST.id, credentialId: credential.id });
      const statusEntries = [{ listId: LIST.id, index, purpose: 'revocation' }];
      const { auditEntry } = await store.recordIssuance({
        credential: { ...credential, statusEntries },
        allocations: [{ listId: LIST.id, index, credentialId: credential.id }],
        audit: makeAuditInput({ subject: credential.id }),
      });

      const stored = await store.getCredential(credential.id);
      expect(stored?.credential).toBe(credential.credential);
      expect(stored).toMatchObject({ types: credential.types, issuer: credential.issuer, statusEntries, issuedBy: 'member:acme' });
      expect(await store.getAllocation(LIST.id, index)).toEqual({ listId: LIST.id, index, credentialId: credential.id });
      expect(auditEntry).toMatchObject({ index: 0, subject: credential.id, action: 'credential.issued' });
      const [row] = await store.auditEntries(0, 1);
      expect(row?.leafHash).toBe(Buffer.from(auditLeafHash(auditEntry)).toString('hex'));
      expect(await store.auditEntriesForSubject(credential.id)).toEqual([row]);
    });

    it('writes nothing when the status index belongs to another credential', async () => {
      const first = await issueOne(store, LIST.id);
      const credential = makeCredentialRecord();
      await expect(
        store.recordIssuance({
          credential,
          allocations: [{ listId: LIST.id, index: first.statusIndex, credentialId: credential.id }],
          audit: makeAuditInput({ subject: credential.id }),
        }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.getCredential(credential.id)).toBeUndefined();
      expect(await store.auditSize()).toBe(1);
      expect((await store.getAllocation(LIST.id, first.statusIndex))?.credentialId).toBe(first.credentialId);
    });

    it('refuses to record the same credential id twice and leaves the log as it was', async () => {
      const credential = makeCredentialRecord();
      await store.recordIssuance({ credential, allocations: [], audit: makeAuditInput() });
      await expect(store.recordIssuance({ credential, allocations: [], audit: makeAuditInput() })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.auditSize()).toBe(1);
    });
  });

  describe('group commit: concurrent recordIssuance() calls', () => {
    /** Reserves an index for each, then submits every issuance in the same tick, as concurrent requests do. */
    async function issueConcurrently(count: number, spoil: (i: number, issuance: IssuanceRecord) => IssuanceRecord = (_, x) => x) {
      const issuances: IssuanceRecord[] = [];
      for (let i = 0; i < count; i++) {
        const credential = makeCredentialRecord();
        const index = await store.reserveStatusIndex({ listId: LIST.id, credentialId: credential.id });
        issuances.push(
          spoil(i, {
            credential: { ...credential, statusEntries: [{ listId: LIST.id, index, purpose: 'revocation' }] },
            allocations: [{ listId: LIST.id, index, credentialId: credential.id }],
            audit: makeAuditInput({ subject: credential.id, digests: { credential: credential.digest } }),
          }),
        );
      }
      const outcomes = await Promise.allSettled(issuances.map((issuance) => store.recordIssuance(issuance)));
      return { issuances, outcomes };
    }

    it('commits every member with its own gap-free audit index, in a log that verifies', async () => {
      const { issuances, outcomes } = await issueConcurrently(24);
      const indexes = outcomes.map((o) => (o.status === 'fulfilled' ? o.value.auditEntry.index : -1));
      expect([...indexes].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
      for (const [i, issuance] of issuances.entries()) {
        expect((await store.getCredential(issuance.credential.id))?.digest).toBe(issuance.credential.digest);
        const [entry] = await store.auditEntries(indexes[i]!, indexes[i]! + 1);
        expect(entry?.columns?.subject).toBe(issuance.credential.id);
      }
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 100), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: true, treeSize: 24 });
    });

    it('fails a bad member alone, with its own error, leaving none of its rows and its neighbours committed', async () => {
      const taken = await issueOne(store, LIST.id);
      const { issuances, outcomes } = await issueConcurrently(8, (i, issuance) => {
        // Member 2 claims an index that belongs to another credential; member 5 repeats a recorded id.
        if (i === 2) return { ...issuance, allocations: [{ listId: LIST.id, index: taken.statusIndex, credentialId: issuance.credential.id }] };
        if (i === 5) return { ...issuance, credential: { ...issuance.credential, id: taken.credentialId }, allocations: [] };
        return issuance;
      });
      expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT', message: expect.stringContaining('belongs to another credential') } });
      expect(outcomes[5]).toMatchObject({ status: 'rejected', reason: { code: 'CONFLICT', message: expect.stringContaining('already recorded') } });
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(6);

      expect(await store.getCredential(issuances[2]!.credential.id)).toBeUndefined();
      expect(await store.auditEntriesForSubject(issuances[2]!.credential.id)).toEqual([]);
      expect((await store.getAllocation(LIST.id, taken.statusIndex))?.credentialId).toBe(taken.credentialId);
      expect(await store.auditEntriesForSubject(issuances[5]!.audit.subject)).toEqual([]);
      for (const i of [0, 1, 3, 4, 6, 7]) expect(await store.getCredential(issuances[i]!.credential.id)).toBeDefined();
      // 1 + 6 entries, gap-free: the failed members took no index.
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 100), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: true, treeSize: 7 });
    });

    it('keeps the log gap-free and in order when two replicas record groups in turn and at once', async () => {
      // A replica's next group is placed after the entry it last wrote (PostgreSQL: one statement);
      // another replica writing in between must send it the long way, never leave a hole or a twin.
      const other = await harness.open();
      const recordGroup = async (on: Store, count: number) => {
        const issuances = await Promise.all(
          Array.from({ length: count }, async () => {
            const credential = makeCredentialRecord();
            const index = await on.reserveStatusIndex({ listId: LIST.id, credentialId: credential.id });
            return {
              credential: { ...credential, statusEntries: [{ listId: LIST.id, index, purpose: 'revocation' }] },
              allocations: [{ listId: LIST.id, index, credentialId: credential.id }],
              audit: makeAuditInput({ subject: credential.id, digests: { credential: credential.digest } }),
            };
          }),
        );
        const results = await Promise.all(issuances.map((issuance) => on.recordIssuance(issuance)));
        return issuances.map((issuance, i) => ({ id: issuance.credential.id, index: results[i]!.auditEntry.index }));
      };
      const written = [
        ...(await recordGroup(store, 3)),
        ...(await recordGroup(store, 3)),
        ...(await recordGroup(other, 2)),
        ...(await recordGroup(store, 5)),
        ...(await store.appendAudit(makeAuditInput()).then((e) => [{ id: undefined, index: e.index }])),
        ...(await recordGroup(store, 4)),
        ...(await Promise.all([recordGroup(store, 6), recordGroup(other, 6), recordGroup(store, 3), recordGroup(other, 3)])).flat(),
      ];
      expect(written.map((w) => w.index).sort((a, b) => a - b)).toEqual(Array.from({ length: written.length }, (_, i) => i));
      for (const { id, index } of written) {
        if (id === undefined) continue;
        const [entry] = await store.auditEntries(index, index + 1);
        expect(entry?.columns?.subject).toBe(id);
        expect(await store.credentialMetadata(id)).toMatchObject({ visibility: 'private', supersededBy: null });
      }
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 100), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: true, treeSize: written.length });
    });

    it("writes each member's record and its supersede in the group, the supersede's entries after its own; a bad supersede fails alone", async () => {
      const previous = await issueOne(store, LIST.id);
      const spared = await issueOne(store, LIST.id);
      let unallocated = (spared.statusIndex + 1) % LIST.size;
      while ((await store.getAllocation(LIST.id, unallocated)) !== undefined) unallocated = (unallocated + 1) % LIST.size;
      const revoke = (index: number, subject: string) => ({ listId: LIST.id, index, value: true, audit: makeAuditInput({ subject, details: { reason: 'superseded' } }) });
      const { issuances, outcomes } = await issueConcurrently(6, (i, issuance) => {
        const metadata = { ownerMemberId: `member-${i}`, visibility: i % 2 === 0 ? ('private' as const) : ('public' as const), series: `participant:did:web:p${i}.example` };
        // Member 1 supersedes `previous`; member 4 names an index never allocated.
        if (i === 1) return { ...issuance, metadata, supersede: { changes: [revoke(previous.statusIndex, previous.credentialId)], ids: [previous.credentialId] } };
        if (i === 4) return { ...issuance, metadata, supersede: { changes: [revoke(unallocated, spared.credentialId)], ids: [spared.credentialId] } };
        return { ...issuance, metadata };
      });
      expect(outcomes[4]).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND' } });
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5);
      for (const i of [0, 1, 2, 3, 5]) {
        expect(await store.credentialMetadata(issuances[i]!.credential.id)).toEqual({ ...issuances[i]!.metadata, supersededBy: null });
      }
      expect(await store.credentialMetadata(issuances[4]!.credential.id)).toBeUndefined();

      const bits = (await store.getStatusList(LIST.id))!.bits;
      expect([getBit(bits, previous.statusIndex), getBit(bits, spared.statusIndex), getBit(bits, unallocated)]).toEqual([true, false, false]);
      expect((await store.credentialMetadata(previous.credentialId))?.supersededBy).toBe(issuances[1]!.credential.id);
      expect((await store.credentialMetadata(spared.credentialId))?.supersededBy).toBeNull();
      const own = outcomes[1]!.status === 'fulfilled' ? outcomes[1]!.value.auditEntry.index : -1;
      expect((await store.auditEntriesForSubject(previous.credentialId)).map((e) => e.index)).toEqual([previous.auditIndex, own + 1]);
      expect(await store.auditEntriesForSubject(spared.credentialId)).toHaveLength(1);
      // 2 + 5 issuances + 1 revocation, gap-free.
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 100), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: true, treeSize: 8 });
    });

    it('hands out distinct indexes to concurrent reservations that collide', async () => {
      await store.ensureStatusList({ id: 'crowded', purpose: 'revocation', size: 16 });
      let n = 0;
      // Every reservation first draws 0, 1 or 2: they collide with each other inside one group.
      const random = (size: number): number => (n++ < 12 ? n % 3 : Math.floor(Math.random() * size));
      const got = await Promise.all(Array.from({ length: 12 }, (_, i) => store.reserveStatusIndex({ listId: 'crowded', credentialId: `urn:c${i}`, random })));
      expect(new Set(got).size).toBe(12);
      for (const [i, index] of got.entries()) expect((await store.getAllocation('crowded', index))?.credentialId).toBe(`urn:c${i}`);
    });
  });

  describe('reserveStatusIndex()', () => {
    it('draws again when the random index is taken, and never hands one out twice', async () => {
      const draws = [5, 5, 5, 7];
      const random = (): number => draws.shift() ?? 0;
      expect(await store.reserveStatusIndex({ listId: LIST.id, credentialId: 'urn:a', random })).toBe(5);
      expect(await store.reserveStatusIndex({ listId: LIST.id, credentialId: 'urn:b', random })).toBe(7);
    });

    it('fills a small list with distinct indexes, then refuses', async () => {
      await store.ensureStatusList({ id: 'small', purpose: 'suspension', size: 8 });
      const got = new Set<number>();
      for (let i = 0; i < 8; i++) {
        got.add(await store.reserveStatusIndex({ listId: 'small', credentialId: `urn:${i}`, random: () => i }));
      }
      expect([...got].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      await expect(store.reserveStatusIndex({ listId: 'small', credentialId: 'urn:x', random: () => 3 })).rejects.toMatchObject({
        code: 'INTERNAL',
      });
    });

    it('rejects an unknown list and an index outside the list', async () => {
      await expect(store.reserveStatusIndex({ listId: 'nope', credentialId: 'urn:x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(store.reserveStatusIndex({ listId: LIST.id, credentialId: 'urn:x', random: () => -1 })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  });

  describe('status lists', () => {
    it('creates a list of all-zero bits once, whoever asks first', async () => {
      const again = await store.ensureStatusList({ ...LIST, size: 16 });
      expect(again.size).toBe(LIST.size);
      expect(again.bits.length).toBe(LIST.size / 8);
      expect(again.bits.every((b) => b === 0)).toBe(true);
      expect(again.version).toBe(0);
    });

    it('keeps the issuer a list was made for (null: the service\'s did:web) and never changes it', async () => {
      expect((await store.getStatusList(LIST.id))?.issuer).toBeNull();
      const member = { id: 'member.acme.revocation-0', purpose: 'revocation', size: 8, issuer: 'did:web:trust.example:members:acme' };
      expect(await store.ensureStatusList(member)).toMatchObject({ id: member.id, issuer: member.issuer, version: 0 });
      expect((await store.ensureStatusList({ ...member, issuer: 'did:web:someone.example' })).issuer).toBe(member.issuer);
      expect((await store.getStatusList(member.id))?.issuer).toBe(member.issuer);
    });

    it('sets and clears a bit in one transaction with its audit entry', async () => {
      const issued = await issueOne(store, LIST.id);
      const revoked = await store.setStatusBit({
        listId: LIST.id,
        index: issued.statusIndex,
        value: true,
        audit: makeAuditInput({ action: 'credential.status-changed', subject: issued.credentialId, details: { status: 'revoked' } }),
      });
      expect(revoked.version).toBe(1);
      expect(revoked.auditEntry).toMatchObject({ index: 1, details: { status: 'revoked' } });
      const list = await store.getStatusList(LIST.id);
      expect(list && getBit(list.bits, issued.statusIndex)).toBe(true);
      expect(list?.bits.filter((b) => b !== 0).length).toBe(1);

      await store.setStatusBit({ listId: LIST.id, index: issued.statusIndex, value: false, audit: makeAuditInput() });
      const after = await store.getStatusList(LIST.id);
      expect(after && getBit(after.bits, issued.statusIndex)).toBe(false);
      expect(after?.version).toBe(2);
    });

    it('refuses an index that was never allocated or lies outside the list, writing nothing', async () => {
      await expect(store.setStatusBit({ listId: LIST.id, index: 3, value: true, audit: makeAuditInput() })).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
      await expect(
        store.setStatusBit({ listId: LIST.id, index: LIST.size, value: true, audit: makeAuditInput() }),
      ).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      expect(await store.auditSize()).toBe(0);
      expect((await store.getStatusList(LIST.id))?.version).toBe(0);
    });
  });

  describe('status lists of wider entries (statusSize > 1)', () => {
    const WIDE = { id: 'message-2bit-0', purpose: 'message', size: 64, statusSize: 2 };
    const statusMessage = ['0x0', '0x1', '0x2', '0x3'].map((status) => ({ status, message: `state ${status}` }));

    it('creates size x statusSize zero bits, keeps the width, and reads the lists made before as one bit wide', async () => {
      const wide = await store.ensureStatusList(WIDE);
      expect(wide).toMatchObject({ id: WIDE.id, size: 64, statusSize: 2, version: 0 });
      expect(wide.bits.length).toBe((64 * 2) / 8);
      // Whoever asks again gets the list as made, whatever width it asks for.
      expect((await store.ensureStatusList({ ...WIDE, statusSize: 3 })).statusSize).toBe(2);
      expect((await store.getStatusList(LIST.id))?.statusSize).toBe(1);
      // A row written as the releases before step 11 wrote it (no width) reads as one bit wide.
      await harness.exec('INSERT INTO status_lists (id, purpose, size, bits, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)', ['suspension-9', 'suspension', 8, Buffer.alloc(1), 0, new Date().toISOString()]);
      expect((await store.getStatusList('suspension-9'))?.statusSize).toBe(1);
    });

    it('refuses a width below 1 in the database itself', async () => {
      await expect(harness.exec('INSERT INTO status_lists (id, purpose, size, bits, version, updated_at, status_size) VALUES (?, ?, ?, ?, ?, ?, ?)', ['message-0bit-0', 'message', 8, Buffer.alloc(1), 0, new Date().toISOString(), 0])).rejects.toThrow(/check constraint/i);
    });

    it("writes an entry's value at index x statusSize, most significant bit first, with its audit entry; keeps the entry's width and messages with the credential", async () => {
      await store.ensureStatusList(WIDE);
      const credential = makeCredentialRecord();
      const index = await store.reserveStatusIndex({ listId: WIDE.id, credentialId: credential.id });
      const statusEntries = [{ listId: WIDE.id, index, purpose: 'message', statusSize: 2, statusMessage }];
      await store.recordIssuance({ credential: { ...credential, statusEntries }, allocations: [{ listId: WIDE.id, index, credentialId: credential.id }], audit: makeAuditInput({ subject: credential.id }) });
      expect((await store.getCredential(credential.id))?.statusEntries).toEqual(statusEntries);

      const changed = await store.setStatusBits({ changes: [{ listId: WIDE.id, index, value: 2, audit: makeAuditInput({ action: 'credential.status-changed', subject: credential.id, details: { status: '0x2' } }) }] });
      expect(changed.auditEntries).toMatchObject([{ details: { status: '0x2' } }]);
      const list = (await store.getStatusList(WIDE.id))!;
      expect([getBit(list.bits, index * 2), getBit(list.bits, index * 2 + 1)]).toEqual([true, false]);
      expect(list.bits.filter((b) => b !== 0).length).toBe(1);
      expect(list.version).toBe(1);

      await store.setStatusBit({ listId: WIDE.id, index, value: 1, audit: makeAuditInput() });
      const after = (await store.getStatusList(WIDE.id))!;
      expect([getBit(after.bits, index * 2), getBit(after.bits, index * 2 + 1)]).toEqual([false, true]);
    });

    it('refuses a value the entry cannot hold, writing nothing', async () => {
      await store.ensureStatusList(WIDE);
      const credential = makeCredentialRecord();
      const index = await store.reserveStatusIndex({ listId: WIDE.id, credentialId: credential.id });
      for (const value of [4, -1, 1.5]) {
        await expect(store.setStatusBit({ listId: WIDE.id, index, value, audit: makeAuditInput() })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      }
      expect(await store.auditSize()).toBe(0);
      expect((await store.getStatusList(WIDE.id))?.version).toBe(0);
    });
  });

  describe('credential records', () => {
    /** A handle whose clock moves one second per reading, from a base derived from now. */
    async function steppingStore(): Promise<{ store: Store; base: number }> {
      const base = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
      let tick = 0;
      return { store: await harness.open({ clock: () => new Date(base + 1000 * tick++) }), base };
    }

    const record = async (on: Store, overrides: Parameters<typeof makeCredentialRecord>[0] = {}, metadata?: Parameters<Store['recordIssuance']>[0]['metadata']) => {
      const credential = makeCredentialRecord(overrides);
      await on.recordIssuance({ credential, allocations: [], audit: makeAuditInput({ subject: credential.id }), ...(metadata === undefined ? {} : { metadata }) });
      return credential.id;
    };

    it('keeps owner, visibility and series beside the credential; without them: no owner, private', async () => {
      const owned = await record(store, {}, { ownerMemberId: 'acme', visibility: 'public', series: 'participant:did:web:acme.example' });
      const bare = await record(store);
      expect(await store.credentialMetadata(owned)).toEqual({ ownerMemberId: 'acme', visibility: 'public', series: 'participant:did:web:acme.example', supersededBy: null });
      expect(await store.credentialMetadata(bare)).toEqual({ ownerMemberId: null, visibility: 'private', series: null, supersededBy: null });
      expect(await store.credentialMetadata('urn:uuid:none')).toBeUndefined();
    });

    it('lists a member\'s credentials newest first, by type and issue time, in pages that neither skip nor repeat', async () => {
      const { store: stepping, base } = await steppingStore();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await record(stepping, { types: ['VerifiableCredential', i % 2 === 0 ? 'gx:LegalPerson' : 'gx:VatID'] }, { ownerMemberId: 'acme', visibility: 'private', series: null }));
      }
      await record(stepping, {}, { ownerMemberId: 'other', visibility: 'private', series: null });
      const all = await store.listCredentials({ ownerMemberId: 'acme', limit: 10 });
      expect(all.map((c) => c.id)).toEqual([...ids].reverse());
      expect(all[0]?.metadata).toMatchObject({ ownerMemberId: 'acme', visibility: 'private' });

      const first = await store.listCredentials({ ownerMemberId: 'acme', limit: 2 });
      const last = first.at(-1)!;
      const second = await store.listCredentials({ ownerMemberId: 'acme', limit: 2, after: { createdAt: last.createdAt, id: last.id } });
      const lastOfSecond = second.at(-1)!;
      const third = await store.listCredentials({ ownerMemberId: 'acme', limit: 2, after: { createdAt: lastOfSecond.createdAt, id: lastOfSecond.id } });
      expect([...first, ...second, ...third].map((c) => c.id)).toEqual([...ids].reverse());

      expect((await store.listCredentials({ ownerMemberId: 'acme', type: 'gx:VatID', limit: 10 })).map((c) => c.id)).toEqual([ids[3], ids[1]]);
      const at = (seconds: number) => new Date(base + seconds * 1000).toISOString();
      const created = await Promise.all(ids.map(async (id) => (await store.getCredential(id))!.createdAt));
      const window = await store.listCredentials({ ownerMemberId: 'acme', issuedAfter: created[1]!, issuedBefore: created[4]!, limit: 10 });
      expect(window.map((c) => c.id)).toEqual([ids[3], ids[2]]);
      expect(await store.listCredentials({ ownerMemberId: 'acme', issuedAfter: at(3600), limit: 10 })).toEqual([]);
    });

    it('changes visibility with its audit entry, and refuses an unknown id writing nothing', async () => {
      const id = await record(store);
      const size = await store.auditSize();
      const { auditEntry } = await store.setCredentialVisibility({ id, visibility: 'public', audit: makeAuditInput({ subject: id, action: 'credential.visibility-changed' }) });
      expect(auditEntry).toMatchObject({ index: size, subject: id, action: 'credential.visibility-changed' });
      expect((await store.credentialMetadata(id))?.visibility).toBe('public');
      await expect(store.setCredentialVisibility({ id: 'urn:uuid:none', visibility: 'public', audit: makeAuditInput() })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await store.auditSize()).toBe(size + 1);
    });

    it('sets several bits and marks a series superseded in one transaction, or writes nothing', async () => {
      const a = await issueOne(store, LIST.id);
      const b = await issueOne(store, LIST.id);
      for (const id of [a.credentialId, b.credentialId]) {
        await harness.exec('UPDATE credential_records SET series = ? WHERE credential_id = ?', ['participant:did:web:acme.example', id]);
      }
      // Compared as a set: the series is in creation order, then by id, and two issuances recorded
      // within one millisecond (a group is written that fast now) come out in id order.
      expect((await store.seriesCredentials('participant:did:web:acme.example')).map((c) => c.id).sort()).toEqual([a.credentialId, b.credentialId].sort());
      const size = await store.auditSize();
      await expect(
        store.setStatusBits({
          changes: [
            { listId: LIST.id, index: a.statusIndex, value: true, audit: makeAuditInput({ subject: a.credentialId }) },
            { listId: LIST.id, index: (b.statusIndex + 1) % LIST.size, value: true, audit: makeAuditInput() },
          ],
          supersede: { ids: [a.credentialId], by: 'urn:uuid:new' },
        }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(getBit((await store.getStatusList(LIST.id))!.bits, a.statusIndex)).toBe(false);
      expect(await store.auditSize()).toBe(size);
      expect((await store.credentialMetadata(a.credentialId))?.supersededBy).toBeNull();

      const { auditEntries } = await store.setStatusBits({
        changes: [a, b].map((c) => ({ listId: LIST.id, index: c.statusIndex, value: true, audit: makeAuditInput({ subject: c.credentialId, details: { reason: 'superseded' } }) })),
        supersede: { ids: [a.credentialId, b.credentialId], by: 'urn:uuid:new' },
      });
      expect(auditEntries.map((e) => e.index)).toEqual([size, size + 1]);
      const bits = (await store.getStatusList(LIST.id))!.bits;
      expect([getBit(bits, a.statusIndex), getBit(bits, b.statusIndex)]).toEqual([true, true]);
      expect((await store.credentialMetadata(b.credentialId))?.supersededBy).toBe('urn:uuid:new');
      expect(await store.seriesCredentials('participant:did:web:acme.example')).toEqual([]);
    });

    it('records what a label covers with its decision, and answers both ways', async () => {
      const coverage = [
        { labelId: 'urn:uuid:label-1', credentialId: 'urn:uuid:lp', digestSRI: 'sha256-a' },
        { labelId: 'urn:uuid:label-1', credentialId: 'urn:uuid:vat', digestSRI: 'sha256-b' },
        { labelId: 'urn:uuid:label-2', credentialId: 'urn:uuid:lp', digestSRI: 'sha256-a' },
      ];
      await store.recordDecision({ id: 'urn:uuid:d1', decision: { outcome: 'issued' }, audit: makeAuditInput(), coverage: coverage.slice(0, 2) });
      await store.recordDecision({ id: 'urn:uuid:d2', decision: { outcome: 'issued' }, audit: makeAuditInput(), coverage: coverage.slice(2) });
      expect(await store.labelCoverage('urn:uuid:label-1')).toEqual(coverage.slice(0, 2));
      expect(await store.labelsCovering('urn:uuid:lp')).toEqual([coverage[0], coverage[2]]);
      expect(await store.labelsCovering('urn:uuid:unknown')).toEqual([]);
      await expect(store.recordDecision({ id: 'urn:uuid:d1', decision: {}, audit: makeAuditInput(), coverage: [{ labelId: 'urn:uuid:label-3', credentialId: 'urn:uuid:x', digestSRI: 'sha256-c' }] })).rejects.toMatchObject({ code: 'CONFLICT' });
      expect(await store.labelCoverage('urn:uuid:label-3')).toEqual([]);
    });
  });

  describe('idempotency keys', () => {
    it('claims a key once, reports it in flight, then returns the byte-identical response', async () => {
      expect(await store.beginIdempotent('acme:k1', 'sha256:a')).toBe('new');
      expect(await store.beginIdempotent('acme:k1', 'sha256:a')).toEqual({ state: 'in-flight' });
      expect(await store.beginIdempotent('acme:k1', 'sha256:b')).toBe('mismatch');
      const credential = makeCredentialRecord();
      await store.recordIssuance({
        credential,
        allocations: [],
        audit: makeAuditInput(),
        idempotency: { key: 'acme:k1', response: credential.credential },
      });
      expect(await store.beginIdempotent('acme:k1', 'sha256:a')).toEqual({ state: 'done', response: credential.credential });
      expect(await store.beginIdempotent('acme:k1', 'sha256:b')).toBe('mismatch');
    });

    it('releases an abandoned key so the retry can run, but never a completed one', async () => {
      await store.beginIdempotent('acme:k2', 'sha256:a');
      await store.abandonIdempotent('acme:k2');
      expect(await store.beginIdempotent('acme:k2', 'sha256:a')).toBe('new');
      await store.completeIdempotent('acme:k2', '{"ok":true}');
      await store.abandonIdempotent('acme:k2');
      expect(await store.beginIdempotent('acme:k2', 'sha256:a')).toEqual({ state: 'done', response: '{"ok":true}' });
    });

    it('lets a retry take over a key whose first request died in flight, once', async () => {
      let now = Date.parse('2026-01-01T00:00:00.000Z');
      const clocked = await harness.open({ clock: () => new Date(now) });
      expect(await clocked.beginIdempotent('acme:k3', 'sha256:a')).toBe('new');
      now += 60_000;
      expect(await clocked.beginIdempotent('acme:k3', 'sha256:a', { inFlightTimeoutMs: 120_000 })).toEqual({ state: 'in-flight' });
      now += 61_000;
      expect(await clocked.beginIdempotent('acme:k3', 'sha256:b', { inFlightTimeoutMs: 120_000 })).toBe('mismatch');
      expect(await clocked.beginIdempotent('acme:k3', 'sha256:a', { inFlightTimeoutMs: 120_000 })).toBe('new');
      expect(await clocked.beginIdempotent('acme:k3', 'sha256:a', { inFlightTimeoutMs: 120_000 })).toEqual({ state: 'in-flight' });
    });

    it('rolls the issuance back when the key was never claimed', async () => {
      const credential = makeCredentialRecord();
      await expect(
        store.recordIssuance({ credential, allocations: [], audit: makeAuditInput(), idempotency: { key: 'none', response: 'x' } }),
      ).rejects.toMatchObject({ code: 'INTERNAL' });
      expect(await store.getCredential(credential.id)).toBeUndefined();
      expect(await store.auditSize()).toBe(0);
    });
  });

  describe('compliance decisions', () => {
    it('stores the decision with its audit entry', async () => {
      const decision = { outcome: 'compliant', rules: ['gx:LegalPerson-01'], nested: { a: [1, 2] } };
      const { auditEntry } = await store.recordDecision({
        id: 'urn:uuid:decision-1',
        decision,
        audit: makeAuditInput({ action: 'compliance.decided', subject: 'urn:uuid:decision-1' }),
      });
      expect(auditEntry.action).toBe('compliance.decided');
      expect((await store.getDecision('urn:uuid:decision-1'))?.decision).toEqual(decision);
      expect(await store.getDecision('urn:uuid:missing')).toBeUndefined();
    });

    it('refuses a second decision under the same id, writing no audit entry', async () => {
      await store.recordDecision({ id: 'urn:uuid:d', decision: {}, audit: makeAuditInput() });
      await expect(store.recordDecision({ id: 'urn:uuid:d', decision: { x: 1 }, audit: makeAuditInput() })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      expect(await store.auditSize()).toBe(1);
    });
  });

  describe('credentialsOfDid()', () => {
    it('finds the credentials about a DID (itself or its fragments) and issued by it, newest first, and nothing about a DID that only starts the same', async () => {
      const did = 'did:web:trust.example:members:acme';
      const record = async (overrides: Parameters<typeof makeCredentialRecord>[0]) => {
        const credential = makeCredentialRecord(overrides);
        await store.recordIssuance({ credential, allocations: [], audit: makeAuditInput({ subject: credential.id }) });
        return credential.id;
      };
      const about = await record({ subject: did });
      const fragment = await record({ subject: `${did}#vat` });
      const issued = await record({ subject: 'did:web:someone.example', issuer: did });
      await record({ subject: `${did}-other` });
      await record({ subject: `${did}:sub` });
      await record({ subject: null });
      const found = await store.credentialsOfDid(did);
      expect(new Set(found.map((c) => c.id))).toEqual(new Set([about, fragment, issued]));
      expect(found.map((c) => c.createdAt)).toEqual([...found.map((c) => c.createdAt)].sort().reverse());
      expect(found.find((c) => c.id === fragment)).toMatchObject({ subject: `${did}#vat`, types: ['VerifiableCredential', 'LegalPerson'], statusEntries: [] });
      expect(await store.credentialsOfDid(did, { limit: 2 })).toHaveLength(2);
      expect(await store.credentialsOfDid('did:web:nobody.example')).toEqual([]);
    });
  });

  describe('replaceMemberKeyPublicKey()', () => {
    const member = { id: 'mbr_acme', slug: 'acme', name: 'Acme', did: 'did:web:trust.example:members:acme', custody: 'hosted' as const, createdAt: '2026-01-01T00:00:00.000Z' };
    const key = {
      id: `${member.did}#p256-1`, memberId: member.id, kind: 'P-256', methodType: 'JsonWebKey2020', publicKey: { publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
      sealedPrivateKey: 'sealed', state: 'active' as const, createdAt: '2026-01-01T00:00:00.000Z', retiredAt: null, signedUntil: null, signedUnbounded: false,
    };

    it('replaces an active key\'s public part with its audit entry, and moves the keys version', async () => {
      await store.createMember({ member, keys: [key], audit: makeAuditInput() });
      const before = await store.memberKeysVersion(member.id);
      const publicKey = { publicKeyJwk: { ...key.publicKey.publicKeyJwk, x5c: ['AAAA'] } };
      const size = await store.auditSize();
      expect(await store.replaceMemberKeyPublicKey({ memberId: member.id, keyId: key.id, publicKey, audit: makeAuditInput({ action: 'member.changed' }) })).toBe(true);
      expect((await store.memberKeys(member.id))[0]).toMatchObject({ id: key.id, publicKey, state: 'active', sealedPrivateKey: 'sealed' });
      expect(await store.memberKeysVersion(member.id)).not.toBe(before);
      expect(await store.auditSize()).toBe(size + 1);
    });

    it('changes nothing, and writes no entry, for a key that is not active or not the member\'s', async () => {
      await store.createMember({ member, keys: [key], audit: makeAuditInput() });
      await store.rotateMemberKeys({ memberId: member.id, newKeys: [], previous: 'retire', at: '2026-01-02T00:00:00.000Z', audit: makeAuditInput() });
      const size = await store.auditSize();
      const version = await store.memberKeysVersion(member.id);
      expect(await store.replaceMemberKeyPublicKey({ memberId: member.id, keyId: key.id, publicKey: {}, audit: makeAuditInput() })).toBe(false);
      expect(await store.replaceMemberKeyPublicKey({ memberId: 'mbr_other', keyId: key.id, publicKey: {}, audit: makeAuditInput() })).toBe(false);
      expect((await store.memberKeys(member.id))[0]?.publicKey).toEqual(key.publicKey);
      expect(await store.memberKeysVersion(member.id)).toBe(version);
      expect(await store.auditSize()).toBe(size);
    });
  });

  describe('wallets: credential offers and nonces', () => {
    const member = { id: 'mbr_wallet', slug: 'wallet', name: 'Wallet', did: 'did:web:trust.example:members:wallet', custody: 'hosted' as const, createdAt: '2026-01-01T00:00:00.000Z' };
    const offer = {
      id: 'offer-1', memberId: member.id, codeHash: 'a'.repeat(64), txCodeHash: 'b'.repeat(64),
      credentials: [{ configurationId: 'GaiaXLegalPerson_jwt_vc_json', credentialId: 'urn:uuid:1' }],
      createdBy: `member:${member.id}`, createdByRole: 'member', createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:10:00.000Z', redeemedAt: null,
      deferred: null,
    };
    const deferredOffer = {
      ...offer, id: 'offer-2', codeHash: 'c'.repeat(64), credentials: [],
      deferred: { configurationIds: ['GaiaXLegalPerson_jwt_vc_json'], state: 'pending' as const, reason: null },
    };
    const transaction = {
      transactionHash: 'd'.repeat(64), offerId: deferredOffer.id, configurationId: 'GaiaXLegalPerson_jwt_vc_json',
      bindings: ['did:key:z6Mk#z6Mk'], createdAt: '2026-01-01T00:01:00.000Z', expiresAt: '2026-01-02T00:01:00.000Z',
    };

    beforeEach(async () => {
      await store.createMember({ member, keys: [], audit: makeAuditInput() });
    });

    it('stores an offer with its audit entry, finds it by code digest, and redeems it once', async () => {
      const size = await store.auditSize();
      await store.createCredentialOffer({ offer, audit: makeAuditInput({ action: 'credential-offer.created' }) });
      expect(await store.auditSize()).toBe(size + 1);
      expect(await store.credentialOfferByCode(offer.codeHash)).toEqual({ ...offer, txCodeFailures: 0 });
      const results = await Promise.all([1, 2, 3].map(() => store.redeemCredentialOffer({ id: offer.id, at: '2026-01-01T00:01:00.000Z' })));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.getCredentialOffer(offer.id))?.redeemedAt).toBe('2026-01-01T00:01:00.000Z');
    });

    it('counts wrong transaction codes', async () => {
      await store.createCredentialOffer({ offer, audit: makeAuditInput() });
      expect(await store.countTxCodeFailure(offer.id)).toBe(1);
      expect(await store.countTxCodeFailure(offer.id)).toBe(2);
      expect((await store.getCredentialOffer(offer.id))?.txCodeFailures).toBe(2);
    });

    it('uses a nonce once, and not after it expired', async () => {
      await store.putWalletNonce({ nonce: 'n-1', expiresAt: '2026-01-01T00:05:00.000Z' });
      await store.putWalletNonce({ nonce: 'n-2', expiresAt: '2026-01-01T00:05:00.000Z' });
      const uses = await Promise.all([1, 2].map(() => store.consumeWalletNonce({ nonce: 'n-1', at: '2026-01-01T00:01:00.000Z' })));
      expect(uses.filter(Boolean)).toHaveLength(1);
      expect(await store.consumeWalletNonce({ nonce: 'n-2', at: '2026-01-01T00:06:00.000Z' })).toBe(false);
      expect(await store.consumeWalletNonce({ nonce: 'never-given', at: '2026-01-01T00:01:00.000Z' })).toBe(false);
    });

    it('decides a deferred offer once, with its audit entry', async () => {
      await store.createCredentialOffer({ offer: deferredOffer, audit: makeAuditInput() });
      expect(await store.getCredentialOffer(deferredOffer.id)).toEqual({ ...deferredOffer, txCodeFailures: 0 });
      const size = await store.auditSize();
      const credentials = [{ configurationId: 'GaiaXLegalPerson_jwt_vc_json', credentialId: 'urn:uuid:2' }];
      const decisions = await Promise.all([
        store.decideDeferredOffer({ id: deferredOffer.id, decision: { state: 'approved', credentials }, audit: makeAuditInput({ action: 'credential-offer.approved' }) }),
        store.decideDeferredOffer({ id: deferredOffer.id, decision: { state: 'refused', reason: 'no' }, audit: makeAuditInput({ action: 'credential-offer.refused' }) }),
      ]);
      expect(decisions.filter(Boolean)).toHaveLength(1);
      expect(await store.auditSize()).toBe(size + 1);
      const decided = await store.getCredentialOffer(deferredOffer.id);
      if (decisions[0]) expect(decided).toMatchObject({ credentials, deferred: { state: 'approved', reason: null } });
      else expect(decided).toMatchObject({ credentials: [], deferred: { state: 'refused', reason: 'no' } });
      // An offer of stored credentials has no review to decide.
      await store.createCredentialOffer({ offer, audit: makeAuditInput() });
      expect(await store.decideDeferredOffer({ id: offer.id, decision: { state: 'refused', reason: 'no' }, audit: makeAuditInput() })).toBe(false);
    });

    it('keeps a deferred transaction until it is consumed, once', async () => {
      await store.createCredentialOffer({ offer: deferredOffer, audit: makeAuditInput() });
      await store.createWalletTransaction(transaction);
      expect(await store.walletTransaction(transaction.transactionHash)).toEqual(transaction);
      expect(await store.walletTransaction('e'.repeat(64))).toBeUndefined();
      const uses = await Promise.all([1, 2].map(() => store.consumeWalletTransaction(transaction.transactionHash)));
      expect(uses.filter(Boolean)).toHaveLength(1);
      expect(await store.walletTransaction(transaction.transactionHash)).toBeUndefined();
    });

    it('sweeps expired nonces, transactions and offers, keeping an expired offer a live transaction needs', async () => {
      await store.createCredentialOffer({ offer, audit: makeAuditInput() });
      await store.createCredentialOffer({ offer: deferredOffer, audit: makeAuditInput() });
      await store.createWalletTransaction(transaction);
      await store.putWalletNonce({ nonce: 'old', expiresAt: '2026-01-01T00:05:00.000Z' });
      await store.putWalletNonce({ nonce: 'live', expiresAt: '2026-01-01T01:05:00.000Z' });
      // Both offers' codes expired at 00:10; the transaction lives until the next day.
      expect(await store.sweepWallets({ at: '2026-01-01T01:00:00.000Z' })).toEqual({ offers: 1, nonces: 1, transactions: 0 });
      expect(await store.getCredentialOffer(offer.id)).toBeUndefined();
      expect(await store.getCredentialOffer(deferredOffer.id)).toBeDefined();
      expect(await store.consumeWalletNonce({ nonce: 'live', at: '2026-01-01T01:00:00.000Z' })).toBe(true);
      // Two replicas sweeping at once remove each row once.
      const sweeps = await Promise.all([1, 2].map(() => store.sweepWallets({ at: '2026-01-03T00:00:00.000Z' })));
      expect(sweeps.reduce((sum, s) => sum + s.transactions, 0)).toBe(1);
      expect(sweeps.reduce((sum, s) => sum + s.offers, 0)).toBe(1);
      expect(await store.getCredentialOffer(deferredOffer.id)).toBeUndefined();
      expect(await store.sweepWallets({ at: '2026-01-03T00:00:00.000Z' })).toEqual({ offers: 0, nonces: 0, transactions: 0 });
    });
  });

  describe('wallets: presentation requests (OpenID4VP)', () => {
    const request = {
      id: 'request-1', createdBy: 'member:mbr_connector', createdByRole: 'connector', clientId: 'decentralized_identifier:did:web:trust.example',
      nonce: 'nonce-1', stateHash: 'c'.repeat(64), dcqlQuery: { credentials: [{ id: 'label', format: 'jwt_vc_json', meta: { type_values: [['gx:LabelCredential']] } }] },
      createdAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-01T00:05:00.000Z',
    };

    it('stores a request with its audit entry, and closes it once with its outcome, result and entry, whoever races', async () => {
      const size = await store.auditSize();
      await store.createPresentationRequest({ request, audit: makeAuditInput({ action: 'presentation-request.created' }) });
      expect(await store.auditSize()).toBe(size + 1);
      expect(await store.getPresentationRequest(request.id)).toEqual({ ...request, answeredAt: null, outcome: null, result: null });
      const result = { verified: true, dcql: { satisfied: true, matched: ['label'] } };
      const closes = await Promise.all(
        (['answered', 'refused', 'answered'] as const).map((outcome) =>
          store.closePresentationRequest({ id: request.id, at: '2026-01-01T00:01:00.000Z', outcome, result, audit: makeAuditInput({ action: `presentation-request.${outcome}` }) }),
        ),
      );
      expect(closes.filter(Boolean)).toHaveLength(1);
      // The losers wrote nothing: one entry for the close.
      expect(await store.auditSize()).toBe(size + 2);
      const closed = await store.getPresentationRequest(request.id);
      expect(closed).toMatchObject({ answeredAt: '2026-01-01T00:01:00.000Z', result });
      expect(['answered', 'refused']).toContain(closed?.outcome);
      expect(await store.getPresentationRequest('no-such-request')).toBeUndefined();
    });
  });

  describe('audit log', () => {
    it('keeps timestamps non-decreasing even when a replica clock runs behind', async () => {
      const ahead = await harness.open({ clock: fixedClock('2030-01-01T00:00:00.000Z') });
      const behind = await harness.open({ clock: fixedClock('2020-01-01T00:00:00.000Z') });
      await ahead.appendAudit(makeAuditInput());
      const late = await behind.appendAudit(makeAuditInput());
      expect(late.timestamp).toBe('2030-01-01T00:00:00.000Z');
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 10), checkpoints: [], verifySignature: async () => true });
      expect(verdict.ok).toBe(true);
    });

    it('filters entries by actor, action, subject and time range in the database, in index order, within the index range and limit', async () => {
      // Three instants a day apart: the clock is read once per append.
      const days = ['2026-02-01T10:00:00.000Z', '2026-02-02T10:00:00.000Z', '2026-02-03T10:00:00.000Z'];
      const inputs = [
        { day: 0, actor: 'member:acme', action: 'credential.issued', subject: 'urn:uuid:one' },
        { day: 0, actor: 'member:acme', action: 'credential.status-changed', subject: 'urn:uuid:one' },
        { day: 1, actor: 'key:auditor', action: 'authorization.denied', subject: 'urn:uuid:two' },
        { day: 1, actor: 'member:beta', action: 'credential.issued', subject: 'urn:uuid:two' },
        { day: 2, actor: 'member:acme', action: 'credential.issued', subject: 'urn:uuid:three' },
      ];
      for (const { day, ...input } of inputs) {
        const writer = await harness.open({ clock: fixedClock(days[day]!) });
        await writer.appendAudit(makeAuditInput(input));
      }
      const indexes = async (filter: Parameters<Store['auditEntriesMatching']>[0], from = 0, to = 5, limit = 10) =>
        (await store.auditEntriesMatching(filter, from, to, limit)).map((e) => e.index);
      expect(await indexes({ actor: 'member:acme' })).toEqual([0, 1, 4]);
      expect(await indexes({ action: 'credential.issued' })).toEqual([0, 3, 4]);
      expect(await indexes({ subject: 'urn:uuid:two' })).toEqual([2, 3]);
      expect(await indexes({ actor: 'member:acme', action: 'credential.issued' })).toEqual([0, 4]);
      // Exact values only: a prefix of an actor matches nothing.
      expect(await indexes({ actor: 'member:' })).toEqual([]);
      // since is inclusive, until exclusive, at millisecond precision.
      expect(await indexes({ since: new Date(days[1]!) })).toEqual([2, 3, 4]);
      expect(await indexes({ until: new Date(days[1]!) })).toEqual([0, 1]);
      expect(await indexes({ since: new Date('2026-02-02T00:00:00Z'), until: new Date('2026-02-03T00:00:00Z') })).toEqual([2, 3]);
      expect(await indexes({ since: new Date(Date.parse(days[2]!) + 1) })).toEqual([]);
      // The index range and the limit bound the answer: the page after index 0 of acme's entries.
      expect(await indexes({ actor: 'member:acme' }, 1, 5, 1)).toEqual([1]);
      expect(await indexes({ actor: 'member:acme' }, 2, 4)).toEqual([]);
      // The actor column says what the leaf says, and verification checks it.
      const rows = await store.auditEntriesMatching({ subject: 'urn:uuid:two' }, 0, 5, 10);
      expect(rows.map((r) => r.columns?.actor)).toEqual(['key:auditor', 'member:beta']);
      await harness.exec("UPDATE audit_entries SET actor = 'member:beta' WHERE idx = 2");
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 10), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: false, firstBadIndex: 2 });
      expect(verdict.problems.map((p) => p.message)).toEqual([expect.stringContaining('the actor column says "member:beta", the leaf "key:auditor"')]);
    });

    it('stores checkpoints by size, keeping the first signed for a size', async () => {
      const keys = makeCheckpointKeys();
      expect(await store.latestCheckpoint()).toBeUndefined();
      const a = { treeSize: 1, rootHash: 'AAAA', timestamp: '2026-01-01T00:00:00.000Z', ...(await keys.signCheckpoint(Buffer.from('a'))) };
      const b = { ...a, treeSize: 2 };
      expect(await store.putCheckpoint(b)).toEqual(b);
      expect(await store.putCheckpoint(a)).toEqual(a);
      expect(await store.putCheckpoint({ ...a, timestamp: '2027-01-01T00:00:00.000Z' })).toEqual(a);
      expect(await store.latestCheckpoint()).toEqual(b);
      expect(await store.checkpoints()).toEqual([a, b]);
    });
  });

  describe('concurrent writers', () => {
    it('gives 2 handles x 200 issuances the audit indexes 0..399 with no gap, no duplicate and no shared status index', async () => {
      const other = await harness.open();
      const run = async (s: Store) => {
        const results: Awaited<ReturnType<typeof issueOne>>[] = [];
        // Several in flight per handle, as a server handling parallel requests would have.
        const lanes = Array.from({ length: 4 }, async () => {
          for (let i = 0; i < 50; i++) results.push(await issueOne(s, LIST.id));
        });
        await Promise.all(lanes);
        return results;
      };
      const [a, b] = await Promise.all([run(store), run(other)]);
      const all = [...a, ...b];
      expect(all.map((r) => r.auditIndex).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
      expect(new Set(all.map((r) => r.statusIndex)).size).toBe(400);
      expect(await store.auditSize()).toBe(400);
      const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 400), checkpoints: [], verifySignature: async () => true });
      expect(verdict).toMatchObject({ ok: true, treeSize: 400 });
    });
  });
});
