/**
 * SQLite: the statements of a group of recorded issuances (see group-commit.ts), prepared once per
 * connection and run straight on better-sqlite3. Every SQLite statement is a synchronous call on
 * the event loop's thread, so what surrounds it is paid by every request: through Kysely, building
 * and compiling the group's queries (and its promise chain per statement) was 11 % of the busy
 * samples of recorded ES256 issuance, more than the signature. This is the one place with raw SQL
 * for SQLite; every other query, and every group this does not cover (one that supersedes, one
 * that reserves indexes), goes through the one query layer in sql-store.ts, and the store contract
 * suite runs both ways (a superseding member sends its group the long way).
 *
 * The statements run inside BEGIN IMMEDIATE ... COMMIT issued here too, on the one connection of
 * the file, while the caller holds Kysely's connection (its mutex): no other transaction of this
 * process can interleave.
 */
import type Database from 'better-sqlite3';
import { GxTrustError } from '../errors.js';
import type { AuditEntry, AuditEntryInput } from './records.js';
import type { IssuanceRecord } from './repositories.js';
import type { RecordCodecs } from './store.js';
import { read } from './tables.js';

/** Rows of a multi-row INSERT: at most this many per statement (and per cached statement text). */
const ROWS_PER_STATEMENT = 64;

export type CredentialRow = [id: string, types: string, subject: string | null, issuer: string, format: string, digest: string, statusEntries: string, issuedBy: string, createdAt: string, credential: string];
export type AllocationRow = [listId: string, index: number, credentialId: string, createdAt: string];
export type RecordRow = [credentialId: string, ownerMemberId: string | null, visibility: string, series: string | null];
export type AuditRow = [index: number, leaf: string, leafHash: string, subject: string, action: string, actor: string, createdAt: string];

export interface IssuanceGroupStatements {
  /** Runs `write` in one BEGIN IMMEDIATE transaction: committed if it returns, rolled back if it throws. */
  transaction<T>(write: () => T): T;
  /** Inserts credentials whose id is not recorded yet; returns the ids inserted. */
  insertCredentials(rows: readonly CredentialRow[]): string[];
  /**
   * Takes each (list, index) for its credential: a new row, or one the credential itself or one
   * of `holders` (an allocator's block) holds; never one another credential holds. Returns the
   * `list\u0000index` keys it took, one per row taken.
   */
  confirmAllocations(rows: readonly AllocationRow[], holders: readonly string[]): string[];
  insertRecords(rows: readonly RecordRow[]): void;
  /** Marks an in-flight idempotency key done with its response; false when it was not in flight. */
  completeIdempotent(key: string, response: string): boolean;
  /** The last audit entry's index and timestamp (read under the write lock BEGIN IMMEDIATE took). */
  auditHead(): { idx: number; created_at: string } | undefined;
  insertAudit(rows: readonly AuditRow[]): void;
  /** A status list's size (its number of entries), or undefined when there is no such list. */
  listSize(listId: string): number | undefined;
  /** Inserts allocation rows whose (list, index) is free; returns the `list\u0000index` keys inserted. */
  insertReservations(rows: readonly AllocationRow[]): string[];
}

export function sqliteIssuanceStatements(database: Database.Database): IssuanceGroupStatements {
  /** One prepared statement per row count, for each multi-row INSERT. */
  const multiRow = (head: string, width: number, tail: string) => {
    const byCount = new Map<number, Database.Statement>();
    const placeholders = `(${Array.from({ length: width }, () => '?').join(', ')})`;
    return (count: number): Database.Statement => {
      let statement = byCount.get(count);
      if (statement === undefined) {
        statement = database.prepare(`${head} VALUES ${Array.from({ length: count }, () => placeholders).join(', ')}${tail}`);
        byCount.set(count, statement);
      }
      return statement;
    };
  };
  const chunks = <R>(rows: readonly R[]): R[][] => {
    const out: R[][] = [];
    for (let at = 0; at < rows.length; at += ROWS_PER_STATEMENT) out.push(rows.slice(at, at + ROWS_PER_STATEMENT));
    return out;
  };

  const credentials = multiRow(
    'INSERT INTO issued_credentials (id, types, subject, issuer, format, digest, status_entries, issued_by, created_at, credential)',
    10,
    ' ON CONFLICT (id) DO NOTHING RETURNING id',
  );
  // The holders come as one JSON array parameter, so the statement's text depends on the row count only.
  const allocations = multiRow(
    'INSERT INTO status_allocations (list_id, idx, credential_id, created_at)',
    4,
    ` ON CONFLICT (list_id, idx) DO UPDATE SET credential_id = excluded.credential_id
      WHERE status_allocations.credential_id = excluded.credential_id
         OR status_allocations.credential_id IN (SELECT value FROM json_each(?))
      RETURNING list_id, idx`,
  );
  const records = multiRow('INSERT INTO credential_records (credential_id, owner_member_id, visibility, series, superseded_by)', 5, '');
  const audit = multiRow('INSERT INTO audit_entries (idx, leaf, leaf_hash, subject, action, actor, created_at)', 7, '');
  const reservations = multiRow('INSERT INTO status_allocations (list_id, idx, credential_id, created_at)', 4, ' ON CONFLICT (list_id, idx) DO NOTHING RETURNING list_id, idx');
  const size = database.prepare('SELECT size FROM status_lists WHERE id = ?');
  const begin = database.prepare('BEGIN IMMEDIATE');
  const commit = database.prepare('COMMIT');
  const rollback = database.prepare('ROLLBACK');
  const head = database.prepare('SELECT idx, created_at FROM audit_entries ORDER BY idx DESC LIMIT 1');
  const complete = database.prepare("UPDATE idempotency_keys SET state = 'done', response = ? WHERE key = ? AND state = 'in-flight'");

  return {
    transaction(write) {
      begin.run();
      try {
        const result = write();
        commit.run();
        return result;
      } catch (error) {
        // A failed COMMIT may have ended the transaction already (SQLite rolls back on some errors).
        if (database.inTransaction) rollback.run();
        throw error;
      }
    },
    insertCredentials(rows) {
      const inserted: string[] = [];
      for (const chunk of chunks(rows)) {
        for (const row of credentials(chunk.length).all(chunk.flat()) as { id: string }[]) inserted.push(row.id);
      }
      return inserted;
    },
    confirmAllocations(rows, holders) {
      const taken: string[] = [];
      const holderList = JSON.stringify(holders);
      for (const chunk of chunks(rows)) {
        for (const row of allocations(chunk.length).all([...chunk.flat(), holderList]) as { list_id: string; idx: number }[]) taken.push(`${row.list_id}\u0000${row.idx}`);
      }
      return taken;
    },
    insertRecords(rows) {
      for (const chunk of chunks(rows)) records(chunk.length).run(chunk.flatMap((row) => [...row, null]));
    },
    completeIdempotent(key, response) {
      return complete.run(response, key).changes === 1;
    },
    auditHead() {
      return head.get() as { idx: number; created_at: string } | undefined;
    },
    insertAudit(rows) {
      for (const chunk of chunks(rows)) audit(chunk.length).run(chunk.flat());
    },
    listSize(listId) {
      return (size.get(listId) as { size: number } | undefined)?.size;
    },
    insertReservations(rows) {
      const taken: string[] = [];
      for (const chunk of chunks(rows)) {
        for (const row of reservations(chunk.length).all(chunk.flat()) as { list_id: string; idx: number }[]) taken.push(`${row.list_id}\u0000${row.idx}`);
      }
      return taken;
    },
  };
}

/** A block of status indexes to reserve under `holder` (status-lists/allocator.ts). */
export interface IndexBlockRequest {
  listId: string;
  holder: string;
  count: number;
  createdAt: string;
  /** Draws before giving up on a list that is nearly full. */
  maxDraws: number;
}

/**
 * `count` free indexes of the list drawn by `random` and reserved under the holder, in one
 * transaction of `statements`, in the order they were drawn (the allocator hands them out in that
 * order: never sequentially). An index drawn twice, or already allocated (another replica, an
 * earlier block), is drawn again; after `maxDraws` rounds the list is taken as full (INTERNAL, the
 * allocator then moves on to the next list). The same draws as the store's long way
 * (sql-store.ts, `writeReservations`), on the writer thread's connection.
 */
export function reserveIndexBlock(statements: IssuanceGroupStatements, request: IndexBlockRequest, random: (size: number) => number): number[] {
  const { listId, holder, count, createdAt } = request;
  return statements.transaction(() => {
    const size = statements.listSize(listId);
    if (size === undefined) throw new GxTrustError('NOT_FOUND', `No status list ${listId}`);
    const taken: number[] = [];
    for (let draw = 0; draw < request.maxDraws && taken.length < count; draw++) {
      const drawn = new Set<number>();
      const rows: AllocationRow[] = [];
      for (let left = count - taken.length; left > 0; left--) {
        const index = random(size);
        if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
          throw new GxTrustError('INVALID_INPUT', `Status index ${index} is outside list ${listId} (size ${size})`);
        }
        if (drawn.has(index)) continue;
        drawn.add(index);
        rows.push([listId, index, holder, createdAt]);
      }
      const inserted = new Set(statements.insertReservations(rows));
      for (const row of rows) if (inserted.has(`${listId}\u0000${row[1]}`)) taken.push(row[1]);
    }
    if (taken.length < count) throw new GxTrustError('INTERNAL', `Status list ${listId} has no free index after ${request.maxDraws} draws`, { hint: 'Start a new status list' });
    return taken;
  });
}

/**
 * The next audit timestamp: never earlier than the head's, so the log's times do not decrease
 * even when two replicas' clocks disagree.
 */
export function nextAuditTimestamp(now: Date, headTimestamp: string): string {
  const candidate = now.toISOString();
  return headTimestamp !== '' && headTimestamp > candidate ? headTimestamp : candidate;
}

/** The entries appended after `head` (none: the log is empty), and their rows with leaf and hash. */
export function auditEntriesAfter(
  head: { idx: string | number; created_at: string | Date } | undefined,
  inputs: readonly AuditEntryInput[],
  now: Date,
  auditLeaf: RecordCodecs['auditLeaf'],
): { entries: AuditEntry[]; rows: AuditRow[] } {
  let index = head === undefined ? 0 : read.int(head.idx) + 1;
  let timestamp = head === undefined ? '' : read.iso(head.created_at);
  const entries: AuditEntry[] = [];
  const rows = inputs.map((input): AuditRow => {
    timestamp = nextAuditTimestamp(now, timestamp);
    const entry: AuditEntry = {
      index: index++,
      timestamp,
      actor: input.actor,
      action: input.action,
      subject: input.subject,
      digests: input.digests,
      ...(input.details === undefined ? {} : { details: input.details }),
    };
    entries.push(entry);
    const { leaf, leafHash } = auditLeaf(entry);
    return [entry.index, leaf, leafHash, input.subject, input.action, input.actor, timestamp];
  });
  return { entries, rows };
}

/**
 * A group of plain issuances (nothing superseded) in one transaction of `statements`: the
 * credentials, their allocations (a reservation confirmed, or an index taken now; never one
 * another credential holds), their records, the idempotency keys they complete and their audit
 * entries after the head read under the write lock. Anything unexpected throws and the whole
 * group is rolled back. Runs on the event loop (sql-store.ts) or on the writer thread
 * (sqlite-writer.ts), the same code either way.
 */
export function recordIssuanceGroup(
  statements: IssuanceGroupStatements,
  items: readonly IssuanceRecord[],
  at: { createdAt: string; now: Date },
  auditLeaf: RecordCodecs['auditLeaf'],
): AuditEntry[] {
  const { createdAt } = at;
  for (const { credential, allocations } of items) {
    for (const a of allocations) {
      if (a.credentialId !== credential.id) throw new GxTrustError('INTERNAL', `Allocation ${a.listId}#${a.index} names another credential`);
    }
  }
  return statements.transaction(() => {
    const inserted = statements.insertCredentials(
      items.map(({ credential: c }) => [c.id, JSON.stringify(c.types), c.subject, c.issuer, c.format, c.digest, JSON.stringify(c.statusEntries), c.issuedBy, createdAt, c.credential]),
    );
    if (inserted.length !== items.length) {
      const stored = new Set(inserted);
      const taken = items.find((i) => !stored.has(i.credential.id)) ?? items[0]!;
      throw new GxTrustError('CONFLICT', `Credential ${taken.credential.id} is already recorded`);
    }
    const allocations = items.flatMap((i) => i.allocations);
    if (allocations.length > 0) {
      const holders = [...new Set(allocations.flatMap((a) => (a.reservedAs === undefined ? [] : [a.reservedAs])))];
      const confirmed = statements.confirmAllocations(
        allocations.map((a) => [a.listId, a.index, a.credentialId, createdAt]),
        holders,
      );
      if (confirmed.length !== allocations.length) {
        const done = new Set(confirmed);
        const a = allocations.find((x) => !done.has(`${x.listId}\u0000${x.index}`)) ?? allocations[0]!;
        throw new GxTrustError('CONFLICT', `Status index ${a.index} of list ${a.listId} belongs to another credential`);
      }
    }
    statements.insertRecords(items.map(({ credential, metadata }) => [credential.id, metadata?.ownerMemberId ?? null, metadata?.visibility ?? 'private', metadata?.series ?? null]));
    for (const { idempotency } of items) {
      if (idempotency !== undefined && !statements.completeIdempotent(idempotency.key, idempotency.response)) {
        throw new GxTrustError('INTERNAL', `Idempotency key ${idempotency.key} is not in flight`);
      }
    }
    // BEGIN IMMEDIATE holds the write lock: the head read here is current across processes.
    const { entries, rows } = auditEntriesAfter(statements.auditHead(), items.map((i) => i.audit), at.now, auditLeaf);
    statements.insertAudit(rows);
    return entries;
  });
}
