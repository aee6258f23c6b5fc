/**
 * Where SQLite and PostgreSQL truly differ, and nothing else: how a write transaction starts,
 * how the audit head is locked, row locks, boolean literals, JSON array membership, the migration lock and which driver
 * errors mean "unavailable" or "conflict". Every query is written once, in src/storage/sql-store.ts.
 */
import type { Expression, Kysely, RawBuilder, SelectQueryBuilder, SqlBool } from 'kysely';
import type { ColumnTypes } from './migrations.js';
import type { IssuanceGroupStatement } from './postgres-group.js';
import type { IssuanceGroupStatements } from './sqlite-group.js';
import type { IssuanceWriter } from './sqlite-writer.js';
import type { Tables } from './tables.js';

export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  readonly db: Kysely<Tables>;
  readonly types: ColumnTypes;
  /**
   * The statement that opens a write transaction. SQLite: BEGIN IMMEDIATE, which takes the
   * database's one write lock before the first read, so the audit head read inside is current and
   * two processes serialise there.
   */
  readonly begin: string;
  /** Taken in a transaction just before the audit head is read; released at commit. */
  lockAuditHead(trx: Kysely<Tables>): Promise<void>;
  /**
   * PostgreSQL: a group of plain issuances recorded in one statement (sql-store.ts,
   * `recordInOneStatement`), which takes the same lock and reads the head it guards after the
   * lock was granted (migration 12, `gx_audit_head_locked`), so it may be sent while the previous
   * group still commits. Written on a connection of the pool, past Kysely (postgres-group.ts, why
   * there): BEGIN and the statement once `after` resolves true, `onStatement` when the statement
   * returned, then COMMIT. Throws having committed nothing. SQLite has no round trips to save and
   * leaves it out.
   */
  readonly writeIssuanceGroupStatement?: (group: IssuanceGroupStatement, after: Promise<boolean>, onStatement: () => void) => Promise<void>;
  /**
   * How many one-statement groups may be written at once, each on a connection of its own
   * (PostgreSQL); 1 (the default) writes one group at a time.
   */
  readonly groupsInFlight?: number;
  /**
   * SQLite: a group of recorded issuances written with prepared statements, not through Kysely
   * (sqlite-group.ts, why there). Made on first use, after migration (a statement is prepared
   * against the tables). The caller holds the connection while it runs.
   */
  readonly issuanceStatements?: () => IssuanceGroupStatements;
  /**
   * SQLite on a file: the same group written by a thread of its own (sqlite-writer.ts, why
   * there), or undefined while it cannot (not started, failed): then `issuanceStatements` does it.
   * It holds the connection itself, one hold for the groups it has in flight (`pipelined`).
   */
  readonly issuanceWriter?: () => IssuanceWriter | undefined;
  /** A row lock on a status list being changed (SQLite holds the whole database already). */
  forListUpdate<O>(query: SelectQueryBuilder<Tables, 'status_lists', O>): SelectQueryBuilder<Tables, 'status_lists', O>;
  /** Whether a JSON array column (text on SQLite, jsonb on PostgreSQL) has `value` among its strings. */
  jsonArrayIncludes(array: Expression<unknown>, value: string): RawBuilder<SqlBool>;
  /** A boolean as this dialect's column stores it. */
  bool(value: boolean): boolean | number;
  /**
   * Runs the migration steps with the one connection `apply` gets, under a lock that makes a second
   * process wait until the first is done; `step` runs one step in its own transaction.
   */
  withMigrationLock(apply: (conn: Kysely<Tables>, step: (fn: (trx: Kysely<Tables>) => Promise<void>) => Promise<void>) => Promise<void>): Promise<void>;
  /** A driver error as a GxTrustError: STORE_UNAVAILABLE, CONFLICT, INVALID_INPUT or INTERNAL. */
  mapError(error: unknown, doing: string): unknown;
  close(): Promise<void>;
}
