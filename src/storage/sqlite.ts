/**
 * The embedded store: one SQLite file in WAL mode (readers do not block the writer). Every write
 * transaction is BEGIN IMMEDIATE, which takes SQLite's single write lock at the start, so two
 * processes sharing the file serialise there and audit indexes come out gap-free.
 *
 * @see https://www.sqlite.org/lang_transaction.html
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { OWNER_ONLY_FILE, OWNER_ONLY_FOLDER } from '../keyring/file-permissions.js';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEntry, AuditEntryInput, SignedCheckpoint, StoredAuditEntry } from '../audit/log.js';
import { systemClock, type Clock } from '../clock.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { MIGRATIONS } from './migrations.js';
import { credentialsOfDidBounds, DEFAULT_CREDENTIALS_OF_DID_LIMIT, MEMBER_KEYS_VERSION_SQL, type ApiKeyRecord, type MemberKeyRecord, type MemberRecord } from './store.js';
import {
  IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS,
  MAX_INDEX_DRAWS,
  StoreUnavailableError,
  assertStatusIndex,
  auditRow,
  cryptoRandomIndex,
  nextAuditTimestamp,
  setBit,
  type ComplianceDecisionRecord,
  type CredentialRecord,
  type IdempotencyBegin,
  type RandomIndex,
  type StatusAllocation,
  type StatusListRecord,
  type StatusPurpose,
  type Store,
} from './store.js';

export interface SqliteStoreOptions {
  /** The database file, e.g. `<dataDir>/gx-trust.db`; its directory is created if missing. */
  path: string;
  clock?: Clock;
  /** How long a writer waits for another process's write lock before giving up (503). */
  busyTimeoutMs?: number;
}

/** Opens (creating if needed) and migrates the database. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const store = new SqliteStore(options);
  await store.migrate();
  return store;
}

/** SQLite result codes that mean "the database cannot do work now", not "your input is wrong". */
const UNAVAILABLE = /^(SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL|NOMEM)|ENOTDIR|EEXIST|EACCES|EPERM|EROFS|ENOSPC)/;

function mapError(error: unknown, doing: string): unknown {
  if (isGxTrustError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if ((typeof code === 'string' && UNAVAILABLE.test(code)) || /database connection is not open/.test(message)) {
    return new StoreUnavailableError(`SQLite store unavailable while ${doing}: ${message}`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // A 4xx reaches callers in every environment: the driver's message (table and constraint names)
    // stays in the cause, for the log.
    return new GxTrustError('CONFLICT', `Already recorded while ${doing}`, { cause: error });
  }
  return new GxTrustError('INTERNAL', `SQLite store failed while ${doing}: ${message}`, { cause: error });
}

interface CredentialRow {
  id: string;
  types: string;
  subject: string | null;
  issuer: string;
  format: string;
  digest: string;
  status_entries: string;
  issued_by: string;
  created_at: string;
  credential: string;
}

interface StatusListRow {
  id: string;
  purpose: string;
  size: number;
  bits: Buffer;
  version: number;
  updated_at: string;
  issuer: string | null;
}

interface AuditRow {
  idx: number;
  leaf: string;
  leaf_hash: string;
  subject: string;
  action: string;
  created_at: string;
}

function toStatusList(row: StatusListRow): StatusListRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    size: row.size,
    bits: new Uint8Array(row.bits),
    version: row.version,
    updatedAt: row.updated_at,
    issuer: row.issuer,
  };
}

function toStoredAudit(row: AuditRow): StoredAuditEntry {
  return { index: row.idx, leaf: row.leaf, leafHash: row.leaf_hash, columns: { subject: row.subject, action: row.action, createdAt: row.created_at } };
}

/**
 * `PRAGMA journal_mode = WAL` on a database another process is opening at the same moment answers
 * SQLITE_BUSY at once: SQLite does not call the busy handler for a journal-mode change, so
 * busy_timeout does not cover it (the two-process store test failed so once in a full suite run; test/storage/sqlite-open.test.ts races two opens 200 times). It is
 * retried here within the same timeout; once a database is in WAL mode the pragma changes nothing.
 * @see https://www.sqlite.org/wal.html#sometimes_queries_return_sqlite_busy_in_wal_mode
 */
function switchToWal(db: Database.Database, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      const busy = (error as { code?: unknown }).code === 'SQLITE_BUSY';
      if (!busy || Date.now() >= deadline) throw error;
      // A synchronous pause: this runs once, while the store is being opened.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
    }
  }
}

/**
 * The database holds API key digests, sealed member keys and the audit log: its folder is created
 * 0700 and a new database file 0600 before SQLite opens it. SQLite itself would create it 0644
 * (less the umask), and it gives the -wal and -shm files the mode of the database file, so they
 * follow. An existing file keeps its mode: it is the operator's.
 */
function createOwnerOnly(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: OWNER_ONLY_FOLDER });
  try {
    closeSync(openSync(path, 'wx', OWNER_ONLY_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

export class SqliteStore implements Store {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private keysVersion: Database.Statement | undefined;

  constructor(options: SqliteStoreOptions) {
    this.clock = options.clock ?? systemClock;
    try {
      if (options.path !== ':memory:') createOwnerOnly(options.path);
      this.db = new Database(options.path);
      const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
      this.db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      switchToWal(this.db, busyTimeoutMs);
      // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss can
      // lose the last commits. The audit log's checkpoints bound what such a loss could hide.
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
    } catch (error) {
      throw mapError(error, `opening ${options.path}`);
    }
  }

  private run<T>(doing: string, fn: () => T): Promise<T> {
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(mapError(error, doing));
    }
  }

  /** BEGIN IMMEDIATE: the write lock is taken before the first read, so reads of the head are current. */
  private write<T>(doing: string, fn: () => T): Promise<T> {
    return this.run(doing, () => this.db.transaction(fn).immediate());
  }

  migrate(): Promise<void> {
    return this.write('migrating', () => {
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
      );
      const applied = new Set(
        (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
      );
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        this.db.exec(migration.sqlite);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, this.clock().toISOString());
      }
    });
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private appendInTransaction(input: AuditEntryInput): AuditEntry {
    // The last entry is the head: the write lock of BEGIN IMMEDIATE keeps it current until commit.
    const last = this.db.prepare('SELECT idx, created_at FROM audit_entries ORDER BY idx DESC LIMIT 1').get() as
      | { idx: number; created_at: string }
      | undefined;
    const index = last === undefined ? 0 : last.idx + 1;
    const timestamp = nextAuditTimestamp(this.clock(), last?.created_at ?? '');
    const row = auditRow(input, index, timestamp);
    this.db
      .prepare('INSERT INTO audit_entries (idx, leaf, leaf_hash, subject, action, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(index, row.leaf, row.leafHash, input.subject, input.action, timestamp);
    return row.entry;
  }

  private statusList(id: string): StatusListRecord | undefined {
    const row = this.db.prepare('SELECT * FROM status_lists WHERE id = ?').get(id) as StatusListRow | undefined;
    return row === undefined ? undefined : toStatusList(row);
  }

  ensureStatusList(list: { id: string; purpose: StatusPurpose; size: number; issuer?: string | null }): Promise<StatusListRecord> {
    return this.write('creating a status list', () => {
      this.db
        .prepare(
          'INSERT INTO status_lists (id, purpose, size, bits, version, updated_at, issuer) VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING',
        )
        .run(list.id, list.purpose, list.size, Buffer.alloc(Math.ceil(list.size / 8)), this.clock().toISOString(), list.issuer ?? null);
      return this.statusList(list.id)!;
    });
  }

  getStatusList(id: string): Promise<StatusListRecord | undefined> {
    return this.run('reading a status list', () => this.statusList(id));
  }

  reserveStatusIndex(options: { listId: string; credentialId: string; random?: RandomIndex }): Promise<number> {
    const random = options.random ?? cryptoRandomIndex;
    return this.run('reserving a status index', () => {
      const list = this.statusList(options.listId);
      if (list === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${options.listId}`);
      const insert = this.db.prepare(
        'INSERT INTO status_allocations (list_id, idx, credential_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      );
      for (let draw = 0; draw < MAX_INDEX_DRAWS; draw++) {
        const index = random(list.size);
        assertStatusIndex(list, index);
        if (insert.run(list.id, index, options.credentialId, this.clock().toISOString()).changes === 1) return index;
      }
      throw new GxTrustError('INTERNAL', `Status list ${list.id} has no free index after ${MAX_INDEX_DRAWS} draws`, {
        hint: 'Start a new status list',
      });
    });
  }

  getAllocation(listId: string, index: number): Promise<StatusAllocation | undefined> {
    return this.run('reading a status allocation', () => {
      const row = this.db
        .prepare('SELECT list_id, idx, credential_id FROM status_allocations WHERE list_id = ? AND idx = ?')
        .get(listId, index) as { list_id: string; idx: number; credential_id: string } | undefined;
      return row === undefined ? undefined : { listId: row.list_id, index: row.idx, credentialId: row.credential_id };
    });
  }

  recordIssuance(options: {
    credential: Omit<CredentialRecord, 'createdAt'>;
    allocations: readonly StatusAllocation[];
    audit: AuditEntryInput;
    idempotency?: { key: string; response: string };
  }): Promise<{ auditEntry: AuditEntry }> {
    const c = options.credential;
    return this.write('recording an issuance', () => {
      const createdAt = this.clock().toISOString();
      const inserted = this.db
        .prepare(
          `INSERT INTO issued_credentials (id, types, subject, issuer, format, digest, status_entries, issued_by, created_at, credential)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(c.id, JSON.stringify(c.types), c.subject, c.issuer, c.format, c.digest, JSON.stringify(c.statusEntries), c.issuedBy, createdAt, c.credential);
      if (inserted.changes !== 1) throw new GxTrustError('CONFLICT', `Credential ${c.id} is already recorded`);
      // Confirms a reservation made for this credential, or makes it now; an index held by another
      // credential is never taken over.
      const allocate = this.db.prepare(
        `INSERT INTO status_allocations (list_id, idx, credential_id, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (list_id, idx) DO UPDATE SET credential_id = excluded.credential_id
         WHERE status_allocations.credential_id = excluded.credential_id`,
      );
      for (const a of options.allocations) {
        if (a.credentialId !== c.id) throw new GxTrustError('INTERNAL', `Allocation ${a.listId}#${a.index} names another credential`);
        if (allocate.run(a.listId, a.index, c.id, createdAt).changes !== 1) {
          throw new GxTrustError('CONFLICT', `Status index ${a.index} of list ${a.listId} belongs to another credential`);
        }
      }
      const auditEntry = this.appendInTransaction(options.audit);
      if (options.idempotency !== undefined) this.complete(options.idempotency.key, options.idempotency.response);
      return { auditEntry };
    });
  }

  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.run('reading a credential', () => {
      const row = this.db.prepare('SELECT * FROM issued_credentials WHERE id = ?').get(id) as CredentialRow | undefined;
      if (row === undefined) return undefined;
      return {
        id: row.id,
        types: JSON.parse(row.types) as string[],
        subject: row.subject,
        issuer: row.issuer,
        format: row.format,
        digest: row.digest,
        statusEntries: JSON.parse(row.status_entries) as CredentialRecord['statusEntries'],
        issuedBy: row.issued_by,
        createdAt: row.created_at,
        credential: row.credential,
      };
    });
  }

  setStatusBit(options: { listId: string; index: number; value: boolean; audit: AuditEntryInput }): Promise<{
    version: number;
    auditEntry: AuditEntry;
  }> {
    return this.write('changing a status bit', () => {
      const list = this.statusList(options.listId);
      if (list === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${options.listId}`);
      assertStatusIndex(list, options.index);
      const allocated = this.db
        .prepare('SELECT 1 FROM status_allocations WHERE list_id = ? AND idx = ?')
        .get(list.id, options.index);
      if (allocated === undefined) throw new GxTrustError('NOT_FOUND', `Index ${options.index} of list ${list.id} was never allocated`);
      setBit(list.bits, options.index, options.value);
      const version = list.version + 1;
      this.db
        .prepare('UPDATE status_lists SET bits = ?, version = ?, updated_at = ? WHERE id = ?')
        .run(Buffer.from(list.bits), version, this.clock().toISOString(), list.id);
      return { version, auditEntry: this.appendInTransaction(options.audit) };
    });
  }

  recordDecision(options: { id: string; decision: Record<string, unknown>; audit: AuditEntryInput }): Promise<{
    auditEntry: AuditEntry;
  }> {
    return this.write('recording a compliance decision', () => {
      this.db
        .prepare('INSERT INTO compliance_decisions (id, decision, created_at) VALUES (?, ?, ?)')
        .run(options.id, JSON.stringify(options.decision), this.clock().toISOString());
      return { auditEntry: this.appendInTransaction(options.audit) };
    });
  }

  getDecision(id: string): Promise<ComplianceDecisionRecord | undefined> {
    return this.run('reading a compliance decision', () => {
      const row = this.db.prepare('SELECT * FROM compliance_decisions WHERE id = ?').get(id) as
        | { id: string; decision: string; created_at: string }
        | undefined;
      return row === undefined
        ? undefined
        : { id: row.id, decision: JSON.parse(row.decision) as Record<string, unknown>, createdAt: row.created_at };
    });
  }

  appendAudit(audit: AuditEntryInput): Promise<AuditEntry> {
    return this.write('appending an audit entry', () => this.appendInTransaction(audit));
  }

  auditSize(): Promise<number> {
    return this.run('reading the audit head', () => {
      const last = this.db.prepare('SELECT idx FROM audit_entries ORDER BY idx DESC LIMIT 1').get() as { idx: number } | undefined;
      return last === undefined ? 0 : last.idx + 1;
    });
  }

  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]> {
    return this.run('reading audit entries', () =>
      (this.db.prepare('SELECT idx, leaf, leaf_hash, subject, action, created_at FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx').all(from, to) as AuditRow[]).map(
        toStoredAudit,
      ),
    );
  }

  auditEntriesForSubject(subject: string): Promise<StoredAuditEntry[]> {
    return this.run('reading audit entries', () =>
      (this.db.prepare('SELECT idx, leaf, leaf_hash, subject, action, created_at FROM audit_entries WHERE subject = ? ORDER BY idx').all(subject) as AuditRow[]).map(
        toStoredAudit,
      ),
    );
  }

  putCheckpoint(checkpoint: SignedCheckpoint): Promise<SignedCheckpoint> {
    return this.write('storing a checkpoint', () => {
      this.db
        .prepare('INSERT INTO audit_checkpoints (tree_size, checkpoint, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING')
        .run(checkpoint.treeSize, JSON.stringify(checkpoint), this.clock().toISOString());
      const row = this.db.prepare('SELECT checkpoint FROM audit_checkpoints WHERE tree_size = ?').get(checkpoint.treeSize) as {
        checkpoint: string;
      };
      return JSON.parse(row.checkpoint) as SignedCheckpoint;
    });
  }

  latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    return this.run('reading the latest checkpoint', () => {
      const row = this.db.prepare('SELECT checkpoint FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1').get() as
        | { checkpoint: string }
        | undefined;
      return row === undefined ? undefined : (JSON.parse(row.checkpoint) as SignedCheckpoint);
    });
  }

  checkpoints(): Promise<SignedCheckpoint[]> {
    return this.run('reading checkpoints', () =>
      (this.db.prepare('SELECT checkpoint FROM audit_checkpoints ORDER BY tree_size').all() as { checkpoint: string }[]).map(
        (r) => JSON.parse(r.checkpoint) as SignedCheckpoint,
      ),
    );
  }

  beginIdempotent(key: string, requestDigest: string, options: { inFlightTimeoutMs?: number } = {}): Promise<IdempotencyBegin> {
    return this.write('claiming an idempotency key', (): IdempotencyBegin => {
      const now = this.clock();
      const inserted = this.db
        .prepare(
          `INSERT INTO idempotency_keys (key, request_digest, state, response, created_at) VALUES (?, ?, 'in-flight', NULL, ?)
           ON CONFLICT (key) DO NOTHING`,
        )
        .run(key, requestDigest, now.toISOString());
      if (inserted.changes === 1) return 'new';
      const staleBefore = new Date(now.getTime() - (options.inFlightTimeoutMs ?? IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS));
      const takenOver = this.db
        .prepare(
          `UPDATE idempotency_keys SET created_at = ? WHERE key = ? AND request_digest = ? AND state = 'in-flight' AND created_at < ?`,
        )
        .run(now.toISOString(), key, requestDigest, staleBefore.toISOString());
      if (takenOver.changes === 1) return 'new';
      const row = this.db.prepare('SELECT request_digest, state, response FROM idempotency_keys WHERE key = ?').get(key) as {
        request_digest: string;
        state: string;
        response: string | null;
      };
      if (row.request_digest !== requestDigest) return 'mismatch';
      if (row.state === 'done' && row.response !== null) return { state: 'done', response: row.response };
      return { state: 'in-flight' };
    });
  }

  private complete(key: string, response: string): void {
    const done = this.db
      .prepare(`UPDATE idempotency_keys SET state = 'done', response = ? WHERE key = ? AND state = 'in-flight'`)
      .run(response, key);
    if (done.changes !== 1) throw new GxTrustError('INTERNAL', `Idempotency key ${key} is not in flight`);
  }

  completeIdempotent(key: string, response: string): Promise<void> {
    return this.write('completing an idempotency key', () => this.complete(key, response));
  }

  abandonIdempotent(key: string): Promise<void> {
    return this.write('releasing an idempotency key', () => {
      this.db.prepare(`DELETE FROM idempotency_keys WHERE key = ? AND state = 'in-flight'`).run(key);
    });
  }

  // Members -----------------------------------------------------------------------------------

  private insertMemberKey(k: MemberKeyRecord): void {
    this.db
      .prepare(
        `INSERT INTO member_keys (id, member_id, kind, method_type, public_key, sealed_private_key, state, created_at, retired_at, signed_until, signed_unbounded)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(k.id, k.memberId, k.kind, k.methodType, JSON.stringify(k.publicKey), k.sealedPrivateKey, k.state, k.createdAt, k.retiredAt, k.signedUntil, k.signedUnbounded ? 1 : 0);
  }

  createMember(options: { member: MemberRecord; keys: readonly MemberKeyRecord[]; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const m = options.member;
    return this.write('creating a member', () => {
      const inserted = this.db
        .prepare('INSERT INTO members (id, slug, name, did, custody, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING')
        .run(m.id, m.slug, m.name, m.did, m.custody, m.createdAt);
      if (inserted.changes !== 1) throw new GxTrustError('CONFLICT', `a member with slug ${m.slug} exists already`, { pointer: '/slug' });
      for (const k of options.keys) this.insertMemberKey(k);
      return { auditEntry: this.appendInTransaction(options.audit) };
    });
  }

  getMember(id: string): Promise<MemberRecord | undefined> {
    return this.run('reading a member', () => toMember(this.db.prepare('SELECT * FROM members WHERE id = ?').get(id) as MemberRow | undefined));
  }

  getMemberBySlug(slug: string): Promise<MemberRecord | undefined> {
    return this.run('reading a member', () => toMember(this.db.prepare('SELECT * FROM members WHERE slug = ?').get(slug) as MemberRow | undefined));
  }

  listMembers(): Promise<MemberRecord[]> {
    return this.run('listing members', () =>
      (this.db.prepare('SELECT * FROM members ORDER BY created_at, slug').all() as MemberRow[]).map((row) => toMember(row)!),
    );
  }

  memberKeys(memberId: string): Promise<MemberKeyRecord[]> {
    return this.run('reading member keys', () =>
      (this.db.prepare('SELECT * FROM member_keys WHERE member_id = ? ORDER BY created_at, id').all(memberId) as MemberKeyRow[]).map(toMemberKey),
    );
  }

  memberKeysVersion(memberId: string): Promise<string> {
    return this.run('reading the member keys version', () => {
      // Prepared once: it runs on every verification of a hosted member's credential.
      this.keysVersion ??= this.db.prepare(MEMBER_KEYS_VERSION_SQL.replace('$1', '?'));
      const row = this.keysVersion.get(memberId) as { methods: number; progress: number | null; revisions: number | null };
      return `${row.methods}:${row.progress ?? 0}:${row.revisions ?? 0}`;
    });
  }

  rotateMemberKeys(options: {
    memberId: string;
    newKeys: readonly MemberKeyRecord[];
    previous: 'retire' | 'remove';
    at: string;
    audit: AuditEntryInput;
  }): Promise<{ previous: string[]; auditEntry: AuditEntry }> {
    return this.write('rotating member keys', () => {
      const previous = (
        this.db
          .prepare(`UPDATE member_keys SET state = ?, retired_at = ? WHERE member_id = ? AND state = 'active' RETURNING id`)
          .all(options.previous === 'retire' ? 'retired' : 'removed', options.at, options.memberId) as { id: string }[]
      ).map((r) => r.id);
      if (options.previous === 'remove') {
        this.db.prepare(`UPDATE member_keys SET state = 'removed' WHERE member_id = ? AND state = 'retired'`).run(options.memberId);
        this.db
          .prepare('UPDATE status_lists SET version = version + 1, updated_at = ? WHERE issuer = (SELECT did FROM members WHERE id = ?)')
          .run(options.at, options.memberId);
      }
      for (const k of options.newKeys) this.insertMemberKey(k);
      return { previous, auditEntry: this.appendInTransaction(options.audit) };
    });
  }

  reserveMemberKeyUse(options: { memberId: string; kind: string; validUntil: string | null }): Promise<MemberKeyRecord | undefined> {
    return this.write('reserving a member key', () => {
      const row = this.db
        .prepare(
          `UPDATE member_keys SET
             signed_until = CASE WHEN ? IS NULL THEN signed_until WHEN signed_until IS NULL OR signed_until < ? THEN ? ELSE signed_until END,
             signed_unbounded = CASE WHEN ? IS NULL THEN 1 ELSE signed_unbounded END
           WHERE member_id = ? AND kind = ? AND state = 'active' RETURNING *`,
        )
        .get(options.validUntil, options.validUntil, options.validUntil, options.validUntil, options.memberId, options.kind) as MemberKeyRow | undefined;
      return row === undefined ? undefined : toMemberKey(row);
    });
  }

  activeMemberKey(memberId: string, kind: string): Promise<MemberKeyRecord | undefined> {
    return this.run('reading a member key', () => {
      const row = this.db
        .prepare(`SELECT * FROM member_keys WHERE member_id = ? AND kind = ? AND state = 'active' ORDER BY created_at DESC LIMIT 1`)
        .get(memberId, kind) as MemberKeyRow | undefined;
      return row === undefined ? undefined : toMemberKey(row);
    });
  }

  replaceMemberKeyPublicKey(options: { memberId: string; keyId: string; publicKey: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean> {
    return this.write('replacing a member key\'s public part', () => {
      const changed = this.db
        .prepare(`UPDATE member_keys SET public_key = ?, revision = revision + 1 WHERE id = ? AND member_id = ? AND state = 'active'`)
        .run(JSON.stringify(options.publicKey), options.keyId, options.memberId);
      if (changed.changes !== 1) return false;
      this.appendInTransaction(options.audit);
      return true;
    });
  }

  credentialsOfDid(did: string, options: { limit?: number } = {}): Promise<CredentialRecord[]> {
    const { exact, from, below } = credentialsOfDidBounds(did);
    return this.run('reading a DID\'s credentials', () =>
      (
        this.db
          .prepare(
            `SELECT * FROM issued_credentials WHERE subject = ? OR (subject >= ? AND subject < ?) OR issuer = ?
             ORDER BY created_at DESC, id DESC LIMIT ?`,
          )
          .all(exact, from, below, exact, options.limit ?? DEFAULT_CREDENTIALS_OF_DID_LIMIT) as CredentialRow[]
      ).map(toCredential),
    );
  }

  createApiKey(options: { apiKey: ApiKeyRecord; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const k = options.apiKey;
    return this.write('creating an API key', () => {
      this.db
        .prepare('INSERT INTO api_keys (id, member_id, role, key_hash, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(k.id, k.memberId, k.role, k.hash, k.createdAt, k.revokedAt);
      return { auditEntry: this.appendInTransaction(options.audit) };
    });
  }

  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.run('reading an API key', () => {
      const row = this.db.prepare('SELECT * FROM api_keys WHERE key_hash = ?').get(hash) as ApiKeyRow | undefined;
      return row === undefined ? undefined : toApiKey(row);
    });
  }

  listApiKeys(memberId: string): Promise<ApiKeyRecord[]> {
    return this.run('listing API keys', () =>
      (this.db.prepare('SELECT * FROM api_keys WHERE member_id = ? ORDER BY created_at, id').all(memberId) as ApiKeyRow[]).map(toApiKey),
    );
  }

  revokeApiKey(options: { memberId: string; keyId: string; at: string; audit: AuditEntryInput }): Promise<boolean> {
    return this.write('revoking an API key', () => {
      const changed = this.db
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND member_id = ? AND revoked_at IS NULL')
        .run(options.at, options.keyId, options.memberId);
      if (changed.changes !== 1) return false;
      this.appendInTransaction(options.audit);
      return true;
    });
  }
}

interface MemberRow {
  id: string;
  slug: string;
  name: string;
  did: string;
  custody: string;
  created_at: string;
}

interface MemberKeyRow {
  id: string;
  member_id: string;
  kind: string;
  method_type: string;
  public_key: string;
  sealed_private_key: string | null;
  state: string;
  created_at: string;
  retired_at: string | null;
  signed_until: string | null;
  signed_unbounded: number;
}

interface ApiKeyRow {
  id: string;
  member_id: string;
  role: string;
  key_hash: string;
  created_at: string;
  revoked_at: string | null;
}

function toMember(row: MemberRow | undefined): MemberRecord | undefined {
  if (row === undefined) return undefined;
  return { id: row.id, slug: row.slug, name: row.name, did: row.did, custody: row.custody as MemberRecord['custody'], createdAt: row.created_at };
}

function toCredential(row: CredentialRow): CredentialRecord {
  return {
    id: row.id,
    types: JSON.parse(row.types) as string[],
    subject: row.subject,
    issuer: row.issuer,
    format: row.format,
    digest: row.digest,
    statusEntries: JSON.parse(row.status_entries) as CredentialRecord['statusEntries'],
    issuedBy: row.issued_by,
    createdAt: row.created_at,
    credential: row.credential,
  };
}

function toMemberKey(row: MemberKeyRow): MemberKeyRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind,
    methodType: row.method_type,
    publicKey: JSON.parse(row.public_key) as Record<string, unknown>,
    sealedPrivateKey: row.sealed_private_key,
    state: row.state as MemberKeyRecord['state'],
    createdAt: row.created_at,
    retiredAt: row.retired_at,
    signedUntil: row.signed_until,
    signedUnbounded: row.signed_unbounded === 1,
  };
}

function toApiKey(row: ApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    role: row.role as ApiKeyRecord['role'],
    hash: row.key_hash,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
