/**
 * The checkpointer's policy (every N entries, every T seconds, only when the tree grew), its tree
 * following rows written by another process, and replicas agreeing on one checkpoint per size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkpointVerifier, createCheckpointer, ed25519CheckpointSigner } from '../../src/audit/checkpoints.js';
import { checkpointSignedBytes, type SignedCheckpoint } from '../../src/audit/log.js';
import { loadOrCreateKeyring, type Keyring } from '../../src/keyring/index.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { recordCodecs } from '../../src/record-codecs.js';

let dir: string;
let keyring: Keyring;
let store: Store;
let replica: Store;
let now: Date;
const clock = () => now;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-checkpoints-'));
  keyring = await loadOrCreateKeyring({ keysDir: join(dir, 'keys'), baseUrl: 'http://localhost:8080', env: 'development' });
  now = new Date('2026-03-01T12:00:00.000Z');
  store = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'gx.db'), clock });
  replica = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'gx.db'), clock });
});
afterEach(async () => {
  await store.close();
  await replica.close();
  rmSync(dir, { recursive: true, force: true });
});

const append = async (on: Store, n: number) => {
  for (let i = 0; i < n; i++) await on.appendAudit({ actor: 'test', action: 'key.changed', subject: `k-${i}`, digests: {} });
};

const verifies = async (checkpoint: SignedCheckpoint) => checkpointVerifier(keyring.didDocument())(checkpoint, checkpointSignedBytes(checkpoint));

describe('createCheckpointer()', () => {
  it('signs every N entries, then after T seconds if the tree grew, and never for an unchanged tree', async () => {
    const checkpointer = createCheckpointer({ store, signer: ed25519CheckpointSigner(keyring), policy: { everyEntries: 5, everySeconds: 60 }, clock });
    expect(await checkpointer.tick()).toBeUndefined(); // empty log
    await append(store, 3);
    const first = await checkpointer.tick(); // no checkpoint yet: the first growth is signed at once
    expect(first?.treeSize).toBe(3);
    await append(store, 4);
    expect(await checkpointer.tick()).toBeUndefined(); // 4 < 5 entries and 0 s
    await append(store, 1);
    expect((await checkpointer.tick())?.treeSize).toBe(8);
    await append(store, 1);
    now = new Date(now.getTime() + 59_000);
    expect(await checkpointer.tick()).toBeUndefined();
    now = new Date(now.getTime() + 1_000);
    const timed = await checkpointer.tick();
    expect(timed?.treeSize).toBe(9);
    now = new Date(now.getTime() + 600_000);
    expect(await checkpointer.tick()).toBeUndefined(); // time alone signs nothing
    expect((await store.checkpoints()).map((c) => c.treeSize)).toEqual([3, 8, 9]);
    for (const c of await store.checkpoints()) expect(await verifies(c)).toBe(true);
  });

  it("follows rows another process appended, and hands out the replica's checkpoint for a size it signed first", async () => {
    const signer = ed25519CheckpointSigner(keyring);
    const here = createCheckpointer({ store, signer, policy: { everyEntries: 100, everySeconds: 60 }, clock });
    const there = createCheckpointer({ store: replica, signer, policy: { everyEntries: 100, everySeconds: 60 }, clock });
    await append(store, 2);
    expect((await here.latest()).treeSize).toBe(2);
    await append(replica, 3);
    now = new Date(now.getTime() + 1);
    const theirs = await there.latest();
    expect(theirs.treeSize).toBe(5);
    // This process never saw the rows written through the replica's handle: latest() syncs first
    // and returns the stored checkpoint of that size instead of signing a second one.
    now = new Date(now.getTime() + 1);
    expect(await here.latest()).toEqual(theirs);
    expect(here.tree.size).toBe(5);
    expect(Buffer.from(here.tree.root()).toString('base64')).toBe(theirs.rootHash);
    expect((await store.checkpoints()).map((c) => c.treeSize)).toEqual([2, 5]);
  });

  it('keeps one checkpoint per size when two replicas sign the same size at once', async () => {
    await append(store, 4);
    const signer = ed25519CheckpointSigner(keyring);
    const a = createCheckpointer({ store, signer, policy: { everyEntries: 1, everySeconds: 60 }, clock });
    const b = createCheckpointer({ store: replica, signer, policy: { everyEntries: 1, everySeconds: 60 }, clock: () => new Date(now.getTime() + 5) });
    const [x, y] = await Promise.all([a.latest(), b.latest()]);
    expect(x).toEqual(y);
    expect(await store.checkpoints()).toHaveLength(1);
  });
});

describe('checkpointVerifier()', () => {
  it('accepts only the named Ed25519 method, unaltered, and not after the method was revoked', async () => {
    await append(store, 1);
    const checkpoint = await createCheckpointer({ store, signer: ed25519CheckpointSigner(keyring), policy: { everyEntries: 1, everySeconds: 1 }, clock }).latest();
    expect(await verifies(checkpoint)).toBe(true);
    expect(await verifies({ ...checkpoint, treeSize: 2 })).toBe(false);
    expect(await verifies({ ...checkpoint, timestamp: '2026-03-01T12:00:00.001Z' })).toBe(false);
    // The P-256 method of the same DID is not an Ed25519 checkpoint key.
    expect(await verifies({ ...checkpoint, keyId: keyring.key('P-256').jwkVerificationMethodId })).toBe(false);
    expect(await verifies({ ...checkpoint, keyId: `${keyring.did}#unknown` })).toBe(false);
    expect(await verifies({ ...checkpoint, signature: checkpoint.signature.slice(4) })).toBe(false);
    const document = keyring.didDocument();
    for (const m of document.verificationMethod ?? []) if (m.id === checkpoint.keyId) m.revoked = '2026-03-01T11:00:00Z';
    expect(await checkpointVerifier(document)(checkpoint, checkpointSignedBytes(checkpoint))).toBe(false);
  });
});
