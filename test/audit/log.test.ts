import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  auditLeafHash,
  buildEvidence,
  createCheckpoint,
  encodeAuditEntry,
  syncAuditTree,
  verifyAuditLog,
  verifyEvidence,
  type AuditEntry,
  type AuditEvidence,
  type SignedCheckpoint,
} from '../../src/audit/log.js';
import { MerkleTree } from '../../src/audit/merkle.js';
import type { Store } from '../../src/storage/store.js';
import { makeAuditInput, makeCheckpointKeys } from '../storage/fixtures.js';
import { STORE_KINDS, type Harness } from '../storage/harness.js';

const keys = makeCheckpointKeys();
const CHECKPOINT_SIZES = [4, 8, 10];

async function checkpointAt(store: Store, treeSize: number): Promise<SignedCheckpoint> {
  const tree = await syncAuditTree(new MerkleTree(), store);
  return store.putCheckpoint(await createCheckpoint({ tree, treeSize, now: new Date(), sign: keys.signCheckpoint }));
}

describe.each(STORE_KINDS)('verifyAuditLog() over a $name store', (kind) => {
  let harness: Harness;
  let store: Store;
  let kept: SignedCheckpoint;

  const readLeaf = async (index: number): Promise<AuditEntry> => {
    const [row] = await harness.exec('SELECT leaf FROM audit_entries WHERE idx = ?', [index]);
    return JSON.parse(String(row?.['leaf'])) as AuditEntry;
  };
  /** What an attacker with write access does: rewrite the leaf and recompute its hash column. */
  const rewrite = async (index: number, entry: AuditEntry): Promise<void> => {
    const leaf = encodeAuditEntry(entry);
    await harness.exec('UPDATE audit_entries SET leaf = ?, leaf_hash = ? WHERE idx = ?', [
      leaf,
      Buffer.from(auditLeafHash(leaf)).toString('hex'),
      index,
    ]);
  };
  const verify = async (withKept = true) =>
    verifyAuditLog({
      entries: await store.auditEntries(0, 1_000),
      checkpoints: await store.checkpoints(),
      ...(withKept ? { keptCheckpoint: kept } : {}),
      verifySignature: keys.verifySignature,
    });

  beforeEach(async () => {
    harness = await kind.create();
    store = await harness.open();
    for (let i = 0; i < 10; i++) {
      await store.appendAudit(makeAuditInput({ subject: `urn:uuid:credential-${i % 3}`, details: { n: i } }));
      if (CHECKPOINT_SIZES.includes(i + 1)) kept = await checkpointAt(store, i + 1);
    }
  });

  afterEach(async () => {
    await harness.dispose();
  });

  it('accepts the untouched log and the checkpoint an auditor kept', async () => {
    const verdict = await verify();
    expect(verdict).toEqual({ ok: true, treeSize: 10, signedTreeSize: 10, unsignedEntries: 0, problems: [] });
  });

  it('names the row whose leaf was edited without its hash', async () => {
    const [row] = await harness.exec('SELECT leaf FROM audit_entries WHERE idx = 5');
    await harness.exec('UPDATE audit_entries SET leaf = ? WHERE idx = 5', [String(row?.['leaf']).replace('member:acme', 'member:evil')]);
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(5);
  });

  it('names the first index no good checkpoint covers when leaf and hash were both rewritten', async () => {
    // The digests have no column beside the leaf: only the checkpoints see this edit.
    await rewrite(5, { ...(await readLeaf(5)), digests: { credential: `sha256:${'f'.repeat(64)}` } });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    // Checkpoint 4 still holds; checkpoint 8 no longer matches: the edit is in 4..7.
    expect(verdict.firstBadIndex).toBe(4);
    expect(verdict.problems.some((p) => p.treeSize === 8)).toBe(true);
  });

  it('names the exact row when leaf and hash were rewritten to another actor, which its column still names', async () => {
    await rewrite(5, { ...(await readLeaf(5)), actor: 'member:evil' });
    const verdict = await verify();
    expect(verdict).toMatchObject({ ok: false, firstBadIndex: 5 });
    expect(verdict.problems.map((p) => p.message)).toContainEqual(expect.stringContaining('the actor column says'));
  });

  it('names the gap left by a deleted row', async () => {
    await harness.exec('DELETE FROM audit_entries WHERE idx = 6');
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(6);
  });

  it('names the first of two reordered rows, even when the index column is swapped too', async () => {
    const rows = await harness.exec('SELECT idx, leaf, leaf_hash FROM audit_entries WHERE idx IN (3, 6) ORDER BY idx');
    const [three, six] = rows;
    await harness.exec('UPDATE audit_entries SET leaf = ?, leaf_hash = ? WHERE idx = 3', [six?.['leaf'], six?.['leaf_hash']]);
    await harness.exec('UPDATE audit_entries SET leaf = ?, leaf_hash = ? WHERE idx = 6', [three?.['leaf'], three?.['leaf_hash']]);
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(3);
  });

  it('names a backdated entry even when its leaf and hash were recomputed', async () => {
    await rewrite(7, { ...(await readLeaf(7)), timestamp: '2001-01-01T00:00:00.000Z' });
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(7);
    // (Its created_at column, left as it was, disagrees with the leaf too.)
    expect(verdict.problems.filter((p) => p.index === 7).map((p) => p.message)).toContainEqual(expect.stringMatching(/earlier than the entry before/));
  });

  it('detects a tail truncated after the kept checkpoint, with the stored checkpoints removed too', async () => {
    await harness.exec('DELETE FROM audit_entries WHERE idx >= 8');
    await harness.exec('DELETE FROM audit_checkpoints WHERE tree_size > 4');
    const verdict = await verify();
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(8);
    expect(verdict.problems[0]?.message).toMatch(/truncated/);
    // Without a checkpoint held outside the database, the shorter log is indistinguishable.
    expect((await verify(false)).ok).toBe(true);
  });

  it('rejects a stored checkpoint whose signed root was altered', async () => {
    const [row] = await harness.exec('SELECT checkpoint FROM audit_checkpoints WHERE tree_size = 8');
    const raw = row?.['checkpoint'];
    const checkpoint = (typeof raw === 'string' ? JSON.parse(raw) : raw) as SignedCheckpoint;
    const forged = { ...checkpoint, rootHash: Buffer.alloc(32, 1).toString('base64') };
    await harness.exec('UPDATE audit_checkpoints SET checkpoint = ? WHERE tree_size = 8', [JSON.stringify(forged)]);
    const verdict = await verify(false);
    expect(verdict.ok).toBe(false);
    expect(verdict.problems[0]).toMatchObject({ treeSize: 8, message: expect.stringMatching(/signature/) });
  });

  it('rejects a kept checkpoint from another log (a fork) although it is validly signed', async () => {
    const fork = new MerkleTree();
    for (const row of await store.auditEntries(0, 4)) fork.append(Buffer.from(row.leafHash, 'hex'));
    fork.append(auditLeafHash({ index: 4, timestamp: new Date().toISOString(), actor: 'x', action: 'key.changed', subject: 's', digests: {} }));
    const forked = await createCheckpoint({ tree: fork, now: new Date(), sign: keys.signCheckpoint });
    const verdict = await verifyAuditLog({
      entries: await store.auditEntries(0, 1_000),
      checkpoints: await store.checkpoints(),
      keptCheckpoint: forked,
      verifySignature: keys.verifySignature,
    });
    expect(verdict.ok).toBe(false);
    expect(verdict.firstBadIndex).toBe(4);
  });

  describe('evidence bundles', () => {
    const evidenceFor = async (subject: string): Promise<AuditEvidence> => {
      const tree = await syncAuditTree(new MerkleTree(), store);
      const checkpoint = await store.putCheckpoint(await createCheckpoint({ tree, now: new Date(), sign: keys.signCheckpoint }));
      return buildEvidence({ tree, entries: await store.auditEntriesForSubject(subject), checkpoint });
    };

    it('verifies offline after a JSON round trip, with no store', async () => {
      const bundle = JSON.parse(JSON.stringify(await evidenceFor('urn:uuid:credential-1'))) as AuditEvidence;
      expect(bundle.entries.map((e) => e.index)).toEqual([1, 4, 7]);
      expect(await verifyEvidence(bundle, keys.verifySignature)).toEqual({ ok: true, problems: [] });
    });

    it('rejects an edited entry, a swapped proof and a checkpoint signed by another key', async () => {
      const bundle = await evidenceFor('urn:uuid:credential-2');
      const edited = { ...bundle, entries: bundle.entries.map((e, i) => (i === 1 ? { ...e, actor: 'member:evil' } : e)) };
      expect((await verifyEvidence(edited, keys.verifySignature)).problems).toEqual([
        { index: bundle.entries[1]!.index, message: expect.stringMatching(/not included/) },
      ]);
      const swapped = { ...bundle, inclusionProofs: [bundle.inclusionProofs[1]!, bundle.inclusionProofs[0]!, ...bundle.inclusionProofs.slice(2)] };
      expect((await verifyEvidence(swapped, keys.verifySignature)).ok).toBe(false);
      const stranger = makeCheckpointKeys();
      expect((await verifyEvidence(bundle, stranger.verifySignature)).ok).toBe(false);
    });
  });
});

describe('verifyAuditLog() on rows alone', () => {
  it('rejects a leaf that is not in canonical JSON form', async () => {
    const entry: AuditEntry = { index: 0, timestamp: '2026-01-01T00:00:00.000Z', actor: 'a', action: 'key.changed', subject: 's', digests: {} };
    const leaf = JSON.stringify(entry, null, 1);
    const verdict = await verifyAuditLog({
      entries: [{ index: 0, leaf, leafHash: Buffer.from(auditLeafHash(leaf)).toString('hex') }],
      checkpoints: [],
      verifySignature: async () => true,
    });
    expect(verdict).toMatchObject({ ok: false, firstBadIndex: 0 });
    expect(verdict.problems[0]?.message).toMatch(/canonical/);
  });

  it('keeps an extra property on the caller\'s object out of the leaf', () => {
    const entry = { index: 0, timestamp: 't', actor: 'a', action: 'key.changed', subject: 's', digests: {}, secret: 'x' } as AuditEntry;
    expect(encodeAuditEntry(entry)).not.toContain('secret');
  });
});
