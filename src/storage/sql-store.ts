/**
 * The one implementation of every repository, over Kysely, for SQLite and PostgreSQL alike; what
 * differs between them is in the StoreDialect (src/storage/dialect.ts).
 *
 * Audit indexes are gap-free and ordered across processes: an entry's index is the head's plus
 * one, read in the same transaction after `lockAuditHead` (SQLite: the database's write lock,
 * taken by BEGIN IMMEDIATE; PostgreSQL: a transaction advisory lock taken last, so the serialised
 * part is short), and it commits with the rest, so a rolled-back transaction leaves no hole.
 * (A single "head" row updated by every issuance was measured slower on PostgreSQL: its HOT
 * chain of dead versions made throughput fall as concurrency rose.)
 */
import { randomInt } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { systemClock, type Clock } from '../clock.js';
import { GxTrustError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { auditEntriesAfter, nextAuditTimestamp, recordIssuanceGroup, type AuditRow } from './sqlite-group.js';
import { GroupCommit } from './group-commit.js';
import { lostWithWriter } from './sqlite-writer.js';
import { MIGRATIONS } from './migrations.js';
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditEntryInput,
  ComplianceDecisionRecord,
  CredentialMetadata,
  CredentialOfferRecord,
  PresentationOutcome,
  PresentationRequestRecord,
  CredentialQuery,
  CredentialRecord,
  CredentialVisibility,
  IdempotencyBegin,
  LabelCoverage,
  MemberKeyRecord,
  MemberRecord,
  OfferedCredential,
  RandomIndex,
  ReviewState,
  SignedCheckpoint,
  StatusAllocation,
  StatusBitChange,
  StatusExpectation,
  StatusListRecord,
  StatusPurpose,
  AuditFilter,
  StoredAuditEntry,
  StoredCredential,
  WalletSweep,
  WalletTransactionRecord,
} from './records.js';
import type { IssuanceRecord } from './repositories.js';
import type { RecordCodecs, Store } from './store.js';
import { read, type Tables } from './tables.js';

export const cryptoRandomIndex: RandomIndex = (size) => randomInt(size);

/** How long a claimed idempotency key may stay in flight before a retry may take it over. */
export const IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS = 120_000;

/** How many random draws before giving up on a list that is nearly full. */
export const MAX_INDEX_DRAWS = 64;

/**
 * SQLite's writer thread: what is pending is shared between its two groups only down to groups of
 * this many (a commit's fixed cost, its message round trip and WAL frame headers, shared by at least 4).
 */
const SQLITE_MIN_SPLIT = 4;

/** How many groups go the long way after a one-statement attempt failed, before it is tried again. */
const ONE_STATEMENT_PAUSE = 16;

/** CredentialRepository.credentialsOfDid's default cap: what one member presentation may draw from. */
export const DEFAULT_CREDENTIALS_OF_DID_LIMIT = 1000;

export { nextAuditTimestamp };

type Db = Kysely<Tables>;

/**
 * The last audit entry this process appended or is appending, as the next one-statement group is
 * placed after it; `appended` settles when the statement appending it has returned (true: it holds
 * the audit lock until its commit) or failed (false).
 */
interface AuditHead {
  index: number;
  timestamp: string;
  leafHash: string;
  appended: Promise<boolean>;
}

/** What both stores take besides their database. */
export interface StoreOptions {
  clock?: Clock | undefined;
  /**
   * Called when a group of issuances tried as one statement failed and is written the long way
   * (PostgreSQL): the composition root counts it (`gx_store_group_fallbacks_total`) and logs it.
   */
  onGroupFallback?: ((error: unknown, groupSize: number) => void) | undefined;
}

interface Reservation {
  listId: string;
  credentialId: string;
  random: RandomIndex;
}

type IssuanceWrite = { reserve: Reservation; record?: undefined } | { record: IssuanceRecord; reserve?: undefined };

const AUDIT_COLUMNS = ['idx', 'leaf', 'leaf_hash', 'subject', 'action', 'actor', 'created_at'] as const;

function toStoredAudit(row: { idx: string | number; leaf: string; leaf_hash: string; subject: string; action: string; actor: string; created_at: string | Date }): StoredAuditEntry {
  return { index: read.int(row.idx), leaf: row.leaf, leafHash: row.leaf_hash, columns: { subject: row.subject, action: row.action, actor: row.actor, createdAt: read.iso(row.created_at) } };
}

function toStatusList(row: Tables['status_lists'] extends infer T ? { [K in keyof T]: T[K] extends import('kysely').ColumnType<infer S, unknown, unknown> ? S : T[K] } : never): StatusListRecord {
  return {
    id: row.id,
    purpose: row.purpose,
    size: row.size,
    statusSize: row.status_size,
    bits: new Uint8Array(row.bits),
    version: read.int(row.version),
    updatedAt: read.iso(row.updated_at),
    issuer: row.issuer,
  };
}

export class SqlStore implements Store {
  readonly dialect: 'sqlite' | 'postgres';
  private readonly db: Db;
  private readonly clock: Clock;
  /** A list's size never changes: reservations look it up once. */
  private readonly listSizes = new Map<string, number>();
  /**
   * The writes of recorded issuance, grouped: status index reservations (before signing) and
   * issuance records (after) of concurrent requests share one transaction and one commit.
   */
  private readonly issuanceWrites: GroupCommit<IssuanceWrite, number | { auditEntry: AuditEntry }>;

  /** Told each time a one-statement group failed and went the long way (PostgreSQL). */
  private readonly onGroupFallback: ((error: unknown, groupSize: number) => void) | undefined;

  constructor(
    private readonly sqlDialect: StoreDialect,
    private readonly codecs: RecordCodecs,
    options: StoreOptions = {},
  ) {
    this.dialect = sqlDialect.name;
    this.db = sqlDialect.db;
    this.clock = options.clock ?? systemClock;
    this.onGroupFallback = options.onGroupFallback;
    this.groupsInFlight = sqlDialect.groupsInFlight ?? 1;
    const writer = sqlDialect.issuanceWriter;
    // SQLite on a file: two groups while the writer thread runs (it orders them; see sqlite-writer.ts), one otherwise.
    const maxInFlight = writer === undefined ? this.groupsInFlight : () => writer()?.groupsInFlight ?? this.groupsInFlight;
    // A group lost with the writer thread may have committed: answered 503 whole, never written again.
    this.issuanceWrites = new GroupCommit((items) => this.writeGroup(items), undefined, maxInFlight, (error) => !lostWithWriter(error), writer === undefined ? 1 : SQLITE_MIN_SPLIT);
  }

  /**
   * The audit head as this process's last issuance group left it (index, timestamp and leaf hash
   * of the last entry it wrote, or will have written once the groups in flight commit), or
   * undefined when another write may have moved it since. It only lets PostgreSQL try a group in
   * one statement (`recordInOneStatement`): correctness never depends on it being right.
   */
  private auditHead: AuditHead | undefined;
  /** The last entry the issuance group being written appended (set in its transaction). */
  private groupHead: AuditEntry | undefined;
  /** Groups left to write the long way after a one-statement attempt failed (another replica writing, a conflict). */
  private oneStatementPause = 0;
  /** See StoreDialect.groupsInFlight. */
  private readonly groupsInFlight: number;
  /** One-statement groups being written; the long way waits for them. */
  private readonly oneStatementWrites = new Set<Promise<unknown>>();
  /** Long-way groups started or waiting, one at a time (their head read and `groupHead` are one group's). */
  private longWayQueue: Promise<void> = Promise.resolve();
  private longWayWaiting = 0;

  private async writeGroup(items: IssuanceWrite[]): Promise<(number | { auditEntry: AuditEntry })[]> {
    if (this.groupsInFlight === 1) return this.writeGroupNow(items);
    // Several groups at once (PostgreSQL): one-statement groups overlap, each placed after the
    // previous one's entries and checked under the audit lock; any other group is written alone,
    // after those in flight and before the next ones start.
    while (this.longWayWaiting > 0) await this.longWayQueue;
    const head = this.oneStatementHead(items);
    if (head !== undefined) {
      const write = this.tryOneStatement(items, head);
      this.oneStatementWrites.add(write);
      try {
        const results = await write;
        if (results !== undefined) return results;
      } finally {
        this.oneStatementWrites.delete(write);
      }
    }
    this.longWayWaiting++;
    const previous = this.longWayQueue;
    let done!: () => void;
    this.longWayQueue = new Promise<void>((resolve) => (done = resolve));
    try {
      await previous;
      await Promise.allSettled([...this.oneStatementWrites]);
      return await this.writeLongWay(items);
    } finally {
      this.longWayWaiting--;
      done();
    }
  }

  private async writeGroupNow(items: IssuanceWrite[]): Promise<(number | { auditEntry: AuditEntry })[]> {
    const head = this.oneStatementHead(items);
    if (head !== undefined) {
      const results = await this.tryOneStatement(items, head);
      if (results !== undefined) return results;
    }
    return this.writeLongWay(items);
  }

  /** The head a group of plain issuances is placed after in one statement, or undefined: the long way. */
  private oneStatementHead(items: IssuanceWrite[]): AuditHead | undefined {
    if (this.sqlDialect.writeIssuanceGroupStatement === undefined || this.auditHead === undefined) return undefined;
    if (!items.every((i) => i.record !== undefined && i.record.idempotency === undefined && i.record.supersede === undefined)) return undefined;
    if (this.oneStatementPause > 0) {
      this.oneStatementPause--;
      return undefined;
    }
    return this.auditHead;
  }

  /** A group in one statement; undefined when it failed (nothing written) and must go the long way. */
  private async tryOneStatement(items: IssuanceWrite[], head: AuditHead): Promise<{ auditEntry: AuditEntry }[] | undefined> {
    try {
      return await this.recordInOneStatement(
        items.map((i) => i.record!),
        head,
        this.sqlDialect.writeIssuanceGroupStatement!,
      );
    } catch (error) {
      // Nothing was written (one statement is all or nothing): the group goes the long way,
      // which reads the head under the lock and reports each failure as itself. Expected
      // now and then (another replica moved the head); told, so that a fallback on every
      // group (a statement the server refuses) shows as a rising counter, not as slowness.
      this.auditHead = undefined;
      this.oneStatementPause = ONE_STATEMENT_PAUSE;
      this.onGroupFallback?.(error, items.length);
      return undefined;
    }
  }

  private async writeLongWay(items: IssuanceWrite[]): Promise<(number | { auditEntry: AuditEntry })[]> {
    const statements = this.sqlDialect.issuanceStatements;
    if (statements !== undefined && items.every((i) => i.record !== undefined && i.record.supersede === undefined)) {
      // SQLite, the common group (issuances only, nothing superseded): prepared statements.
      const records = items.map((i) => i.record!);
      const at = { createdAt: this.clock().toISOString(), now: this.clock() };
      const writer = this.sqlDialect.issuanceWriter?.();
      if (writer !== undefined) {
        // The writer holds the connection itself, once for the groups it has in flight: this
        // process's other transactions wait for them there, not in SQLite's busy handler.
        return this.run('recording an issuance', async () => (await writer.write(records, at)).map((auditEntry) => ({ auditEntry })));
      }
      return this.run('recording an issuance', (db) =>
        db.connection().execute(async () => recordIssuanceGroup(statements(), records, at, this.codecs.auditLeaf).map((auditEntry) => ({ auditEntry }))),
      );
    }
    this.groupHead = undefined;
    const results = await this.transaction(items.length === 1 && items[0]!.reserve !== undefined ? 'reserving a status index' : 'recording an issuance', (trx) =>
      this.writeIssuanceGroup(trx, items),
    );
    // Set by writeIssuances inside the transaction (TypeScript cannot see the callback assign it).
    const written = this.groupHead as AuditEntry | undefined;
    if (written !== undefined && this.sqlDialect.writeIssuanceGroupStatement !== undefined) {
      this.auditHead = { index: written.index, timestamp: written.timestamp, leafHash: this.codecs.auditLeaf(written).leafHash, appended: Promise.resolve(true) };
    }
    return results;
  }

  /**
   * PostgreSQL: a group of plain issuances (no idempotency key, nothing superseded) as ONE
   * statement between BEGIN and COMMIT, two round trips instead of eight (BEGIN, three inserts,
   * the head lock, the head read, the audit insert, COMMIT; postgres-group.ts sends BEGIN with
   * the statement). Its audit entries are placed
   * after `head`, the last entry this process wrote or is writing in a group still in flight, and
   * the statement only writes them if that is the head when the audit lock is granted (index and
   * leaf hash, read after the lock with a snapshot of its own: the group before may have committed
   * after this statement started); the primary key on `idx` refuses an entry committed at the same
   * place meanwhile. If anything does not add up (a moved head, a group before it that failed, a
   * credential already recorded, an index held by another credential) the final cast fails, the
   * transaction is rolled back, and the caller writes the group the long way. So entries stay
   * gap-free and in order across replicas, and nothing is returned unless its credential row and
   * audit entry are committed.
   */
  private async recordInOneStatement(
    items: IssuanceRecord[],
    head: AuditHead,
    write: NonNullable<StoreDialect['writeIssuanceGroupStatement']>,
  ): Promise<{ auditEntry: AuditEntry }[]> {
    const createdAt = this.clock().toISOString();
    const now = this.clock();
    let timestamp = head.timestamp;
    const entries = items.map(({ audit }, k): AuditEntry => {
      timestamp = nextAuditTimestamp(now, timestamp);
      return {
        index: head.index + 1 + k,
        timestamp,
        actor: audit.actor,
        action: audit.action,
        subject: audit.subject,
        digests: audit.digests,
        ...(audit.details === undefined ? {} : { details: audit.details }),
      };
    });
    const allocations = items.flatMap((i) => {
      for (const a of i.allocations) if (a.credentialId !== i.credential.id) throw new GxTrustError('INTERNAL', `Allocation ${a.listId}#${a.index} names another credential`);
      return i.allocations;
    });
    const holders = [...new Set(allocations.flatMap((a) => (a.reservedAs === undefined ? [] : [a.reservedAs])))];
    let lastLeafHash = head.leafHash;
    const audit = entries.map((entry) => {
      const { leaf, leafHash } = this.codecs.auditLeaf(entry);
      lastLeafHash = leafHash;
      return { index: entry.index, leaf, leafHash, subject: entry.subject, action: entry.action, actor: entry.actor, createdAt: entry.timestamp };
    });
    const credentials = items.map(({ credential: c, metadata }) => ({
      id: c.id,
      types: JSON.stringify(c.types),
      subject: c.subject,
      issuer: c.issuer,
      format: c.format,
      digest: c.digest,
      statusEntries: JSON.stringify(c.statusEntries),
      issuedBy: c.issuedBy,
      credential: c.credential,
      ownerMemberId: metadata?.ownerMemberId ?? null,
      visibility: metadata?.visibility ?? 'private',
      series: metadata?.series ?? null,
    }));
    // The next group may be placed after this one before it commits; if this one fails, so does that.
    let appended!: (ok: boolean) => void;
    const last = entries[entries.length - 1]!;
    this.auditHead = { index: last.index, timestamp: last.timestamp, leafHash: lastLeafHash, appended: new Promise<boolean>((resolve) => (appended = resolve)) };
    // In BEGIN ... COMMIT, not on its own: a statement that commits itself would still commit after
    // this process died while it waited for the audit lock, and a kill -9 must leave nothing
    // (test/replicas/crash.test.ts). Two round trips (BEGIN goes with the statement), where the
    // long way takes eight. The group this one follows must hold the audit lock first (its
    // statement returned), or this statement could take the lock before it and find the head it
    // follows missing: `write` sends the statement only once `head.appended` says so.
    try {
      await this.run('recording issuances', () =>
        write(
          { createdAt, credentials, allocations, holders, audit, head: { index: head.index, leafHash: head.leafHash } },
          head.appended,
          () => appended(true),
        ),
      );
    } finally {
      appended(false);
    }
    return entries.map((auditEntry) => ({ auditEntry }));
  }

  /**
   * SQLite: what writeIssuances does for a group without supersedes, as the same statements
   * prepared once (sqlite-group.ts), in one transaction, with no await between them. The checks
   * and their errors are writeIssuances' own.
   */
  // Plumbing ------------------------------------------------------------------------------------

  private async run<T>(doing: string, fn: (db: Db) => Promise<T>): Promise<T> {
    try {
      return await fn(this.db);
    } catch (error) {
      throw this.sqlDialect.mapError(error, doing);
    }
  }

  /** One write transaction on one connection; rolled back on any error. */
  private transaction<T>(doing: string, fn: (trx: Db) => Promise<T>): Promise<T> {
    return this.run(doing, (db) =>
      db.connection().execute(async (conn) => {
        await sql.raw(this.sqlDialect.begin).execute(conn);
        try {
          const result = await fn(conn);
          await sql`COMMIT`.execute(conn);
          return result;
        } catch (error) {
          // A connection whose rollback fails is broken; the pool drops a connection that is not
          // queryable, and the original error is the one to report.
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw error;
        }
      }),
    );
  }

  async migrate(): Promise<void> {
    try {
      await this.sqlDialect.withMigrationLock(async (conn, step) => {
        await conn.schema
          .createTable('schema_migrations')
          .ifNotExists()
          .addColumn('version', 'integer', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('applied_at', this.sqlDialect.types.timestamp, (c) => c.notNull())
          .execute();
        const applied = new Set((await conn.selectFrom('schema_migrations').select('version').execute()).map((r) => Number(r.version)));
        for (const migration of MIGRATIONS) {
          if (applied.has(migration.version)) continue;
          await step(async (trx) => {
            await migration.up(trx as Kysely<unknown>, this.sqlDialect.types);
            await trx
              .insertInto('schema_migrations')
              .values({ version: migration.version, name: migration.name, applied_at: this.clock().toISOString() })
              .execute();
          });
        }
      });
    } catch (error) {
      throw this.sqlDialect.mapError(error, 'migrating');
    }
  }

  close(): Promise<void> {
    return this.sqlDialect.close();
  }

  // Audit log -----------------------------------------------------------------------------------

  /** Appends entries at the head, in order, inside the caller's transaction. */
  private async appendInTransaction(trx: Db, inputs: readonly AuditEntryInput[]): Promise<AuditEntry[]> {
    if (inputs.length === 0) return [];
    // Another write moves the head: the next issuance group reads it again (writeGroup).
    this.auditHead = undefined;
    await this.sqlDialect.lockAuditHead(trx);
    const head = await trx.selectFrom('audit_entries').select(['idx', 'created_at']).orderBy('idx', 'desc').limit(1).executeTakeFirst();
    const { entries, rows } = this.auditEntriesAfter(head, inputs);
    await trx.insertInto('audit_entries').values(rows.map(([idx, leaf, leaf_hash, subject, action, actor, created_at]) => ({ idx, leaf, leaf_hash, subject, action, actor, created_at }))).execute();
    return entries;
  }

  private auditEntriesAfter(head: { idx: string | number; created_at: string | Date } | undefined, inputs: readonly AuditEntryInput[]): { entries: AuditEntry[]; rows: AuditRow[] } {
    return auditEntriesAfter(head, inputs, this.clock(), this.codecs.auditLeaf);
  }

  async appendAudit(audit: AuditEntryInput): Promise<AuditEntry> {
    const [entry] = await this.transaction('appending an audit entry', (trx) => this.appendInTransaction(trx, [audit]));
    return entry!;
  }

  auditSize(): Promise<number> {
    return this.run('reading the audit head', async (db) => {
      const last = await db.selectFrom('audit_entries').select('idx').orderBy('idx', 'desc').limit(1).executeTakeFirst();
      return last === undefined ? 0 : read.int(last.idx) + 1;
    });
  }

  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]> {
    return this.run('reading audit entries', async (db) =>
      (await db.selectFrom('audit_entries').select(AUDIT_COLUMNS).where('idx', '>=', from).where('idx', '<', to).orderBy('idx').execute()).map(toStoredAudit),
    );
  }

  auditEntriesForSubject(subject: string): Promise<StoredAuditEntry[]> {
    return this.run('reading audit entries', async (db) =>
      (await db.selectFrom('audit_entries').select(AUDIT_COLUMNS).where('subject', '=', subject).orderBy('idx').execute()).map(toStoredAudit),
    );
  }

  auditEntriesMatching(filter: AuditFilter, from: number, to: number, limit: number): Promise<StoredAuditEntry[]> {
    return this.run('reading audit entries', async (db) => {
      let query = db.selectFrom('audit_entries').select(AUDIT_COLUMNS).where('idx', '>=', from).where('idx', '<', to);
      if (filter.actor !== undefined) query = query.where('actor', '=', filter.actor);
      if (filter.action !== undefined) query = query.where('action', '=', filter.action);
      if (filter.subject !== undefined) query = query.where('subject', '=', filter.subject);
      // The stored instants are toISOString() text in SQLite (so text order is time order) and
      // timestamptz in PostgreSQL; the same ISO string compares right in both.
      if (filter.since !== undefined) query = query.where('created_at', '>=', filter.since.toISOString());
      if (filter.until !== undefined) query = query.where('created_at', '<', filter.until.toISOString());
      return (await query.orderBy('idx').limit(limit).execute()).map(toStoredAudit);
    });
  }

  putCheckpoint(checkpoint: SignedCheckpoint): Promise<SignedCheckpoint> {
    return this.run('storing a checkpoint', async (db) => {
      await db
        .insertInto('audit_checkpoints')
        .values({ tree_size: checkpoint.treeSize, checkpoint: JSON.stringify(checkpoint), created_at: this.clock().toISOString() })
        .onConflict((oc) => oc.doNothing())
        .execute();
      const row = await db.selectFrom('audit_checkpoints').select('checkpoint').where('tree_size', '=', checkpoint.treeSize).executeTakeFirstOrThrow();
      return read.json<SignedCheckpoint>(row.checkpoint);
    });
  }

  latestCheckpoint(): Promise<SignedCheckpoint | undefined> {
    return this.run('reading the latest checkpoint', async (db) => {
      const row = await db.selectFrom('audit_checkpoints').select('checkpoint').orderBy('tree_size', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? undefined : read.json<SignedCheckpoint>(row.checkpoint);
    });
  }

  checkpoints(): Promise<SignedCheckpoint[]> {
    return this.run('reading checkpoints', async (db) =>
      (await db.selectFrom('audit_checkpoints').select('checkpoint').orderBy('tree_size').execute()).map((r) => read.json<SignedCheckpoint>(r.checkpoint)),
    );
  }

  // Status lists ----------------------------------------------------------------------------------

  private async statusList(db: Db, id: string, forUpdate = false): Promise<StatusListRecord | undefined> {
    const query = db.selectFrom('status_lists').selectAll().where('id', '=', id);
    const row = await (forUpdate ? this.sqlDialect.forListUpdate(query) : query).executeTakeFirst();
    return row === undefined ? undefined : toStatusList(row);
  }

  ensureStatusList(list: { id: string; purpose: StatusPurpose; size: number; statusSize?: number; issuer?: string | null }): Promise<StatusListRecord> {
    const statusSize = list.statusSize ?? 1;
    return this.run('creating a status list', async (db) => {
      await db
        .insertInto('status_lists')
        .values({
          id: list.id,
          purpose: list.purpose,
          size: list.size,
          status_size: statusSize,
          bits: Buffer.alloc(Math.ceil((list.size * statusSize) / 8)),
          version: 0,
          updated_at: this.clock().toISOString(),
          issuer: list.issuer ?? null,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      return (await this.statusList(db, list.id))!;
    });
  }

  getStatusList(id: string): Promise<StatusListRecord | undefined> {
    return this.run('reading a status list', (db) => this.statusList(db, id));
  }

  reserveStatusIndex(options: { listId: string; credentialId: string; random?: RandomIndex }): Promise<number> {
    const reserve = { listId: options.listId, credentialId: options.credentialId, random: options.random ?? cryptoRandomIndex };
    return this.issuanceWrites.submit({ reserve }) as Promise<number>;
  }

  reserveStatusIndexes(options: { listId: string; holder: string; count: number }): Promise<number[]> {
    const writer = this.sqlDialect.issuanceWriter?.();
    if (writer !== undefined) {
      // SQLite on a file: the writer thread draws and inserts the block and commits it, while
      // this process's other transactions wait for the connection as they do for its groups.
      const request = { listId: options.listId, holder: options.holder, count: options.count, createdAt: this.clock().toISOString(), maxDraws: MAX_INDEX_DRAWS };
      return this.run('reserving status indexes', () => writer.reserve(request));
    }
    const reserve = { listId: options.listId, credentialId: options.holder, random: cryptoRandomIndex };
    // Its own transaction rather than a place in the issuance group: a block is drawn once per
    // `count` issuances, and its rows would crowd the group's statement.
    return this.transaction('reserving status indexes', (trx) => this.writeReservations(trx, Array.from({ length: options.count }, () => reserve)));
  }

  /** Reservations first (none of them is for a credential recorded in the same group: it is signed in between). */
  private async writeIssuanceGroup(trx: Db, items: IssuanceWrite[]): Promise<(number | { auditEntry: AuditEntry })[]> {
    const results: (number | { auditEntry: AuditEntry })[] = [];
    const reserveAt: number[] = [];
    const recordAt: number[] = [];
    items.forEach((item, i) => (item.reserve !== undefined ? reserveAt : recordAt).push(i));
    if (reserveAt.length > 0) {
      const indexes = await this.writeReservations(trx, reserveAt.map((i) => items[i]!.reserve!));
      reserveAt.forEach((i, k) => (results[i] = indexes[k]!));
    }
    if (recordAt.length > 0) {
      const recorded = await this.writeIssuances(trx, recordAt.map((i) => items[i]!.record!));
      recordAt.forEach((i, k) => (results[i] = recorded[k]!));
    }
    return results;
  }

  /**
   * Draws an index for every reservation and inserts them in one statement; the (list, index)
   * primary key arbitrates between replicas, and those that collided draw again.
   */
  private async writeReservations(trx: Db, items: Reservation[]): Promise<number[]> {
    const unknown = [...new Set(items.map((r) => r.listId).filter((id) => !this.listSizes.has(id)))];
    if (unknown.length > 0) {
      for (const row of await trx.selectFrom('status_lists').select(['id', 'size']).where('id', 'in', unknown).execute()) this.listSizes.set(row.id, row.size);
    }
    const results: (number | undefined)[] = items.map(() => undefined);
    const createdAt = this.clock().toISOString();
    for (let draw = 0; draw < MAX_INDEX_DRAWS; draw++) {
      const drawn = new Map<string, number>();
      const rows: { list_id: string; idx: number; credential_id: string; created_at: string }[] = [];
      items.forEach((r, i) => {
        if (results[i] !== undefined) return;
        const size = this.listSizes.get(r.listId);
        if (size === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${r.listId}`);
        const index = r.random(size);
        if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
          throw new GxTrustError('INVALID_INPUT', `Status index ${index} is outside list ${r.listId} (size ${size})`);
        }
        // Two members of the group drawing the same index: the later one draws again.
        const key = `${r.listId}\u0000${index}`;
        if (drawn.has(key)) return;
        drawn.set(key, i);
        rows.push({ list_id: r.listId, idx: index, credential_id: r.credentialId, created_at: createdAt });
      });
      if (rows.length > 0) {
        const inserted = await trx
          .insertInto('status_allocations')
          .values(rows)
          .onConflict((oc) => oc.columns(['list_id', 'idx']).doNothing())
          .returning(['list_id', 'idx'])
          .execute();
        for (const row of inserted) results[drawn.get(`${row.list_id}\u0000${row.idx}`)!] = row.idx;
      }
      if (results.every((r) => r !== undefined)) return results as number[];
    }
    const full = items.find((_, i) => results[i] === undefined)!;
    throw new GxTrustError('INTERNAL', `Status list ${full.listId} has no free index after ${MAX_INDEX_DRAWS} draws`, { hint: 'Start a new status list' });
  }

  getAllocation(listId: string, index: number): Promise<StatusAllocation | undefined> {
    return this.run('reading a status allocation', async (db) => {
      const row = await db
        .selectFrom('status_allocations')
        .select(['list_id', 'idx', 'credential_id'])
        .where('list_id', '=', listId)
        .where('idx', '=', index)
        .executeTakeFirst();
      return row === undefined ? undefined : { listId: row.list_id, index: Number(row.idx), credentialId: row.credential_id };
    });
  }

  /**
   * Sets or clears bits in the caller's transaction, each list's version going up by one per
   * change, and returns the lists' new versions. Lists are locked in id order (PostgreSQL: NO KEY
   * UPDATE, which does not conflict with the KEY SHARE lock an allocation's foreign key takes, so
   * revocations and issuances on one list do not wait for each other), and before the audit head,
   * as every writer takes them: two transactions never wait for each other's locks in turn.
   */
  private async applyBitChanges(trx: Db, changes: readonly StatusBitChange[], expected: readonly StatusExpectation[] = []): Promise<Map<string, number>> {
    const byList = new Map<string, StatusBitChange[]>();
    for (const change of changes) byList.set(change.listId, [...(byList.get(change.listId) ?? []), change]);
    // A list only read for an expectation is locked all the same, in the same id order.
    for (const e of expected) if (!byList.has(e.listId)) byList.set(e.listId, []);
    const versions = new Map<string, number>();
    for (const listId of [...byList.keys()].sort()) {
      const listChanges = byList.get(listId)!;
      const list = await this.statusList(trx, listId, true);
      if (list === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${listId}`);
      this.checkExpected(list, expected);
      if (listChanges.length === 0) continue;
      const allocated = new Set(
        (
          await trx
            .selectFrom('status_allocations')
            .select('idx')
            .where('list_id', '=', list.id)
            .where('idx', 'in', listChanges.map((c) => c.index))
            .execute()
        ).map((r) => Number(r.idx)),
      );
      for (const change of listChanges) {
        this.codecs.setStatusBit(list, change.index, change.value);
        if (!allocated.has(change.index)) throw new GxTrustError('NOT_FOUND', `Index ${change.index} of list ${list.id} was never allocated`);
      }
      const version = list.version + listChanges.length;
      await trx
        .updateTable('status_lists')
        .set({ bits: Buffer.from(list.bits), version, updated_at: this.clock().toISOString() })
        .where('id', '=', list.id)
        .execute();
      versions.set(list.id, version);
    }
    return versions;
  }

  /**
   * Compare-and-set: the caller decided its change from values it read before this transaction;
   * under the list's lock, an entry that holds another value now means a concurrent change won.
   */
  private checkExpected(list: StatusListRecord, expected: readonly StatusExpectation[]): void {
    for (const e of expected) {
      if (e.listId !== list.id) continue;
      const now = this.codecs.statusValue(list, e.index);
      if (now !== Number(e.value)) {
        throw new GxTrustError('CONFLICT', `entry ${e.index} of status list ${list.id} changed concurrently: it holds 0x${now.toString(16)}, this change was decided from 0x${Number(e.value).toString(16)}`, {
          hint: 'Another status change won; read the credential\'s status and send the request again if it still applies',
        });
      }
    }
  }

  /** Marks credentials as replaced by `by` (an onboarding again), unless something replaced them already. */
  private async markSuperseded(trx: Db, ids: readonly string[], by: string): Promise<void> {
    if (ids.length === 0) return;
    await trx.updateTable('credential_records').set({ superseded_by: by }).where('credential_id', 'in', [...ids]).where('superseded_by', 'is', null).execute();
  }

  setStatusBit(options: StatusBitChange): Promise<{ version: number; auditEntry: AuditEntry }> {
    return this.transaction('changing a status bit', async (trx) => {
      const versions = await this.applyBitChanges(trx, [options]);
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { version: versions.get(options.listId)!, auditEntry: auditEntry! };
    });
  }

  setStatusBits(options: { changes: readonly StatusBitChange[]; supersede?: { ids: readonly string[]; by: string }; expected?: readonly StatusExpectation[] }): Promise<{ auditEntries: AuditEntry[] }> {
    return this.transaction('changing status bits', async (trx) => {
      await this.applyBitChanges(trx, options.changes, options.expected);
      if (options.supersede !== undefined) await this.markSuperseded(trx, options.supersede.ids, options.supersede.by);
      return { auditEntries: await this.appendInTransaction(trx, options.changes.map((c) => c.audit)) };
    });
  }

  // Credentials -----------------------------------------------------------------------------------

  recordIssuance(issuance: IssuanceRecord): Promise<{ auditEntry: AuditEntry }> {
    return this.issuanceWrites.submit({ record: issuance }) as Promise<{ auditEntry: AuditEntry }>;
  }

  /**
   * A group of issuances in the caller's transaction, a few statements for all of them: the
   * credentials, their allocations (confirming each credential's reservation or making it now;
   * an index held by another credential is never taken over), their audit entries in order, and
   * the idempotency keys they complete. Anything unexpected throws, and the group is rolled back.
   * Each credential gets its record row (owner, visibility, series); an onboarding again revokes
   * the set it replaces and marks it superseded, its bit entries following its issuance entry.
   */
  private async writeIssuances(trx: Db, items: IssuanceRecord[]): Promise<{ auditEntry: AuditEntry }[]> {
    const createdAt = this.clock().toISOString();
    for (const { credential, allocations } of items) {
      for (const a of allocations) {
        if (a.credentialId !== credential.id) throw new GxTrustError('INTERNAL', `Allocation ${a.listId}#${a.index} names another credential`);
      }
    }
    const inserted = await trx
      .insertInto('issued_credentials')
      .values(
        items.map(({ credential: c }) => ({
          id: c.id,
          types: JSON.stringify(c.types),
          subject: c.subject,
          issuer: c.issuer,
          format: c.format,
          digest: c.digest,
          status_entries: JSON.stringify(c.statusEntries),
          issued_by: c.issuedBy,
          created_at: createdAt,
          credential: c.credential,
        })),
      )
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .execute();
    if (inserted.length !== items.length) {
      const stored = new Set(inserted.map((r) => r.id));
      const taken = items.find((i) => !stored.has(i.credential.id)) ?? items[0]!;
      throw new GxTrustError('CONFLICT', `Credential ${taken.credential.id} is already recorded`);
    }
    const allocations = items.flatMap((i) => i.allocations);
    const holders = [...new Set(allocations.flatMap((a) => (a.reservedAs === undefined ? [] : [a.reservedAs])))];
    if (allocations.length > 0) {
      const confirmed = await trx
        .insertInto('status_allocations')
        .values(allocations.map((a) => ({ list_id: a.listId, idx: a.index, credential_id: a.credentialId, created_at: createdAt })))
        .onConflict((oc) =>
          oc
            .columns(['list_id', 'idx'])
            .doUpdateSet({ credential_id: (eb) => eb.ref('excluded.credential_id') })
            // The credential's own reservation, or one of a block its allocator holds: never an
            // index another credential or another replica's block holds.
            .where((eb) =>
              holders.length === 0
                ? eb('status_allocations.credential_id', '=', eb.ref('excluded.credential_id'))
                : eb.or([eb('status_allocations.credential_id', '=', eb.ref('excluded.credential_id')), eb('status_allocations.credential_id', 'in', holders)]),
            ),
        )
        .returning(['list_id', 'idx'])
        .execute();
      if (confirmed.length !== allocations.length) {
        const done = new Set(confirmed.map((r) => `${r.list_id}\u0000${r.idx}`));
        const a = allocations.find((x) => !done.has(`${x.listId}\u0000${x.index}`)) ?? allocations[0]!;
        throw new GxTrustError('CONFLICT', `Status index ${a.index} of list ${a.listId} belongs to another credential`);
      }
    }
    await trx
      .insertInto('credential_records')
      .values(
        items.map(({ credential, metadata }) => ({
          credential_id: credential.id,
          owner_member_id: metadata?.ownerMemberId ?? null,
          visibility: metadata?.visibility ?? 'private',
          series: metadata?.series ?? null,
          superseded_by: null,
        })),
      )
      .execute();
    const superseding = items.filter((i) => i.supersede !== undefined);
    if (superseding.length > 0) {
      await this.applyBitChanges(trx, superseding.flatMap((i) => i.supersede!.changes));
      for (const { credential, supersede } of superseding) await this.markSuperseded(trx, supersede!.ids, credential.id);
    }
    for (const { idempotency } of items) if (idempotency !== undefined) await this.complete(trx, idempotency.key, idempotency.response);
    const entries = await this.appendInTransaction(
      trx,
      items.flatMap((i) => [i.audit, ...(i.supersede?.changes ?? []).map((c) => c.audit)]),
    );
    this.groupHead = entries[entries.length - 1];
    // Each issuance's own entry comes first among its entries.
    const results: { auditEntry: AuditEntry }[] = [];
    let at = 0;
    for (const item of items) {
      results.push({ auditEntry: entries[at]! });
      at += 1 + (item.supersede?.changes.length ?? 0);
    }
    return results;
  }

  getCredential(id: string): Promise<CredentialRecord | undefined> {
    return this.run('reading a credential', async (db) => {
      const row = await db.selectFrom('issued_credentials').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toCredential(row);
    });
  }

  credentialMetadata(id: string): Promise<CredentialMetadata | undefined> {
    return this.run('reading credential metadata', async (db) => {
      const row = await db.selectFrom('credential_records').selectAll().where('credential_id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toMetadata(row);
    });
  }

  listCredentials(query: CredentialQuery): Promise<StoredCredential[]> {
    return this.run('listing credentials', async (db) => {
      let select = db
        .selectFrom('issued_credentials as c')
        .innerJoin('credential_records as r', 'r.credential_id', 'c.id')
        .selectAll('c')
        .select(['r.owner_member_id', 'r.visibility', 'r.series', 'r.superseded_by'])
        .where('r.owner_member_id', '=', query.ownerMemberId);
      if (query.type !== undefined) select = select.where(this.sqlDialect.jsonArrayIncludes(sql.ref('c.types'), query.type));
      if (query.issuedAfter !== undefined) select = select.where('c.created_at', '>', query.issuedAfter);
      if (query.issuedBefore !== undefined) select = select.where('c.created_at', '<', query.issuedBefore);
      const after = query.after;
      if (after !== undefined) {
        // (created_at, id) < (after.createdAt, after.id), spelt out: the next page starts below the last row.
        select = select.where((eb) =>
          eb.or([eb('c.created_at', '<', after.createdAt), eb.and([eb('c.created_at', '=', after.createdAt), eb('c.id', '<', after.id)])]),
        );
      }
      const rows = await select.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(query.limit).execute();
      return rows.map((row) => ({ ...toCredential(row), metadata: toMetadata(row) }));
    });
  }

  setCredentialVisibility(options: { id: string; visibility: CredentialVisibility; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    return this.transaction("changing a credential's visibility", async (trx) => {
      const changed = await trx.updateTable('credential_records').set({ visibility: options.visibility }).where('credential_id', '=', options.id).executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) throw new GxTrustError('NOT_FOUND', `No credential ${options.id}`);
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  seriesCredentials(series: string): Promise<CredentialRecord[]> {
    return this.run('reading a credential series', async (db) =>
      (
        await db
          .selectFrom('issued_credentials as c')
          .innerJoin('credential_records as r', 'r.credential_id', 'c.id')
          .selectAll('c')
          .where('r.series', '=', series)
          .where('r.superseded_by', 'is', null)
          .orderBy('c.created_at')
          .orderBy('c.id')
          .execute()
      ).map(toCredential),
    );
  }

  credentialsOfDid(did: string, options: { limit?: number } = {}): Promise<CredentialRecord[]> {
    // `did#...` as the range ['did#', 'did$'): '$' follows '#', so the subject index serves it and
    // a DID that only starts the same (`did-other`, `did:sub`) is not in it.
    return this.run("reading a DID's credentials", async (db) =>
      (
        await db
          .selectFrom('issued_credentials')
          .selectAll()
          .where((eb) => eb.or([eb('subject', '=', did), eb.and([eb('subject', '>=', `${did}#`), eb('subject', '<', `${did}$`)]), eb('issuer', '=', did)]))
          .orderBy('created_at', 'desc')
          .orderBy('id', 'desc')
          .limit(options.limit ?? DEFAULT_CREDENTIALS_OF_DID_LIMIT)
          .execute()
      ).map(toCredential),
    );
  }

  // Compliance decisions --------------------------------------------------------------------------

  recordDecision(options: {
    id: string;
    decision: Record<string, unknown>;
    audit: AuditEntryInput;
    coverage?: readonly LabelCoverage[];
  }): Promise<{ auditEntry: AuditEntry }> {
    return this.transaction('recording a compliance decision', async (trx) => {
      await trx
        .insertInto('compliance_decisions')
        .values({ id: options.id, decision: JSON.stringify(options.decision), created_at: this.clock().toISOString() })
        .execute();
      if (options.coverage !== undefined && options.coverage.length > 0) {
        await trx
          .insertInto('label_coverage')
          .values(options.coverage.map((c) => ({ label_id: c.labelId, credential_id: c.credentialId, digest_sri: c.digestSRI })))
          .onConflict((oc) => oc.doNothing())
          .execute();
      }
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  getDecision(id: string): Promise<ComplianceDecisionRecord | undefined> {
    return this.run('reading a compliance decision', async (db) => {
      const row = await db.selectFrom('compliance_decisions').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : { id: row.id, decision: read.json<Record<string, unknown>>(row.decision), createdAt: read.iso(row.created_at) };
    });
  }

  // Label coverage --------------------------------------------------------------------------------

  labelsCovering(credentialId: string): Promise<LabelCoverage[]> {
    return this.run('reading label coverage', async (db) =>
      (await db.selectFrom('label_coverage').selectAll().where('credential_id', '=', credentialId).orderBy('label_id').execute()).map(toCoverage),
    );
  }

  labelCoverage(labelId: string): Promise<LabelCoverage[]> {
    return this.run('reading label coverage', async (db) =>
      (await db.selectFrom('label_coverage').selectAll().where('label_id', '=', labelId).orderBy('credential_id').execute()).map(toCoverage),
    );
  }

  // Idempotency keys ------------------------------------------------------------------------------

  beginIdempotent(key: string, requestDigest: string, options: { inFlightTimeoutMs?: number } = {}): Promise<IdempotencyBegin> {
    return this.transaction('claiming an idempotency key', async (trx): Promise<IdempotencyBegin> => {
      const now = this.clock();
      const inserted = await trx
        .insertInto('idempotency_keys')
        .values({ key, request_digest: requestDigest, state: 'in-flight', response: null, created_at: now.toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return 'new';
      // One UPDATE decides between two retries racing for a stale key: only one sees a row change.
      const staleBefore = new Date(now.getTime() - (options.inFlightTimeoutMs ?? IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS));
      const takenOver = await trx
        .updateTable('idempotency_keys')
        .set({ created_at: now.toISOString() })
        .where('key', '=', key)
        .where('request_digest', '=', requestDigest)
        .where('state', '=', 'in-flight')
        .where('created_at', '<', staleBefore.toISOString())
        .executeTakeFirst();
      if (Number(takenOver.numUpdatedRows) === 1) return 'new';
      const row = await trx.selectFrom('idempotency_keys').select(['request_digest', 'state', 'response']).where('key', '=', key).executeTakeFirst();
      // Abandoned between our insert and select: the caller may retry and win the key.
      if (row === undefined) return { state: 'in-flight' };
      if (row.request_digest !== requestDigest) return 'mismatch';
      if (row.state === 'done' && row.response !== null) return { state: 'done', response: row.response };
      return { state: 'in-flight' };
    });
  }

  private async complete(db: Db, key: string, response: string): Promise<void> {
    const done = await db
      .updateTable('idempotency_keys')
      .set({ state: 'done', response })
      .where('key', '=', key)
      .where('state', '=', 'in-flight')
      .executeTakeFirst();
    if (Number(done.numUpdatedRows) !== 1) throw new GxTrustError('INTERNAL', `Idempotency key ${key} is not in flight`);
  }

  completeIdempotent(key: string, response: string): Promise<void> {
    return this.run('completing an idempotency key', (db) => this.complete(db, key, response));
  }

  abandonIdempotent(key: string): Promise<void> {
    return this.run('releasing an idempotency key', async (db) => {
      await db.deleteFrom('idempotency_keys').where('key', '=', key).where('state', '=', 'in-flight').execute();
    });
  }

  // Members, their keys and API keys --------------------------------------------------------------

  private async insertMemberKeys(trx: Db, keys: readonly MemberKeyRecord[]): Promise<void> {
    if (keys.length === 0) return;
    await trx
      .insertInto('member_keys')
      .values(
        keys.map((k) => ({
          id: k.id,
          member_id: k.memberId,
          kind: k.kind,
          method_type: k.methodType,
          public_key: JSON.stringify(k.publicKey),
          sealed_private_key: k.sealedPrivateKey,
          state: k.state,
          created_at: k.createdAt,
          retired_at: k.retiredAt,
          signed_until: k.signedUntil,
          signed_unbounded: this.sqlDialect.bool(k.signedUnbounded),
        })),
      )
      .execute();
  }

  createMember(options: { member: MemberRecord; keys: readonly MemberKeyRecord[]; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const m = options.member;
    return this.transaction('creating a member', async (trx) => {
      const inserted = await trx
        .insertInto('members')
        .values({ id: m.id, slug: m.slug, name: m.name, did: m.did, custody: m.custody, created_at: m.createdAt })
        .onConflict((oc) => oc.doNothing())
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0) !== 1) throw new GxTrustError('CONFLICT', `a member with slug ${m.slug} exists already`, { pointer: '/slug' });
      await this.insertMemberKeys(trx, options.keys);
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  getMember(id: string): Promise<MemberRecord | undefined> {
    return this.run('reading a member', async (db) => toMember(await db.selectFrom('members').selectAll().where('id', '=', id).executeTakeFirst()));
  }

  getMemberBySlug(slug: string): Promise<MemberRecord | undefined> {
    return this.run('reading a member', async (db) => toMember(await db.selectFrom('members').selectAll().where('slug', '=', slug).executeTakeFirst()));
  }

  listMembers(): Promise<MemberRecord[]> {
    return this.run('listing members', async (db) =>
      (await db.selectFrom('members').selectAll().orderBy('created_at').orderBy('slug').execute()).map((row) => toMember(row)!),
    );
  }

  memberKeys(memberId: string): Promise<MemberKeyRecord[]> {
    return this.run('reading member keys', async (db) =>
      (await db.selectFrom('member_keys').selectAll().where('member_id', '=', memberId).orderBy('created_at').orderBy('id').execute()).map(toMemberKey),
    );
  }

  memberKeysVersion(memberId: string): Promise<string> {
    return this.run('reading the member keys version', async (db) => {
      const row = await db
        .selectFrom('member_keys')
        .select([
          (eb) => eb.fn.countAll<string | number>().as('methods'),
          sql<string | number | null>`sum(CASE state WHEN 'active' THEN 0 WHEN 'retired' THEN 1 ELSE 2 END)`.as('progress'),
          (eb) => eb.fn.sum<string | number | null>('revision').as('revisions'),
        ])
        .where('member_id', '=', memberId)
        .executeTakeFirst();
      return `${Number(row?.methods ?? 0)}:${Number(row?.progress ?? 0)}:${Number(row?.revisions ?? 0)}`;
    });
  }

  rotateMemberKeys(options: {
    memberId: string;
    newKeys: readonly MemberKeyRecord[];
    previous: 'retire' | 'remove';
    at: string;
    audit: AuditEntryInput;
  }): Promise<{ previous: string[]; auditEntry: AuditEntry }> {
    return this.transaction('rotating member keys', async (trx) => {
      // Row locks on the active keys (PostgreSQL): a concurrent reserveMemberKeyUse either lands
      // before (and its validUntil is part of signed_until) or finds no active key and reads the new one.
      const previous = (
        await trx
          .updateTable('member_keys')
          .set({ state: options.previous === 'retire' ? 'retired' : 'removed', retired_at: options.at })
          .where('member_id', '=', options.memberId)
          .where('state', '=', 'active')
          .returning('id')
          .execute()
      ).map((r) => r.id);
      if (options.previous === 'remove') {
        await trx.updateTable('member_keys').set({ state: 'removed' }).where('member_id', '=', options.memberId).where('state', '=', 'retired').execute();
        await trx
          .updateTable('status_lists')
          .set((eb) => ({ version: eb('version', '+', 1) as never, updated_at: options.at }))
          .where('issuer', '=', (eb) => eb.selectFrom('members').select('did').where('id', '=', options.memberId))
          .execute();
      }
      await this.insertMemberKeys(trx, options.newKeys);
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { previous, auditEntry: auditEntry! };
    });
  }

  reserveMemberKeyUse(options: { memberId: string; kind: string; validUntil: string | null }): Promise<MemberKeyRecord | undefined> {
    const until = sql<string | null>`CAST(${options.validUntil} AS TEXT)`;
    return this.run('reserving a member key', async (db) => {
      const row = await db
        .updateTable('member_keys')
        .set({
          signed_until: sql`CASE WHEN ${until} IS NULL THEN signed_until WHEN signed_until IS NULL OR signed_until < ${until} THEN ${until} ELSE signed_until END`,
          signed_unbounded: sql`CASE WHEN ${until} IS NULL THEN ${this.sqlDialect.bool(true)} ELSE signed_unbounded END`,
        })
        .where('member_id', '=', options.memberId)
        .where('kind', '=', options.kind)
        .where('state', '=', 'active')
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? undefined : toMemberKey(row);
    });
  }

  activeMemberKey(memberId: string, kind: string): Promise<MemberKeyRecord | undefined> {
    return this.run('reading a member key', async (db) => {
      const row = await db
        .selectFrom('member_keys')
        .selectAll()
        .where('member_id', '=', memberId)
        .where('kind', '=', kind)
        .where('state', '=', 'active')
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? undefined : toMemberKey(row);
    });
  }

  replaceMemberKeyPublicKey(options: { memberId: string; keyId: string; publicKey: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean> {
    return this.transaction("replacing a member key's public part", async (trx) => {
      const changed = await trx
        .updateTable('member_keys')
        .set((eb) => ({ public_key: JSON.stringify(options.publicKey), revision: eb('revision', '+', 1) }))
        .where('id', '=', options.keyId)
        .where('member_id', '=', options.memberId)
        .where('state', '=', 'active')
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) return false;
      await this.appendInTransaction(trx, [options.audit]);
      return true;
    });
  }

  createApiKey(options: { apiKey: ApiKeyRecord; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const k = options.apiKey;
    return this.transaction('creating an API key', async (trx) => {
      await trx
        .insertInto('api_keys')
        .values({ id: k.id, member_id: k.memberId, role: k.role, key_hash: k.hash, created_at: k.createdAt, revoked_at: k.revokedAt })
        .execute();
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    return this.run('reading an API key', async (db) => {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).executeTakeFirst();
      return row === undefined ? undefined : toApiKey(row);
    });
  }

  listApiKeys(memberId: string): Promise<ApiKeyRecord[]> {
    return this.run('listing API keys', async (db) =>
      (await db.selectFrom('api_keys').selectAll().where('member_id', '=', memberId).orderBy('created_at').orderBy('id').execute()).map(toApiKey),
    );
  }

  revokeApiKey(options: { memberId: string; keyId: string; at: string; audit: AuditEntryInput }): Promise<boolean> {
    return this.transaction('revoking an API key', async (trx) => {
      const changed = await trx
        .updateTable('api_keys')
        .set({ revoked_at: options.at })
        .where('id', '=', options.keyId)
        .where('member_id', '=', options.memberId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) return false;
      await this.appendInTransaction(trx, [options.audit]);
      return true;
    });
  }

  // Wallets (OpenID4VCI) -------------------------------------------------------------------------

  createCredentialOffer(options: { offer: Omit<CredentialOfferRecord, 'txCodeFailures'>; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const o = options.offer;
    return this.transaction('creating a credential offer', async (trx) => {
      await trx
        .insertInto('credential_offers')
        .values({
          id: o.id,
          member_id: o.memberId,
          code_hash: o.codeHash,
          tx_code_hash: o.txCodeHash,
          credentials: JSON.stringify(o.credentials),
          created_by: o.createdBy,
          created_by_role: o.createdByRole,
          created_at: o.createdAt,
          expires_at: o.expiresAt,
          redeemed_at: o.redeemedAt,
          deferred_configurations: o.deferred === null ? null : JSON.stringify(o.deferred.configurationIds),
          review_state: o.deferred?.state ?? null,
          review_reason: o.deferred?.reason ?? null,
        })
        .execute();
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  credentialOfferByCode(codeHash: string): Promise<CredentialOfferRecord | undefined> {
    return this.run('reading a credential offer', async (db) => {
      const row = await db.selectFrom('credential_offers').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
      return row === undefined ? undefined : toCredentialOffer(row);
    });
  }

  getCredentialOffer(id: string): Promise<CredentialOfferRecord | undefined> {
    return this.run('reading a credential offer', async (db) => {
      const row = await db.selectFrom('credential_offers').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toCredentialOffer(row);
    });
  }

  countTxCodeFailure(id: string): Promise<number> {
    return this.run('counting a wrong transaction code', async (db) => {
      await db.updateTable('credential_offers').set((eb) => ({ tx_code_failures: eb('tx_code_failures', '+', 1) })).where('id', '=', id).execute();
      const row = await db.selectFrom('credential_offers').select('tx_code_failures').where('id', '=', id).executeTakeFirst();
      return row === undefined ? 0 : read.int(row.tx_code_failures);
    });
  }

  redeemCredentialOffer(options: { id: string; at: string }): Promise<boolean> {
    return this.run('redeeming a credential offer', async (db) => {
      // The conditional update is the arbiter: of two replicas redeeming at once, one changes the row.
      const changed = await db.updateTable('credential_offers').set({ redeemed_at: options.at }).where('id', '=', options.id).where('redeemed_at', 'is', null).executeTakeFirst();
      return Number(changed.numUpdatedRows) === 1;
    });
  }

  putWalletNonce(options: { nonce: string; expiresAt: string }): Promise<void> {
    return this.run('storing a nonce', async (db) => {
      await db.insertInto('wallet_nonces').values({ nonce: options.nonce, expires_at: options.expiresAt }).execute();
    });
  }

  consumeWalletNonce(options: { nonce: string; at: string }): Promise<boolean> {
    return this.run('using a nonce', async (db) => {
      // Nonces nobody returns are removed by the periodic sweep (sweepWallets), not on this path.
      const row = await db.deleteFrom('wallet_nonces').where('nonce', '=', options.nonce).returning('expires_at').executeTakeFirst();
      return row !== undefined && read.iso(row.expires_at) > options.at;
    });
  }

  decideDeferredOffer(options: {
    id: string;
    decision: { state: 'approved'; credentials: readonly OfferedCredential[] } | { state: 'refused'; reason: string };
    audit: AuditEntryInput;
  }): Promise<boolean> {
    const { decision } = options;
    return this.transaction('deciding a deferred credential offer', async (trx) => {
      // The conditional update decides between two admins (or replicas) deciding at once.
      const changed = await trx
        .updateTable('credential_offers')
        .set({
          review_state: decision.state,
          review_reason: decision.state === 'refused' ? decision.reason : null,
          ...(decision.state === 'approved' ? { credentials: JSON.stringify(decision.credentials) } : {}),
        })
        .where('id', '=', options.id)
        .where('review_state', '=', 'pending')
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) return false;
      await this.appendInTransaction(trx, [options.audit]);
      return true;
    });
  }

  // Wallets (OpenID4VP) --------------------------------------------------------------------------

  createPresentationRequest(options: { request: Omit<PresentationRequestRecord, 'answeredAt' | 'outcome' | 'result'>; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }> {
    const r = options.request;
    return this.transaction('creating a presentation request', async (trx) => {
      await trx
        .insertInto('presentation_requests')
        .values({
          id: r.id,
          created_by: r.createdBy,
          created_by_role: r.createdByRole,
          client_id: r.clientId,
          nonce: r.nonce,
          state_hash: r.stateHash,
          dcql_query: JSON.stringify(r.dcqlQuery),
          created_at: r.createdAt,
          expires_at: r.expiresAt,
          answered_at: null,
          outcome: null,
          result: null,
        })
        .execute();
      const [auditEntry] = await this.appendInTransaction(trx, [options.audit]);
      return { auditEntry: auditEntry! };
    });
  }

  getPresentationRequest(id: string): Promise<PresentationRequestRecord | undefined> {
    return this.run('reading a presentation request', async (db) => {
      const row = await db.selectFrom('presentation_requests').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toPresentationRequest(row);
    });
  }

  closePresentationRequest(options: { id: string; at: string; outcome: PresentationOutcome; result: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean> {
    return this.transaction('closing a presentation request', async (trx) => {
      // The conditional update is the arbiter: of two responses (two replicas) one closes the request.
      const changed = await trx
        .updateTable('presentation_requests')
        .set({ answered_at: options.at, outcome: options.outcome, result: JSON.stringify(options.result) })
        .where('id', '=', options.id)
        .where('answered_at', 'is', null)
        .executeTakeFirst();
      if (Number(changed.numUpdatedRows) !== 1) return false;
      await this.appendInTransaction(trx, [options.audit]);
      return true;
    });
  }

  createWalletTransaction(t: WalletTransactionRecord): Promise<void> {
    return this.run('storing a deferred issuance transaction', async (db) => {
      await db
        .insertInto('wallet_transactions')
        .values({
          transaction_hash: t.transactionHash,
          offer_id: t.offerId,
          configuration_id: t.configurationId,
          bindings: JSON.stringify(t.bindings),
          created_at: t.createdAt,
          expires_at: t.expiresAt,
        })
        .execute();
    });
  }

  walletTransaction(transactionHash: string): Promise<WalletTransactionRecord | undefined> {
    return this.run('reading a deferred issuance transaction', async (db) => {
      const row = await db.selectFrom('wallet_transactions').selectAll().where('transaction_hash', '=', transactionHash).executeTakeFirst();
      if (row === undefined) return undefined;
      return {
        transactionHash: row.transaction_hash,
        offerId: row.offer_id,
        configurationId: row.configuration_id,
        bindings: read.json<string[]>(row.bindings),
        createdAt: read.iso(row.created_at),
        expiresAt: read.iso(row.expires_at),
      };
    });
  }

  consumeWalletTransaction(transactionHash: string): Promise<boolean> {
    return this.run('completing a deferred issuance transaction', async (db) => {
      const changed = await db.deleteFrom('wallet_transactions').where('transaction_hash', '=', transactionHash).executeTakeFirst();
      return Number(changed.numDeletedRows) === 1;
    });
  }

  sweepWallets(options: { at: string }): Promise<WalletSweep> {
    return this.run('sweeping expired wallet state', async (db) => {
      const nonces = await db.deleteFrom('wallet_nonces').where('expires_at', '<', options.at).executeTakeFirst();
      const transactions = await db.deleteFrom('wallet_transactions').where('expires_at', '<', options.at).executeTakeFirst();
      // An offer past its code's expiry stays while a transaction of its wallet waits on it.
      const offers = await db
        .deleteFrom('credential_offers')
        .where('expires_at', '<', options.at)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('wallet_transactions').select('transaction_hash').whereRef('wallet_transactions.offer_id', '=', 'credential_offers.id'))))
        .executeTakeFirst();
      return { offers: Number(offers.numDeletedRows), nonces: Number(nonces.numDeletedRows), transactions: Number(transactions.numDeletedRows) };
    });
  }
}

function toPresentationRequest(row: {
  id: string;
  created_by: string;
  created_by_role: string;
  client_id: string;
  nonce: string;
  state_hash: string;
  dcql_query: unknown;
  created_at: string | Date;
  expires_at: string | Date;
  answered_at: string | Date | null;
  outcome: string | null;
  result: unknown;
}): PresentationRequestRecord {
  return {
    id: row.id,
    createdBy: row.created_by,
    createdByRole: row.created_by_role,
    clientId: row.client_id,
    nonce: row.nonce,
    stateHash: row.state_hash,
    dcqlQuery: read.json<Record<string, unknown>>(row.dcql_query),
    createdAt: read.iso(row.created_at),
    expiresAt: read.iso(row.expires_at),
    answeredAt: read.isoOrNull(row.answered_at),
    outcome: row.outcome as PresentationOutcome | null,
    result: row.result === null ? null : read.json<Record<string, unknown>>(row.result),
  };
}

function toCredential(row: {
  id: string;
  types: unknown;
  subject: string | null;
  issuer: string;
  format: string;
  digest: string;
  status_entries: unknown;
  issued_by: string;
  created_at: string | Date;
  credential: string;
}): CredentialRecord {
  return {
    id: row.id,
    types: read.json<string[]>(row.types),
    subject: row.subject,
    issuer: row.issuer,
    format: row.format,
    digest: row.digest,
    statusEntries: read.json<CredentialRecord['statusEntries']>(row.status_entries),
    issuedBy: row.issued_by,
    createdAt: read.iso(row.created_at),
    credential: row.credential,
  };
}

function toMetadata(row: { owner_member_id: string | null; visibility: string; series: string | null; superseded_by: string | null }): CredentialMetadata {
  return { ownerMemberId: row.owner_member_id, visibility: row.visibility as CredentialVisibility, series: row.series, supersededBy: row.superseded_by };
}

function toCoverage(row: { label_id: string; credential_id: string; digest_sri: string }): LabelCoverage {
  return { labelId: row.label_id, credentialId: row.credential_id, digestSRI: row.digest_sri };
}

function toMember(row: { id: string; slug: string; name: string; did: string; custody: string; created_at: string | Date } | undefined): MemberRecord | undefined {
  if (row === undefined) return undefined;
  return { id: row.id, slug: row.slug, name: row.name, did: row.did, custody: row.custody as MemberRecord['custody'], createdAt: read.iso(row.created_at) };
}

function toMemberKey(row: {
  id: string;
  member_id: string;
  kind: string;
  method_type: string;
  public_key: unknown;
  sealed_private_key: string | null;
  state: string;
  created_at: string | Date;
  retired_at: string | Date | null;
  signed_until: string | null;
  signed_unbounded: boolean | number;
}): MemberKeyRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    kind: row.kind,
    methodType: row.method_type,
    publicKey: read.json<Record<string, unknown>>(row.public_key),
    sealedPrivateKey: row.sealed_private_key,
    state: row.state as MemberKeyRecord['state'],
    createdAt: read.iso(row.created_at),
    retiredAt: read.isoOrNull(row.retired_at),
    signedUntil: row.signed_until,
    signedUnbounded: read.bool(row.signed_unbounded),
  };
}

function toApiKey(row: { id: string; member_id: string; role: string; key_hash: string; created_at: string | Date; revoked_at: string | Date | null }): ApiKeyRecord {
  return { id: row.id, memberId: row.member_id, role: row.role, hash: row.key_hash, createdAt: read.iso(row.created_at), revokedAt: read.isoOrNull(row.revoked_at) };
}

function toCredentialOffer(row: {
  id: string;
  member_id: string;
  code_hash: string;
  tx_code_hash: string | null;
  tx_code_failures: number | string;
  credentials: unknown;
  created_by: string;
  created_by_role: string;
  created_at: string | Date;
  expires_at: string | Date;
  redeemed_at: string | Date | null;
  deferred_configurations: unknown;
  review_state: string | null;
  review_reason: string | null;
}): CredentialOfferRecord {
  return {
    id: row.id,
    memberId: row.member_id,
    codeHash: row.code_hash,
    txCodeHash: row.tx_code_hash,
    txCodeFailures: read.int(row.tx_code_failures),
    credentials: read.json<OfferedCredential[]>(row.credentials),
    createdBy: row.created_by,
    createdByRole: row.created_by_role,
    createdAt: read.iso(row.created_at),
    expiresAt: read.iso(row.expires_at),
    redeemedAt: read.isoOrNull(row.redeemed_at),
    deferred:
      row.deferred_configurations === null || row.review_state === null
        ? null
        : { configurationIds: read.json<string[]>(row.deferred_configurations), state: row.review_state as ReviewState, reason: row.review_reason },
  };
}
