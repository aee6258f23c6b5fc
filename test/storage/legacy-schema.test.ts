import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { auditLeaf, verifyAuditLog } from '../../src/audit/log.js';
import { MIGRATIONS } from '../../src/storage/migrations.js';
import { issueOne } from './fixtures.js';
import { STORE_KINDS, type Harness } from './harness.js';

/**
 * A database as the releases before the one query layer left it: schema steps 1 and 2 written by
 * their per-dialect SQL (kept verbatim in fixtures/schema-v2.<dialect>.sql), with records in it.
 */
async function createVersion2Database(harness: Harness, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect === 'postgres') await harness.exec(`CREATE SCHEMA "${harness.location.schema!}"`);
  else mkdirSync(dirname(harness.location.sqlitePath!), { recursive: true });
  const script = readFileSync(new URL(`./fixtures/schema-v2.${dialect}.sql`, import.meta.url), 'utf8');
  const statements = script
    .split('\n')
    .filter((line) => !line.startsWith('--'))
    .join('\n')
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const statement of statements) await harness.exec(statement);
  const timestamp = dialect === 'postgres' ? 'TIMESTAMPTZ' : 'TEXT';
  await harness.exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ${timestamp} NOT NULL)`);
  const at = new Date(Date.now() - 86_400_000).toISOString();
  for (const m of MIGRATIONS.filter((x) => x.version <= 2)) {
    await harness.exec('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, at]);
  }
  await harness.exec('INSERT INTO status_lists (id, purpose, size, bits, version, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
    'revocation-0',
    'revocation',
    64,
    Buffer.alloc(8),
    0,
    at,
  ]);
  const types = JSON.stringify(['VerifiableCredential']);
  await harness.exec(
    'INSERT INTO issued_credentials (id, types, subject, issuer, format, digest, status_entries, issued_by, created_at, credential) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ['urn:uuid:legacy', types, null, 'did:web:issuer.example', 'vc+jwt', 'sha256:00', '[]', 'member:acme', at, 'eyJ.legacy.jwt'],
  );
  // An entry written before step 9 gave the actor a column: the step reads it back from the leaf.
  const legacyEntry = { index: 0, timestamp: at, actor: 'member:legacy', action: 'credential.issued', subject: 'urn:uuid:legacy', digests: { credential: 'sha256:00' } };
  const { leaf, leafHash } = auditLeaf(legacyEntry);
  await harness.exec('INSERT INTO audit_entries (idx, leaf, leaf_hash, subject, action, created_at) VALUES (?, ?, ?, ?, ?, ?)', [0, leaf, leafHash, 'urn:uuid:legacy', 'credential.issued', at]);
  await harness.exec('INSERT INTO members (id, slug, name, did, custody, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
    'm-1',
    'acme',
    'Acme',
    'did:web:gx.example:members:acme',
    'hosted',
    at,
  ]);
  await harness.exec(
    'INSERT INTO member_keys (id, member_id, kind, method_type, public_key, sealed_private_key, state, created_at, retired_at, signed_until, signed_unbounded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ['did:web:gx.example:members:acme#k1', 'm-1', 'Ed25519', 'Multikey', '{"publicKeyMultibase":"z6Mk"}', null, 'active', at, null, null, dialect === 'postgres' ? true : 1],
  );
}

describe.each(STORE_KINDS)('a $name database created by the per-dialect migrations (schema version 2)', (kind) => {
  let harness: Harness | undefined;

  afterEach(async () => {
    await harness?.dispose();
  });

  it('migrates forward to the current version and keeps serving its records', async () => {
    harness = await kind.create();
    await createVersion2Database(harness, kind.name);

    const store = await harness.open();

    const versions = await harness.exec('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((r) => Number(r['version']))).toEqual(MIGRATIONS.map((m) => m.version));
    // Step 3 added the issuer column: lists made before it are the service's (null).
    expect(await store.getStatusList('revocation-0')).toMatchObject({ id: 'revocation-0', size: 64, version: 0, issuer: null });
    // Step 11 added the width: every list made before it is one bit wide.
    expect((await store.getStatusList('revocation-0'))?.statusSize).toBe(1);
    expect(await store.getCredential('urn:uuid:legacy')).toMatchObject({ types: ['VerifiableCredential'], statusEntries: [], credential: 'eyJ.legacy.jwt' });
    expect(await store.activeMemberKey('m-1', 'Ed25519')).toMatchObject({ publicKey: { publicKeyMultibase: 'z6Mk' }, signedUnbounded: true });

    // Step 7 filled the actor column of the entry written before it.
    expect((await store.auditEntriesMatching({ actor: 'member:legacy' }, 0, 1, 10)).map((e) => e.index)).toEqual([0]);

    // And it takes new records: an issuance on the old list, after the old entry.
    const issued = await issueOne(store, 'revocation-0');
    expect(issued.auditIndex).toBe(1);
    const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 10), checkpoints: [], verifySignature: async () => true });
    expect(verdict).toMatchObject({ ok: true, treeSize: 2 });
  });
});
