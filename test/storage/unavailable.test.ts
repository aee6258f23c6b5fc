import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/storage/open-store.js';
import { openPostgresStore } from '../../src/storage/postgres.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import { isStoreUnavailable } from '../../src/storage/store.js';
import { makeAuditInput, makeCredentialRecord } from './fixtures.js';
import { TEST_DATABASE_URL } from './harness.js';
import { recordCodecs } from '../../src/record-codecs.js';

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('an unavailable SQLite store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-down-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reports StoreUnavailableError when the file cannot be created', async () => {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const error = await rejection(openSqliteStore({ codecs: recordCodecs, path: join(dir, 'not-a-dir', 'gx-trust.db') }));
    expect((error as { code?: string }).code).toBe('STORE_UNAVAILABLE');
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it('reports StoreUnavailableError when another process holds the write lock past the busy timeout, and writes nothing', async () => {
    const path = join(dir, 'gx-trust.db');
    const store = await openSqliteStore({ codecs: recordCodecs, path, busyTimeoutMs: 50 });
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    const credential = makeCredentialRecord();
    const error = await rejection(store.recordIssuance({ credential, allocations: [], audit: makeAuditInput() }));
    expect(isStoreUnavailable(error)).toBe(true);
    other.exec('ROLLBACK');
    other.close();
    expect(await store.getCredential(credential.id)).toBeUndefined();
    expect(await store.auditSize()).toBe(0);
    await store.close();
  });

  it('reports StoreUnavailableError after the store was closed', async () => {
    const store = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'gx-trust.db') });
    await store.close();
    expect(isStoreUnavailable(await rejection(store.auditSize()))).toBe(true);
  });
});

// Only with a server to fault: like the contract suite, PostgreSQL cases exist when GX_TEST_DATABASE_URL is set.
const POSTGRES_URLS = TEST_DATABASE_URL === undefined || TEST_DATABASE_URL === '' ? [] : [TEST_DATABASE_URL];

describe.each(POSTGRES_URLS)('an unavailable PostgreSQL store', (databaseUrl) => {
  const target = new URL(databaseUrl);

  async function listen(server: Server): Promise<number> {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    return address.port;
  }

  it('reports StoreUnavailableError when nothing listens at the address', async () => {
    const probe = createServer();
    const port = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
    const url = new URL(target);
    url.port = String(port);
    const error = await rejection(openPostgresStore({ codecs: recordCodecs, connectionString: url.href, connectionTimeoutMillis: 1000 }));
    expect(isStoreUnavailable(error)).toBe(true);
  });

  it('reports StoreUnavailableError when the connection is cut mid-service, and commits nothing', async () => {
    // A loopback TCP relay to the real server that the test can cut, as a network fault would.
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const server = connect(Number(target.port || 5432), target.hostname);
      sockets.add(client).add(server);
      client.pipe(server).pipe(client);
      client.on('error', () => {});
      server.on('error', () => {});
    });
    const port = await listen(relay);
    const url = new URL(target);
    url.port = String(port);
    const schema = `gx_test_cut_${Date.now().toString(36)}`;
    const store = await openPostgresStore({ codecs: recordCodecs, connectionString: url.href, schema, connectionTimeoutMillis: 1000 });
    const direct = await openPostgresStore({ codecs: recordCodecs, connectionString: target.href, schema });
    try {
      await store.appendAudit(makeAuditInput());
      relay.close();
      for (const s of sockets) s.destroy();
      const credential = makeCredentialRecord();
      const error = await rejection(store.recordIssuance({ credential, allocations: [], audit: makeAuditInput() }));
      expect(isStoreUnavailable(error)).toBe(true);
      expect(await direct.getCredential(credential.id)).toBeUndefined();
      expect(await direct.auditSize()).toBe(1);
    } finally {
      await store.close().catch(() => {});
      await direct.close();
      const admin = new pg.Pool({ connectionString: target.href, max: 1 });
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });
});

describe('openStore()', () => {
  it('opens the embedded SQLite file under the data directory when no database URL is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gx-trust-open-'));
    try {
      const store = await openStore({ codecs: recordCodecs, dataDir: join(dir, 'data'), databaseUrl: '' });
      expect(store.dialect).toBe('sqlite');
      expect(existsSync(join(dir, 'data', 'gx-trust.db'))).toBe(true);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
