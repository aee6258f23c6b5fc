/**
 * Opens fresh stores for the contract suite: a SQLite file in a new temporary directory always,
 * and a new PostgreSQL schema when GX_TEST_DATABASE_URL is set. `exec` reaches the tables behind
 * the store's back, as an attacker with database access would.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Clock } from '../../src/clock.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import type { Store } from '../../src/storage/store.js';
import { recordCodecs } from '../../src/record-codecs.js';

export interface Harness {
  /** Another handle (connection pool / Database) on the same database, migrated. */
  open(options?: { clock?: Clock }): Promise<Store>;
  /** Raw SQL with `?` placeholders, run outside the store. */
  exec(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** Where a child process finds the same database. */
  location: { sqlitePath?: string; connectionString?: string; schema?: string };
  dispose(): Promise<void>;
}

export interface StoreKind {
  name: 'sqlite' | 'postgres';
  create(): Promise<Harness>;
}

export const TEST_DATABASE_URL = process.env['GX_TEST_DATABASE_URL'];

function sqliteKind(): StoreKind {
  return {
    name: 'sqlite',
    async create() {
      const dir = mkdtempSync(join(tmpdir(), 'gx-trust-store-'));
      const path = join(dir, 'data', 'gx-trust.db');
      const stores: Store[] = [];
      let raw: Database.Database | undefined;
      return {
        location: { sqlitePath: path },
        async open(options = {}) {
          const store = await openSqliteStore({ codecs: recordCodecs, path, ...(options.clock === undefined ? {} : { clock: options.clock }) });
          stores.push(store);
          return store;
        },
        async exec(sql, params = []) {
          raw ??= new Database(path);
          const statement = raw.prepare(sql);
          if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
          statement.run(...params);
          return [];
        },
        async dispose() {
          for (const s of stores) await s.close();
          raw?.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresKind(url: string): StoreKind {
  return {
    name: 'postgres',
    async create() {
      const schema = `gx_test_${randomBytes(6).toString('hex')}`;
      const stores: Store[] = [];
      const admin = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema}` });
      return {
        location: { connectionString: url, schema },
        async open(options = {}) {
          const store = await openPostgresStore({ codecs: recordCodecs,
            connectionString: url,
            schema,
            ...(options.clock === undefined ? {} : { clock: options.clock }),
          });
          stores.push(store);
          return store;
        },
        async exec(sql, params = []) {
          let n = 0;
          const text = sql.replace(/\?/g, () => `$${++n}`);
          return (await admin.query(text, params)).rows as Record<string, unknown>[];
        },
        async dispose() {
          for (const s of stores) await s.close();
          await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL too when GX_TEST_DATABASE_URL names a server. */
export const STORE_KINDS: StoreKind[] = [
  sqliteKind(),
  ...(TEST_DATABASE_URL === undefined || TEST_DATABASE_URL === '' ? [] : [postgresKind(TEST_DATABASE_URL)]),
];
