/**
 * `verifyAuditLog` over both stores: the columns kept beside each leaf for queries (subject, action,
 * created_at) must say what the signed leaf says, since an evidence bundle finds a credential's
 * entries by its subject column; and the entries no signed checkpoint covers yet are counted, and
 * refused when the auditor asks for a log signed to its end.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCheckpoint, syncAuditTree, verifyAuditLog } from '../../src/audit/log.js';
import { MerkleTree } from '../../src/audit/merkle.js';
import type { Store } from '../../src/storage/store.js';
import { makeAuditInput, makeCheckpointKeys } from '../storage/fixtures.js';
import { STORE_KINDS, type Harness } from '../storage/harness.js';

const keys = makeCheckpointKeys();

describe.each(STORE_KINDS)('audit verification over a $name store', (kind) => {
  let harness: Harness;
  let store: Store;

  const verify = async (options: { requireSignedTail?: boolean } = {}) =>
    verifyAuditLog({
      entries: await store.auditEntries(0, 1_000),
      checkpoints: await store.checkpoints(),
      verifySignature: keys.verifySignature,
      ...options,
    });

  beforeEach(async () => {
    harness = await kind.create();
    store = await harness.open();
    for (let i = 0; i < 6; i++) await store.appendAudit(makeAuditInput({ subject: `urn:uuid:credential-${i}` }));
    const tree = await syncAuditTree(new MerkleTree(), store);
    await store.putCheckpoint(await createCheckpoint({ tree, treeSize: 4, now: new Date(), sign: keys.signCheckpoint }));
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('verifies the untouched log and counts the 2 entries after the checkpoint of size 4', async () => {
    expect(await verify()).toMatchObject({ ok: true, treeSize: 6, signedTreeSize: 4, unsignedEntries: 2 });
  });

  it.each([
    ['subject', "'urn:uuid:credential-0'", /the subject column says "urn:uuid:credential-0", the leaf "urn:uuid:credential-2"/],
    ['action', "'authorization.denied'", /the action column says "authorization.denied", the leaf "credential.issued"/],
    ['created_at', kind.name === 'postgres' ? "'2001-01-01T00:00:00Z'" : "'2001-01-01T00:00:00.000Z'", /the created_at column says 2001-01-01T00:00:00.000Z/],
  ])('names index 2 when its %s column no longer says what the leaf says', async (column, value, message) => {
    await harness.exec(`UPDATE audit_entries SET ${column} = ${value} WHERE idx = 2`);
    const result = await verify();
    expect(result).toMatchObject({ ok: false, firstBadIndex: 2 });
    expect(result.problems.map((p) => p.message)).toEqual([expect.stringMatching(message)]);
  });

  it('fails an unsigned tail when asked for a log signed to its end, pointing at its first entry', async () => {
    const result = await verify({ requireSignedTail: true });
    expect(result).toMatchObject({ ok: false, firstBadIndex: 4, unsignedEntries: 2 });
    expect(result.problems[0]?.message).toMatch(/2 entries from index 4 on are covered by no signed checkpoint/);
    const tree = await syncAuditTree(new MerkleTree(), store);
    await store.putCheckpoint(await createCheckpoint({ tree, treeSize: 6, now: new Date(), sign: keys.signCheckpoint }));
    expect(await verify({ requireSignedTail: true })).toMatchObject({ ok: true, signedTreeSize: 6, unsignedEntries: 0 });
  });
});
