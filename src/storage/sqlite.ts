/**
 * The embedded store: one SQLite file in WAL mode (readers do not block the writer), through
 * better-sqlite3. Every write transaction is BEGIN IMMEDIATE, which takes SQLite's single write
 * lock at the start, so two processes sharing the file serialise there and audit indexes come out
 * gap-free. This file holds only what SQLite does differently; the queries are in sql-store.ts.
 *
 * @see https://www.sqlite.org/lang_transaction.html
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type SqlBool } from 'kysely';
import type { Clock } from '../clock.js';
// A leaf module (node:fs only): the one definition of owner-only file modes.
import { OWNER_ONLY_FILE, OWNER_ONLY_FOLDER } from '../file-permissions.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { StoreDialect } from './dialect.js';
import { SQLITE_TYPES } from './migrations.js';
import { StoreUnavailableError } from './records.js';
import { SqlStore } from './sql-store.js';
import { FALLBACK_AUTOCHECKPOINT_PAGES, startCheckpointer, type Checkpointer, type CheckpointerOptions } from './sqlite-checkpointer.js';
import { sqliteIssuanceStatements, type IssuanceGroupStatements } from './sqlite-group.js';
import { pipelined, startIssuanceWriter, type IssuanceWriter, type IssuanceWriterThread } from './sqlite-writer.js';
import type { RecordCodecs } from './store.js';
import type { Tables } from './tables.js';

export interface SqliteStoreOptions {
  /** The database file, e.g. `<dataDir>/gx-trust.db`; its directory is created if missing. */
  path: string;
  codecs: RecordCodecs;
  clock?: Clock | undefined;
  /** How long a writer waits for another process's write lock before giving up (503). */
  busyTimeoutMs?: number;
  /**
   * Told when the checkpoint worker stopped (it could not start, or its checkpoints kept failing),
   * after this connection got SQLite's default automatic checkpoint back; the service logs it.
   */
  onCheckpointerFailure?: ((failure: CheckpointerFailure) => void) | undefined;
  /** The worker's interval and failure bound: tests shorten them. */
  checkpointer?: CheckpointerOptions | undefined;
}

export interface CheckpointerFailure {
  error: unknown;
  /** `PRAGMA wal_autocheckpoint` of the store's connection, read back after it was restored. */
  walAutocheckpointPages: number;
}

/** SQLite's own default: commits checkpoint once the log holds this many pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;

/** Opens (creating if needed) and migrates the database. */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqlStore> {
  const store = new SqlStore(sqliteDialect(options), options.codecs, { clock: options.clock });
  try {
    await store.migrate();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** SQLite result codes that mean "the database cannot do work now", not "your input is wrong". */
const UNAVAILABLE = /^(SQLITE_(BUSY|LOCKED|CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT|PROTOCOL|NOMEM)|ENOTDIR|EEXIST|EACCES|EPERM|EROFS|ENOSPC)/;

function mapError(error: unknown, doing: string): unknown {
  if (isGxTrustError(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if ((typeof code === 'string' && UNAVAILABLE.test(code)) || /database connection is not open|driver has already been destroyed/.test(message)) {
    return new StoreUnavailableError(`SQLite store unavailable while ${doing}: ${message}`, { cause: error });
  }
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    // A 4xx reaches callers in every environment: the driver's message (table and constraint names)
    // stays in the cause, for the log.
    return new GxTrustError('CONFLICT', `Already recorded while ${doing}`, { cause: error });
  }
  return new GxTrustError('INTERNAL', `SQLite store failed while ${doing}: ${message}`, { cause: error });
}

/**
 * `PRAGMA journal_mode = WAL` on a database another process is opening at the same moment answers
 * SQLITE_BUSY at once: SQLite does not call the busy handler for a journal-mode change, so
 * busy_timeout does not cover it (test/storage/sqlite-open.test.ts races two opens 200 times). It
 * is retried here within the same timeout; once a database is in WAL mode the pragma changes nothing.
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

/** Statements prepared once per SQL text: Kysely's SQLite driver prepares on every query. */
const STATEMENT_CACHE_SIZE = 512;

function openDatabase(options: Omit<SqliteStoreOptions, 'codecs'>): Database.Database {
  try {
    if (options.path !== ':memory:') createOwnerOnly(options.path);
    const db = new Database(options.path);
    const busyTimeoutMs = Math.trunc(options.busyTimeoutMs ?? 5000);
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    switchToWal(db, busyTimeoutMs);
    // NORMAL is durable across application crashes in WAL mode; only an OS crash or power loss can
    // lose the last commits. The audit log's checkpoints bound what such a loss could hide.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    throw mapError(error, `opening ${options.path}`);
  }
}

/**
 * Handles on one file within one process share its connection. A write transaction here spans
 * awaits, and SQLite's busy handler waits by blocking the thread: a second connection of the same
 * process asking for the write lock would block the very event loop the holder needs to commit,
 * until busy_timeout. One connection per file per process has Kysely's connection mutex order
 * them instead; other processes still meet at BEGIN IMMEDIATE.
 */
interface OpenFile {
  database: Database.Database;
  db: Kysely<Tables>;
  handles: number;
  checkpointer: Checkpointer | undefined;
  /** The connections' own automatic checkpoint (the writer thread's connection takes it too). */
  autocheckpointPages: number;
  issuanceStatements?: IssuanceGroupStatements;
  /** Started on the first group recorded (a store that records nothing starts no thread). */
  writer?: IssuanceWriterThread;
  /** The thread's writer as the store uses it: sent under one hold of `db`'s connection per run (sqlite-writer.ts, `pipelined`). */
  pipelined?: IssuanceWriter;
}
const openFiles = new Map<string, OpenFile>();

/** The options a dialect takes: the codecs only for the module a writer thread loads. */
export type SqliteDialectOptions = Omit<SqliteStoreOptions, 'codecs'> & { codecs?: Pick<RecordCodecs, 'module'> };

function connect(options: SqliteDialectOptions): {
  database: Database.Database;
  db: Kysely<Tables>;
  issuanceStatements(): IssuanceGroupStatements;
  issuanceWriter(): IssuanceWriter | undefined;
  release(): Promise<void>;
} {
  const key = options.path === ':memory:' ? undefined : resolve(options.path);
  let entry = key === undefined ? undefined : openFiles.get(key);
  if (entry === undefined) {
    const database = openDatabase(options);
    const statements = new Map<string, Database.Statement>();
    const db = new Kysely<Tables>({
      dialect: new SqliteDialect({
        database: {
          close: () => database.close(),
          prepare: (text: string) => {
            let statement = statements.get(text);
            if (statement === undefined) {
              if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
              statement = database.prepare(text);
              statements.set(text, statement);
            }
            return statement;
          },
        },
      }),
    });
    const created: OpenFile = { database, db, handles: 0, checkpointer: undefined, autocheckpointPages: DEFAULT_AUTOCHECKPOINT_PAGES };
    if (key !== undefined) {
      created.autocheckpointPages = FALLBACK_AUTOCHECKPOINT_PAGES;
      // Checkpoints from a worker thread (sqlite-checkpointer.ts, why there); this connection keeps
      // its own only as a safety net, and gets the default back if the worker cannot run.
      database.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
      // Without the worker the raised threshold would leave up to 10,000 pages unsynced: the
      // default puts the bound of a power cut back where SQLite keeps it.
      created.checkpointer = startCheckpointer(
        key,
        (error) => {
          created.autocheckpointPages = DEFAULT_AUTOCHECKPOINT_PAGES;
          if (!database.open) return;
          database.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
          // The writer thread's connection commits too (a writer started later reads the field above).
          void created.writer?.setAutocheckpoint(DEFAULT_AUTOCHECKPOINT_PAGES).catch(() => undefined);
          const walAutocheckpointPages = database.pragma('wal_autocheckpoint', { simple: true }) as number;
          options.onCheckpointerFailure?.({ error, walAutocheckpointPages });
        },
        options.checkpointer,
      );
    }
    entry = created;
    if (key !== undefined) openFiles.set(key, entry);
  }
  entry.handles++;
  const opened = entry;
  let released = false;
  return {
    database: opened.database,
    db: opened.db,
    // Per connection, like the statement cache: every handle on the file shares them.
    issuanceStatements: () => (opened.issuanceStatements ??= sqliteIssuanceStatements(opened.database)),
    issuanceWriter() {
      const codecsModule = options.codecs?.module;
      // A file only (an in-memory database is this connection's alone), and not once closing.
      if (key === undefined || codecsModule === undefined || released || !opened.database.open) return undefined;
      opened.writer ??= startIssuanceWriter({
        path: key,
        busyTimeoutMs: Math.trunc(options.busyTimeoutMs ?? 5000),
        autocheckpointPages: opened.autocheckpointPages,
        codecsModule,
      });
      const thread = opened.writer.current();
      if (thread === undefined) return undefined;
      // One per file, as the connection it holds: every handle's groups share its runs.
      return (opened.pipelined ??= pipelined(thread, (whileHeld) => opened.db.connection().execute(whileHeld)));
    },
    async release() {
      if (released) return;
      released = true;
      if (--opened.handles > 0) return;
      if (key !== undefined && openFiles.get(key) === opened) openFiles.delete(key);
      // First: the groups it was sent commit (or fail) before the connections close.
      await opened.writer?.stop();
      await opened.checkpointer?.stop();
      // Kysely starts its driver on the first query: a handle never used is closed here directly.
      if (opened.database.open) await opened.db.destroy();
      if (opened.database.open) opened.database.close();
    },
  };
}

export function sqliteDialect(options: SqliteDialectOptions): StoreDialect {
  const { db, issuanceStatements, issuanceWriter, release } = connect(options);
  return {
    name: 'sqlite',
    db,
    types: SQLITE_TYPES,
    begin: 'BEGIN IMMEDIATE',
    // BEGIN IMMEDIATE took the database's one write lock already.
    lockAuditHead: async () => {},
    issuanceStatements,
    issuanceWriter,
    forListUpdate: (query) => query,
    jsonArrayIncludes: (array, value) => sql<SqlBool>`EXISTS (SELECT 1 FROM json_each(${array}) WHERE value = ${value})`,
    bool: (value) => (value ? 1 : 0),
    async withMigrationLock(apply) {
      await db.connection().execute(async (conn) => {
        await sql`BEGIN IMMEDIATE`.execute(conn);
        try {
          await apply(conn, (fn) => fn(conn));
          await sql`COMMIT`.execute(conn);
        } catch (error) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw error;
        }
      });
    },
    mapError,
    close: release,
  };
}
