/**
 * What the store cannot hold, and what its faults tell a caller, on SQLite and on PostgreSQL:
 * U+0000 (which PostgreSQL text cannot store: SQLSTATE 22021) is a 400 wherever it arrives, the
 * same on both stores; and in production no answer names the backend or quotes its driver, while
 * the log keeps every word.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema, type PostgresSchema } from '../replicas/process.js';
import { PRODUCTION_ADMIN_API_KEY, productionEnv } from '../helpers/production.js';
import { startService, type RunningService } from '../helpers/service.js';
import { TEST_DATABASE_URL } from '../storage/harness.js';

interface Backend {
  name: 'sqlite' | 'postgres';
  /** Extra environment for the service, and a way to run SQL behind its back. */
  setUp(): Promise<{ env: Record<string, string>; exec(sql: string): Promise<void>; dispose(): Promise<void> }>;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    async setUp() {
      const dir = mkdtempSync(join(tmpdir(), 'gx-store-faults-'));
      return {
        env: { GX_DATA_DIR: dir },
        async exec(sql) {
          const db = new Database(join(dir, 'gx-trust.db'));
          db.exec(sql);
          db.close();
        },
        async dispose() {
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  ...(TEST_DATABASE_URL === undefined || TEST_DATABASE_URL === '' ? [] : [postgres(TEST_DATABASE_URL)]),
];

function postgres(url: string): Backend {
  return {
    name: 'postgres',
    async setUp() {
      const schema: PostgresSchema = await freshPostgresSchema(url);
      return {
        env: { DATABASE_URL: schema.databaseUrl },
        async exec(sql: string) {
          await schema.pool.query(sql);
        },
        dispose: () => schema.dispose(),
      };
    },
  };
}

async function call(svc: RunningService, method: string, path: string, body?: unknown, apiKey = svc.apiKey) {
  const response = await fetch(`${svc.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text.startsWith('{') ? JSON.parse(text) : text };
}

const NUL = '\u0000';
const credential = (extra: Record<string, unknown> = {}) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example' },
  ...extra,
});

describe.each(BACKENDS)('on $name', (backend) => {
  describe('U+0000 in a request', () => {
    let svc: RunningService;
    let database: Awaited<ReturnType<Backend['setUp']>>;
    beforeAll(async () => {
      database = await backend.setUp();
      svc = await startService(database.env);
    });
    afterAll(async () => {
      await svc?.close();
      await database?.dispose();
    });

    it.each([
      ['a credential id to change the status of', 'POST', '/credentials/status', { credentialId: `urn:uuid:${NUL}`, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, '/credentialId'],
      ['a member name', 'POST', '/members', { slug: 'nul-name', name: `ACME${NUL}GmbH` }, '/name'],
      ['an issued credential id', 'POST', '/credentials/issue', { credential: credential({ id: `urn:uuid:a${NUL}b` }) }, '/credential/id'],
      ['a claim of an issued credential', 'POST', '/credentials/issue', { credential: credential({ credentialSubject: { id: 'did:web:member.example', name: `a${NUL}` } }) }, '/credential/credentialSubject/name'],
      ['a credential to verify', 'POST', '/credentials/verify', { verifiableCredential: credential({ issuer: `did:web:x${NUL}` }) }, '/verifiableCredential/issuer'],
    ])('in %s is 400 INVALID_INPUT with its pointer', async (_name, method, path, body, pointer) => {
      const response = await call(svc, method, path, body);
      expect(response.status, response.text).toBe(400);
      expect(response.body).toMatchObject({ code: 'INVALID_INPUT', pointer });
    });

    it.each([
      ['a member id', '/members/a%00b'],
      ['a member slug', '/members/acme%00'],
      ['a compliance decision id', '/compliance/decisions/%00'],
      ['a status list id', '/status-lists/revocation-0%00'],
      ['a query parameter', '/audit/entries?subject=%00'],
    ])('in %s of a GET is 400 INVALID_INPUT', async (_name, path) => {
      const response = await call(svc, 'GET', path);
      expect(response.status, response.text).toBe(400);
      expect(response.body.code).toBe('INVALID_INPUT');
    });

    if (backend.name === 'postgres') {
      it('reaching the store another way, is INVALID_INPUT, not INTERNAL', async () => {
        await expect(svc.service.store.getCredential(`urn:uuid:${NUL}`)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
      });
    }
  });

  describe('in production, a fault of the store', () => {
    let dir: string;
    let svc: RunningService;
    let database: Awaited<ReturnType<Backend['setUp']>>;
    const logged: unknown[] = [];
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gx-store-faults-prod-'));
      database = await backend.setUp();
      svc = await startService({ ...(await productionEnv(dir)), ...database.env }, { log: (error) => logged.push(error) });
    }, 30_000);
    afterAll(async () => {
      await svc?.close();
      await database?.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    const BACKEND_WORDS = /postgres|sqlite|\bpg\b|relation|no such table|issued_credentials/i;

    it('is a 500 whose problem names neither the backend nor the driver; the log keeps both', async () => {
      // PostgreSQL: CASCADE drops credential_records' foreign key to it (the table stays).
      await database.exec(backend.name === 'postgres' ? 'DROP TABLE issued_credentials CASCADE' : 'DROP TABLE issued_credentials');
      const response = await call(svc, 'POST', '/credentials/status', { credentialId: 'urn:uuid:7c1e3a52-0d5e-4d57-9b59-7a0a0e8f3c11', credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, PRODUCTION_ADMIN_API_KEY);
      expect(response.status).toBe(500);
      expect(response.body).toMatchObject({ code: 'INTERNAL', detail: 'the service failed to handle this request' });
      expect(response.text).not.toMatch(BACKEND_WORDS);
      expect(logged.map((error) => String((error as Error).message)).join('\n')).toMatch(backend.name === 'postgres' ? /PostgreSQL/ : /SQLite/);
    });

    it('is a 503 STORE_UNAVAILABLE that says only that the database cannot be reached', async () => {
      await svc.service.store.close();
      const response = await call(svc, 'POST', '/credentials/issue', { credential: credential({ issuer: svc.service.keyring.did }) }, PRODUCTION_ADMIN_API_KEY);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: 'STORE_UNAVAILABLE', detail: 'the service cannot reach its database' });
      expect(response.text).not.toMatch(BACKEND_WORDS);
    });
  });
});
