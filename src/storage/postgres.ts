/**
 * The shared store for several gx-trust replicas, through pg. Audit indexes are assigned under a
 * transaction-level advisory lock, taken last in each transaction so the serialised part is
 * short; migrations run under a session advisory lock. This file holds only what PostgreSQL does
 * differently; the queries are in sql-store.ts.
 *
 * @see https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS
 */
import { Kysely, PostgresDialect, sql, type SqlBool } from 'kysely';
import pg from 'pg';
import type { Clock } from '../clock.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { POSTGRES_TYPES } from './migrations.js';
import { writeGroupStatement } from './postgres-group.js';
import { StoreUnavailableError } from './records.js';
import { SqlStore, type StoreOptions } from './sql-store.js';
import type { RecordCodecs } from './store.js';
import type { Tables } from './tables.js';

export interface PostgresStoreOptions {
  /** e.g. postgres://user@host:5432/db */
  connectionString: string;
  codecs: RecordCodecs;
  /** A schema of its own (created if missing); defaults to the server's search_path. */
  schema?: string;
  clock?: Clock | undefined;
  /** Pool size per process. */
  max?: number;
  /** How long to wait for a connection before answering 503. */
  connectionTimeoutMillis?: number;
  /**
   * How many issuance groups may be written at once (StoreDialect.groupsInFlight; default 1,
   * GX_PG_GROUPS_IN_FLIGHT). More hides the database's round trips and commit behind signing, at
   * the price of smaller groups: more commits and more work per issuance for a busy CPU.
   */
  groupsInFlight?: number;
  /** See StoreOptions: a one-statement group that failed and went the long way. */
  onGroupFallback?: StoreOptions['onGroupFallback'];
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const store = new SqlStore(postgresDialect(options), options.codecs, { clock: options.clock, onGroupFallback: options.onGroupFallback });
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
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|not queryable|driver has already been destroyed/i.test(
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
  if (code === '23505') {
    // A 4xx reaches callers in every environment: the driver's message (table and constraint names)
    // stays in the cause, for the log.
    return new GxTrustError('CONFLICT', `Already recorded while ${doing}`, { cause: error });
  }
  return new GxTrustError('INTERNAL', `PostgreSQL store failed while ${doing}: ${message}`, { cause: error });
}

export function postgresDialect(options: Omit<PostgresStoreOptions, 'codecs'>): StoreDialect {
  if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
    throw new GxTrustError('CONFIG_INVALID', `Schema name ${JSON.stringify(options.schema)} is not a plain lower-case identifier`);
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    // Room for the groups in flight beside reservations, reads and checkpoints.
    max: options.max ?? Math.max(10, (options.groupsInFlight ?? 1) + 6),
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
  });
  // An idle client losing its server emits 'error' on the pool, and a checked-out one on itself;
  // unhandled, either would end the process. The next query on that connection fails and
  // surfaces as StoreUnavailableError.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
  const schemaKey = options.schema ?? '';
  let closed = false;
  return {
    name: 'postgres',
    db,
    types: POSTGRES_TYPES,
    begin: 'BEGIN',
    async lockAuditHead(trx) {
      // Released at commit, after the entry is visible to the next holder's fresh READ COMMITTED snapshot.
      await sql`SELECT pg_advisory_xact_lock(${AUDIT_LOCK_CLASS}, hashtext(current_schema()))`.execute(trx);
    },
    writeIssuanceGroupStatement: (group, after, onStatement) => writeGroupStatement(pool, group, AUDIT_LOCK_CLASS, after, onStatement),
    groupsInFlight: options.groupsInFlight ?? 1,
    forListUpdate: (query) => query.forNoKeyUpdate(),
    jsonArrayIncludes: (array, value) => sql<SqlBool>`${array} @> CAST(${JSON.stringify([value])} AS jsonb)`,
    bool: (value) => value,
    async withMigrationLock(apply) {
      await db.connection().execute(async (conn) => {
        // Session-level lock keyed by schema: a second replica waits here until the first is done,
        // then finds every step applied.
        await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_CLASS}, hashtext(${schemaKey}))`.execute(conn);
        try {
          if (options.schema !== undefined) await sql`CREATE SCHEMA IF NOT EXISTS ${sql.id(options.schema)}`.execute(conn);
          await apply(conn, async (fn) => {
            await sql`BEGIN`.execute(conn);
            try {
              await fn(conn);
              await sql`COMMIT`.execute(conn);
            } catch (error) {
              await sql`ROLLBACK`.execute(conn).catch(() => undefined);
              throw error;
            }
          });
        } finally {
          await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_CLASS}, hashtext(${schemaKey}))`.execute(conn).catch(() => undefined);
        }
      });
    },
    mapError,
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}
