/**
 * The shared store for several gx-trust replicas. Audit indexes are assigned under a
 * transaction-level advisory lock, taken last in each transaction so the serialised part is
 * short: the next index is read from the last entry and the entry commits with the rest, so
 * indexes are gap-free across replicas and a rolled-back transaction leaves no hole. (A single
 * "head" row updated by every issuance was measured slower: its HOT chain of dead versions made
 * throughput fall as concurrency rose.) Migrations run under a session advisory lock.
 *
 * @see https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 */
import pg from 'pg';
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

export interface PostgresStoreOptions {
  /** e.g. postgres://user@host:5432/db */
  connectionString: string;
  /** A schema of its own (created if missing); defaults to the server's search_path. */
  schema?: string;
  clock?: Clock;
  /** Pool size per process. */
  max?: number;
  /** How long to wait for a connection before answering 503. */
  connectionTimeoutMillis?: number;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(options);
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** First key of the two-key advisory lock: 'gxtr'. The second is the schema name's hash. */
const MIGRATION_LOCK_CLASS = 0x67787472;
/** First key of the audit append lock: 'gxau'. */
const AUDIT_LOCK_CLASS = 0x67786175;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN']);

/**
 * Connection failures, SQLSTATE class 08 (connection exception), 57P0x (server shutting down or
 * starting) and 53xxx (out of connections, memory or disk) are "the store is unavailable".
 * @see https://www.postgresql.org/docs/15/errcodes-appendix.html
 */
function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || /^(08|53|57P0)/.test(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|not queryable/i.test(
    message,
  );
}

function mapError(error: unknown, doing: string): unknown {
  if (isGxTrustError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (isUnavailable(error)) {
    return new StoreUnavailableError(`PostgreSQL store unavailable while ${doing}: ${message}`, { cause: error });
  }
  // 22021 character_not_in_repertoire, 22P05 untranslatable_character: U+0000 in a text or jsonb
  // value. The HTTP edge refuses it in requests; this covers a string that arrived any other way,
  // as the input fault it is rather than a 500.
  const code = (error as { code?: unknown } | null)?.code;
  if (code === '22021' || code === '22P05') {
    return new GxTrustError('INVALID_INPUT', `A value holds the character U+0000, which cannot be stored (while ${doing})`, { cause: error });
  }
  // 23505 unique_violation: the record exists already.
  if ((error as { code?: unknown } | null)?.code === '23505') {
    // A 4xx reaches callers in every environment: the driver's message (table and constraint names)
    // stays in the cause, for the log.
    return new GxTrustError('CONFLICT', `Already recorded while ${doing}`, { cause: error });
  }
  return new GxTrustError('INTERNAL', `PostgreSQL store failed while ${doing}: ${message}`, { cause: error });
}

const iso = (value: Date | string): string => (value instanceof Date ? value.toISOString() : new Date(value).toISOString());

interface AuditRow {
  idx: string;
  leaf: string;
  leaf_hash: string;
  subject: string;
  action: string;
  created_at: Date;
}

const toStoredAudit = (row: AuditRow): StoredAuditEntry => ({
  index: Number(row.idx),
  leaf: row.leaf,
  leafHash: row.leaf_hash,
  columns: { subject: row.subject, action: row.action, createdAt: iso(row.created_at) },
});

interface StatusListRow {
  id: string;
  purpose: string;
  size: number;
  bits: Buffer;
  version: string;
  updated_at: Date;
  issuer: string | null;
}

function toStatusList(row: StatusListRow): StatusListRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    size: row.size,
    bits: new Uint8Array(row.bits),
    version: Number(row.version),
    updatedAt: iso(row.updated_at),
    issuer: row.issuer,
  };
}

type Queryable = pg.Pool | pg.PoolClient;

const listened = new WeakSet<pg.PoolClient>();

export class PostgresStore implements Store {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly clock: Clock;
  private readonly schema: string | undefined;

  constructor(options: PostgresStoreOptions) {
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new GxTrustError('CONFIG_INVALID', `Schema name ${JSON.stringify(options.schema)} is not a plain lower-case identifier`);
    }
    this.clock = options.clock ?? systemClock;
    this.schema = options.schema;
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
      ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    });
    // An idle client losing its server emits 'error' on the pool; unhandled, it would end the
    // process. The next query on that connection fails and surfaces as StoreUnavailableError.
    this.pool.on('error', () => {});
  }

  private async connect(doing: string): Promise<pg.PoolClient> {
    try {
      const client = await this.pool.connect();
      // A checked-out client whose server goes away between two queries emits 'error'; with no
      // listener that is an uncaught exception. The next query then fails and is mapped to 503.
      if (!listened.has(client)) {
        listened.add(client);
        client.on('error', () => {});
      }
      return client;
    } catch (error) {
      throw mapError(error, doing);
    }
  }

  private async read<T>(doing: string, fn: (db: Queryable) => Promise<T>): Promise<T> {
    try {
      return await fn(this.pool);
    } catch (error) {
      throw mapError(error, doing);
    }
  }

  private async transaction<T>(doing: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.connect(doing);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw mapError(error, doing);
    } finally {
      // A client whose rollback failed is in an unknown state: destroy it rather than reuse it.
      client.release(broken);
    }
  }

  async migrate(): Promise<void> {
    const client = await this.connect('migrating');
    let broken: Error | undefined;
    try {
      // Session-level lock keyed by schema: a second replica waits here until the first is done,
      // then finds every step applied.
      await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, this.schema ?? '']);
      try {
        if (this.schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
        await client.query(
          'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)',
        );
        const applied = new Set(
          (await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version),
        );
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await client.query('BEGIN');
          try {
            await client.query(migration.postgres);
            await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
              migration.version,
              migration.name,
              this.clock(),
            ]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK');
            throw error;
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [MIGRATION_LOCK_CLASS, this.schema ?? '']);
      }
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw mapError(error, 'migrating');
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (!this.pool.ended) await this.pool.end();
  }

  private async appendInTransaction(client: pg.PoolClient, input: AuditEntryInput): Promise<AuditEntry> {
    // Released at commit, after the entry is visible to the next holder's fresh READ COMMITTED snapshot.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [AUDIT_LOCK_CLASS]);
    const last = (
      await client.query<{ idx: string; created_at: Date }>('SELECT idx, created_at FROM audit_entries ORDER BY idx DESC LIMIT 1')
    ).rows[0];
    const index = last === undefined ? 0 : Number(last.idx) + 1;
    const timestamp = nextAuditTimestamp(this.clock(), last === undefined ? '' : iso(last.created_at));
    const row = auditRow(input, index, timestamp);
    await client.query(
      'INSERT INTO audit_entries (idx, leaf, leaf_hash, subject, action, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [index, row.leaf, row.leafHash, input.subject, input.action, timestamp],
    );
    return row.entry;
  }

  private async statusList(db: Queryable, id: string, lock = ''): Promise<StatusListRecord | undefined> {
    const row = (await db.query<StatusListRow>(`SELECT * FROM status_lists WHERE id = $1 ${lock}`, [id])).rows[0];
    return row === undefined ? undefined : toStatusList(row);
  }

  ensureStatusList(list: { id: string; purpose: StatusPurpose; size: number; issuer?: string | null }): Promise<StatusListRecord> {
    return this.read('creating a status list', async (db) => {
      await db.query(
        'INSERT INTO status_lists (id, purpose, size, bits, version, updated_at, issuer) VALUES ($1, $2, $3, $4, 0, $5, $6) ON CONFLICT (id) DO NOTHING',
        [list.id, list.purpose, list.size, Buffer.alloc(Math.ceil(list.size / 8)), this.clock(), list.issuer ?? null],
      );
      return (await this.statusList(db, list.id))!;
    });
  }

  getStatusList(id: string): Promise<StatusListRecord | undefined> {
    return this.read('reading a status list', (db) => this.statusList(db, id));
  }

  reserveStatusIndex(options: { listId: string; credentialId: string; random?: RandomIndex }): Promise<number> {
    const random = options.random ?? cryptoRandomIndex;
    return this.read('reserving a status index', async (db) => {
      const size = (await db.query<{ size: number }>('SELECT size FROM status_lists WHERE id = $1', [options.listId])).rows[0]?.size;
      if (size === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${options.listId}`);
      for (let draw = 0; draw < MAX_INDEX_DRAWS; draw++) {
        const index = random(size);
        assertStatusIndex({ id: options.listId, size }, index);
        // ON CONFLICT DO NOTHING rather than catching 23505: the primary key arbitrates between
        // replicas, and a collision is an ordinary outcome that just draws again.
        const result = await db.query(
          'INSERT INTO status_allocations (list_id, idx, credential_id, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
          [options.listId, index, options.credentialId, this.clock()],
        );
        if (result.rowCount === 1) return index;
      }
      throw new GxTrustError('INTERNAL', `Status list ${options.listId} has no free index after ${MAX_INDEX_DRAWS} draws`, {
        hint: 'Start a new status list',
      });
    });
  }

  getAllocation(listId: string, index: number): Promise<StatusAllocation | undefined> {
    return this.read('reading a status allocation', async (db) => {
      const row = (
        await db.query<{ list_id: string; idx: number; credential_id: string }>(
          'SELECT list_id, idx, credential_id FROM status_allocations WHERE list_id = $1 AND idx = $2',
          [listId, index],
        )
      ).rows[0];
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
    return this.transaction('recording an issuance', async (client) => {
      const createdAt = this.clock();
      const inserted = await client.query(
        `INSERT INTO issued_credentials (id, types, subject, issuer, format, digest, status_entries, issued_by, created_at, credential)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING`,
        [c.id, JSON.stringify(c.types), c.subject, c.issuer, c.format, c.digest, JSON.stringify(c.statusEntries), c.issuedBy, createdAt, c.credential],
      );
      if (inserted.rowCount !== 1) throw new GxTrustError('CONFLICT', `Credential ${c.id} is already recorded`);
      for (const a of options.allocations) {
        if (a.credentialId !== c.id) throw new GxTrustError('INTERNAL', `Allocation ${a.listId}#${a.index} names another credential`);
        // Confirms this credential's reservation or makes it now; never takes over another's index.
        const allocated = await client.query(
          `INSERT INTO status_allocations (list_id, idx, credential_id, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (list_id, idx) DO UPDATE SET credential_id = excluded.credential_id
           WHERE status_allocations.credential_id = excluded.credential_id`,
          [a.listId, a.index, c.id, createdAt],
        );
        if (allocated.rowCount !== 1) {
          throw new GxTrustError('CONFLICT', `Status index ${a.index} of list ${a.listId} belongs to another credential`);
        }
      }
      const auditEntry = await this.appendInTransaction(client, options.audit);
      if (options.idempotency !== undefined) await this.complete(client, options.idempotency.key, options.idempotency.response);
      return { auditEntry };
    });
  }

  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.read('reading a credential', async (db) => {
      const row = (
        await db.query<{
          id: string;
          types: string[];
          subject: string | null;
          issuer: string;
          format: string;
          digest: string;
          status_entries: CredentialRecord['statusEntries'];
          issued_by: string;
          created_at: Date;
          credential: string;
        }>('SELECT * FROM issued_credentials WHERE id = $1', [id])
      ).rows[0];
      if (row === undefined) return undefined;
      return {
        id: row.id,
        types: row.types,
        subject: row.subject,
        issuer: row.issuer,
        format: row.format,
        digest: row.digest,
        statusEntries: row.status_entries,
        issuedBy: row.issued_by,
        createdAt: iso(row.created_at),
        credential: row.credential,
      };
    });
  }

  setStatusBit(options: { listId: string; index: number; value: boolean; audit: AuditEntryInput }): Promise<{
    version: number;
    auditEntry: AuditEntry;
  }> {
    return this.transaction('changing a status bit', async (client) => {
      // NO KEY UPDATE does not conflict with the KEY SHARE lock an allocation's foreign key takes,
      // so revocations and issuances on one list do not wait for each other.
      const list = await this.statusList(client, options.listId, 'FOR NO KEY UPDATE');
      if (list === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${options.listId}`);
      assertStatusIndex(list, options.index);
      const allocated = await client.query('SELECT 1 FROM status_allocations WHERE list_id = $1 AND idx = $2', [list.id, options.index]);
      if (allocated.rowCount === 0) throw new GxTrustError('NOT_FOUND', `Index ${options.index} of list ${list.id} was never allocated`);
      setBit(list.bits, options.index, options.value);
      const version = list.version + 1;
      await client.query('UPDATE status_lists SET bits = $1, version = $2, updated_at = $3 WHERE id = $4', [
        Buffer.from(list.bits),
        version,
        this.clock(),
        list.id,
      ]);
      return { version, auditEntry: await this.appendInTransaction(client, options.audit) };
    });
  }

  recordDecision(options: { id: string; decision: Record<string, unknown>; audit: AuditEntryInput }): Promise<{
    auditEntry: AuditEntry;
  }> {
    return this.transaction('recording a compliance decision', async (client) => {
      await client.query('INSERT INTO compliance_decisions (id, decision, created_at) VALUES ($1, $2, $3)', [
        options.id,
        JSON.stringify(options.decision),
        this.clock(),
      ]);
      return { auditEntry: await this.appendInTransaction(client, options.audit) };
    });
  }

  getDecision(id: string): Promise<ComplianceDecisionRecord | undefined> {
    return this.read('reading a compliance decision', async (db) => {
      const row = (
        await db.query<{ id: string; decision: Record<string, unknown>; created_at: Date }>(
          'SELECT * FROM compliance_decisions WHERE id = $1',
          [id],
        )
      ).rows[0];
      return row === undefined ? undefined : { id: row.id, decision: row.decision, createdAt: iso(row.created_at) };
    });
  }

  appendAudit(audit: AuditEntryInput): Promise<AuditEntry> {
    return this.transaction('appending an audit entry', (client) => this.appendInTransaction(client, audit));
  }

  auditSize(): Promise<number> {
    return this.read('reading the audit head', async (db) => {
      const last = (await db.query<{ idx: string }>('SELECT idx FROM audit_entries ORDER BY idx DESC LIMIT 1')).rows[0];
      return last === undefined ? 0 : Number(last.idx) + 1;
    });
  }

  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]> {
    return this.read('reading audit entries', async (db) =>
      (
        await db.query<AuditRow>('SELECT idx, leaf, leaf_hash, subject, action, created_at FROM audit_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx', [from, to])
      ).rows.map(toStoredAudit),
    );
  }

  auditEntriesForSubject(subject: string): Promise<StoredAuditEntry[]> {
    return this.read('reading audit entries', async (db) =>
      (await db.query<AuditRow>('SELECT idx, leaf, leaf_hash, subject, action, created_at FROM audit_entries WHERE subject = $1 ORDER BY idx', [subject])).rows.map(
        toStoredAudit,
      ),
    );
  }

  putCheckpoint(checkpoint: SignedCheckpoint): Promise<SignedCheckpoint> {
    return this.read('storing a checkpoint', async (db) => {
      await db.query(
        'INSERT INTO audit_checkpoints (tree_size, checkpoint, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [checkpoint.treeSize, JSON.stringify(checkpoint), this.clock()],
      );
      const row = (
        await db.query<{ checkpoint: SignedCheckpoint }>('SELECT checkpoint FROM audit_checkpoints WHERE tree_size = $1', [checkpoint.treeSize])
      ).rows[0];
      return row!.checkpoint;
    });
  }

  latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    return this.read('reading the latest checkpoint', async (db) => {
      return (
        await db.query<{ checkpoint: SignedCheckpoint }>('SELECT checkpoint FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1')
      ).rows[0]?.checkpoint;
    });
  }

  checkpoints(): Promise<SignedCheckpoint[]> {
    return this.read('reading checkpoints', async (db) =>
      (await db.query<{ checkpoint: SignedCheckpoint }>('SELECT checkpoint FROM audit_checkpoints ORDER BY tree_size')).rows.map(
        (r) => r.checkpoint,
      ),
    );
  }

  beginIdempotent(key: string, requestDigest: string, options: { inFlightTimeoutMs?: number } = {}): Promise<IdempotencyBegin> {
    return this.read('claiming an idempotency key', async (db): Promise<IdempotencyBegin> => {
      const now = this.clock();
      const inserted = await db.query(
        `INSERT INTO idempotency_keys (key, request_digest, state, response, created_at) VALUES ($1, $2, 'in-flight', NULL, $3)
         ON CONFLICT (key) DO NOTHING`,
        [key, requestDigest, now],
      );
      if (inserted.rowCount === 1) return 'new';
      // One UPDATE decides between two retries racing for a stale key: only one sees a row change.
      const staleBefore = new Date(now.getTime() - (options.inFlightTimeoutMs ?? IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS));
      const takenOver = await db.query(
        `UPDATE idempotency_keys SET created_at = $1 WHERE key = $2 AND request_digest = $3 AND state = 'in-flight' AND created_at < $4`,
        [now, key, requestDigest, staleBefore],
      );
      if (takenOver.rowCount === 1) return 'new';
      const row = (
        await db.query<{ request_digest: string; state: string; response: string | null }>(
          'SELECT request_digest, state, response FROM idempotency_keys WHERE key = $1',
          [key],
        )
      ).rows[0];
      // Abandoned between our insert and select: the caller may retry and win the key.
      if (row === undefined) return { state: 'in-flight' };
      if (row.request_digest !== requestDigest) return 'mismatch';
      if (row.state === 'done' && row.response !== null) return { state: 'done', response: row.response };
      return { state: 'in-flight' };
    });
  }

  private async complete(db: Queryable, key: string, response: string): Promise<void> {
    const done = await db.query(`UPDATE idempotency_keys SET state = 'done', response = $1 WHERE key = $2 AND state = 'in-flight'`, [
      response,
      key,
    ]);
    if (done.rowCount !== 1) throw new GxTrustError('INTERNAL', `Idempotency key ${key} is not in flight`);
  }

  completeIdempotent(key: string, response: string): Promise<void> {
    return this.read('completing an idempotency key', (db) => this.complete(db, key, response));
  }

  abandonIdempotent(key: string): Promise<void> {
    return this.read('releasing an idempotency key', async (db) => {
      await db.query(`DELETE FROM idempotency_keys WHERE key = $1 AND state = 'in-flight'`, [key]);
    });
  }

  // Members -----------------------------------------------------------------------------------

  private async insertMemberKey(client: Queryable, k: MemberKeyRecord): Promise<void> {
    await client.query(
      `INSERT INTO member_keys (id, member_id, kind, method_type, public_key, sealed_private_key, state, created_at, retired_at, signed_until, signed_unbounded)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
      [k.id, k.memberId, k.kind, k.methodType, JSON.stringify(k.publicKey), k.sealedPrivateKey, k.state, k.createdAt, k.retiredAt, k.signedUntil, k.signedUnbounded],
    );
  }

  createMember(options: { member: MemberRecord; keys: readonly MemberKeyRecord[]; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const m = options.member;
    return this.transaction('creating a member', async (client) => {
      const inserted = await client.query(
        'INSERT INTO members (id, slug, name, did, custody, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING',
        [m.id, m.slug, m.name, m.did, m.custody, m.createdAt],
      );
      if (inserted.rowCount !== 1) throw new GxTrustError('CONFLICT', `a member with slug ${m.slug} exists already`, { pointer: '/slug' });
      for (const k of options.keys) await this.insertMemberKey(client, k);
      return { auditEntry: await this.appendInTransaction(client, options.audit) };
    });
  }

  getMember(id: string): Promise<MemberRecord | undefined> {
    return this.read('reading a member', async (db) => pgMember((await db.query<PgMemberRow>('SELECT * FROM members WHERE id = $1', [id])).rows[0]));
  }

  getMemberBySlug(slug: string): Promise<MemberRecord | undefined> {
    return this.read('reading a member', async (db) => pgMember((await db.query<PgMemberRow>('SELECT * FROM members WHERE slug = $1', [slug])).rows[0]));
  }

  listMembers(): Promise<MemberRecord[]> {
    return this.read('listing members', async (db) =>
      (await db.query<PgMemberRow>('SELECT * FROM members ORDER BY created_at, slug')).rows.map((row) => pgMember(row)!),
    );
  }

  memberKeys(memberId: string): Promise<MemberKeyRecord[]> {
    return this.read('reading member keys', async (db) =>
      (await db.query<PgMemberKeyRow>('SELECT * FROM member_keys WHERE member_id = $1 ORDER BY created_at, id', [memberId])).rows.map(pgMemberKey),
    );
  }

  memberKeysVersion(memberId: string): Promise<string> {
    return this.read('reading the member keys version', async (db) => {
      const row = (await db.query<{ methods: string; progress: string | null; revisions: string | null }>(MEMBER_KEYS_VERSION_SQL, [memberId])).rows[0];
      return `${row?.methods ?? 0}:${row?.progress ?? 0}:${row?.revisions ?? 0}`;
    });
  }

  rotateMemberKeys(options: {
    memberId: string;
    newKeys: readonly MemberKeyRecord[];
    previous: 'retire' | 'remove';
    at: string;
    audit: AuditEntryInput;
  }): Promise<{ previous: string[]; auditEntry: AuditEntry }> {
    return this.transaction('rotating member keys', async (client) => {
      // Row locks on the active keys: a concurrent reserveMemberKeyUse either lands before
      // (and its validUntil is part of signed_until) or finds no active key and reads the new one.
      const previous = (
        await client.query<{ id: string }>(
          `UPDATE member_keys SET state = $1, retired_at = $2 WHERE member_id = $3 AND state = 'active' RETURNING id`,
          [options.previous === 'retire' ? 'retired' : 'removed', options.at, options.memberId],
        )
      ).rows.map((r) => r.id);
      if (options.previous === 'remove') {
        await client.query(`UPDATE member_keys SET state = 'removed' WHERE member_id = $1 AND state = 'retired'`, [options.memberId]);
        await client.query('UPDATE status_lists SET version = version + 1, updated_at = $1 WHERE issuer = (SELECT did FROM members WHERE id = $2)', [
          options.at,
          options.memberId,
        ]);
      }
      for (const k of options.newKeys) await this.insertMemberKey(client, k);
      return { previous, auditEntry: await this.appendInTransaction(client, options.audit) };
    });
  }

  reserveMemberKeyUse(options: { memberId: string; kind: string; validUntil: string | null }): Promise<MemberKeyRecord | undefined> {
    return this.read('reserving a member key', async (db) => {
      const row = (
        await db.query<PgMemberKeyRow>(
          `UPDATE member_keys SET
             signed_until = CASE WHEN $1::text IS NULL THEN signed_until ELSE GREATEST(signed_until, $1::text) END,
             signed_unbounded = signed_unbounded OR $1::text IS NULL
           WHERE member_id = $2 AND kind = $3 AND state = 'active' RETURNING *`,
          [options.validUntil, options.memberId, options.kind],
        )
      ).rows[0];
      return row === undefined ? undefined : pgMemberKey(row);
    });
  }

  activeMemberKey(memberId: string, kind: string): Promise<MemberKeyRecord | undefined> {
    return this.read('reading a member key', async (db) => {
      const row = (
        await db.query<PgMemberKeyRow>(
          `SELECT * FROM member_keys WHERE member_id = $1 AND kind = $2 AND state = 'active' ORDER BY created_at DESC LIMIT 1`,
          [memberId, kind],
        )
      ).rows[0];
      return row === undefined ? undefined : pgMemberKey(row);
    });
  }

  replaceMemberKeyPublicKey(options: { memberId: string; keyId: string; publicKey: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean> {
    return this.transaction('replacing a member key\'s public part', async (client) => {
      const changed = await client.query(
        `UPDATE member_keys SET public_key = $1, revision = revision + 1 WHERE id = $2 AND member_id = $3 AND state = 'active'`,
        [JSON.stringify(options.publicKey), options.keyId, options.memberId],
      );
      if (changed.rowCount !== 1) return false;
      await this.appendInTransaction(client, options.audit);
      return true;
    });
  }

  credentialsOfDid(did: string, options: { limit?: number } = {}): Promise<CredentialRecord[]> {
    const { exact, from, below } = credentialsOfDidBounds(did);
    return this.read('reading a DID\'s credentials', async (db) =>
      (
        await db.query<PgCredentialRow>(
          `SELECT * FROM issued_credentials WHERE subject = $1 OR (subject >= $2 AND subject < $3) OR issuer = $1
           ORDER BY created_at DESC, id DESC LIMIT $4`,
          [exact, from, below, options.limit ?? DEFAULT_CREDENTIALS_OF_DID_LIMIT],
        )
      ).rows.map(pgCredential),
    );
  }

  createApiKey(options: { apiKey: ApiKeyRecord; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const k = options.apiKey;
    return this.transaction('creating an API key', async (client) => {
      await client.query('INSERT INTO api_keys (id, member_id, role, key_hash, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6)', [
        k.id,
        k.memberId,
        k.role,
        k.hash,
        k.createdAt,
        k.revokedAt,
      ]);
      return { auditEntry: await this.appendInTransaction(client, options.audit) };
    });
  }

  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.read('reading an API key', async (db) => {
      const row = (await db.query<PgApiKeyRow>('SELECT * FROM api_keys WHERE key_hash = $1', [hash])).rows[0];
      return row === undefined ? undefined : pgApiKey(row);
    });
  }

  listApiKeys(memberId: string): Promise<ApiKeyRecord[]> {
    return this.read('listing API keys', async (db) =>
      (await db.query<PgApiKeyRow>('SELECT * FROM api_keys WHERE member_id = $1 ORDER BY created_at, id', [memberId])).rows.map(pgApiKey),
    );
  }

  revokeApiKey(options: { memberId: string; keyId: string; at: string; audit: AuditEntryInput }): Promise<boolean> {
    return this.transaction('revoking an API key', async (client) => {
      const changed = await client.query('UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND member_id = $3 AND revoked_at IS NULL', [
        options.at,
        options.keyId,
        options.memberId,
      ]);
      if (changed.rowCount !== 1) return false;
      await this.appendInTransaction(client, options.audit);
      return true;
    });
  }
}

interface PgMemberRow {
  id: string;
  slug: string;
  name: string;
  did: string;
  custody: string;
  created_at: Date;
}

interface PgMemberKeyRow {
  id: string;
  member_id: string;
  kind: string;
  method_type: string;
  public_key: Record<string, unknown>;
  sealed_private_key: string | null;
  state: string;
  created_at: Date;
  retired_at: Date | null;
  signed_until: string | null;
  signed_unbounded: boolean;
}

interface PgApiKeyRow {
  id: string;
  member_id: string;
  role: string;
  key_hash: string;
  created_at: Date;
  revoked_at: Date | null;
}

function pgMember(row: PgMemberRow | undefined): MemberRecord | undefined {
  if (row === undefined) return undefined;
  return { id: row.id, slug: row.slug, name: row.name, did: row.did, custody: row.custody as MemberRecord['custody'], createdAt: iso(row.created_at) };
}

interface PgCredentialRow {
  id: string;
  types: string[];
  subject: string | null;
  issuer: string;
  format: string;
  digest: string;
  status_entries: CredentialRecord['statusEntries'];
  issued_by: string;
  created_at: Date;
  credential: string;
}

function pgCredential(row: PgCredentialRow): CredentialRecord {
  return {
    id: row.id,
    types: row.types,
    subject: row.subject,
    issuer: row.issuer,
    format: row.format,
    digest: row.digest,
    statusEntries: row.status_entries,
    issuedBy: row.issued_by,
    createdAt: iso(row.created_at),
    credential: row.credential,
  };
}

function pgMemberKey(row: PgMemberKeyRow): MemberKeyRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind,
    methodType: row.method_type,
    publicKey: row.public_key,
    sealedPrivateKey: row.sealed_private_key,
    state: row.state as MemberKeyRecord['state'],
    createdAt: iso(row.created_at),
    retiredAt: row.retired_at === null ? null : iso(row.retired_at),
    signedUntil: row.signed_until,
    signedUnbounded: row.signed_unbounded,
  };
}

function pgApiKey(row: PgApiKeyRow): ApiKeyRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    role: row.role as ApiKeyRecord['role'],
    hash: row.key_hash,
    createdAt: iso(row.created_at),
    revokedAt: row.revoked_at === null ? null : iso(row.revoked_at),
  };
}
