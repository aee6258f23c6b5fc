/**
 * Key files and the database are the service user's alone: created 0600 in folders created 0700
 * (the keys, the admin API key, the member key secret, the SQLite database with its -wal and -shm
 * files), and a key file the service was given that others can read is named in a warning at start.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVELOPMENT_FILES, loadOrCreateKeyring } from '../../src/keyring/index.js';
import { MEMBER_KEY_SECRET_FILE } from '../../src/keyring/member-keys.js';
import { productionEnv } from '../helpers/production.js';
import { startService, type RunningService } from '../helpers/service.js';

const modeOf = (path: string): string => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

/** Log lines as objects, from a pino destination. */
function logCollector(): { lines: Record<string, unknown>[]; destination: { write(line: string): void } } {
  const lines: Record<string, unknown>[] = [];
  return { lines, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } };
}

describe.skipIf(process.platform === 'win32')('a development service on a fresh machine', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService();
    // A hosted member makes the service create its member key secret.
    const created = await fetch(`${svc.url}/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'acme', name: 'ACME' }),
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('creates the keys folder 0700 and every secret in it 0600', () => {
    const { keysDir } = svc.service.config;
    expect(modeOf(keysDir)).toBe('0700');
    for (const name of [DEVELOPMENT_FILES.ed25519, DEVELOPMENT_FILES.p256, DEVELOPMENT_FILES.rsa, DEVELOPMENT_FILES.rootKey, 'admin-api-key.txt', MEMBER_KEY_SECRET_FILE]) {
      expect([name, modeOf(join(keysDir, name))]).toEqual([name, '0600']);
    }
  });

  it('creates the data folder 0700 and the SQLite database, its -wal and -shm files 0600', () => {
    const { dataDir } = svc.service.config;
    expect(modeOf(dataDir)).toBe('0700');
    for (const name of ['gx-trust.db', 'gx-trust.db-wal', 'gx-trust.db-shm']) {
      expect(existsSync(join(dataDir, name)), name).toBe(true);
      expect([name, modeOf(join(dataDir, name))]).toEqual([name, '0600']);
    }
  });
});

describe.skipIf(process.platform === 'win32')('a key file others can read', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'gx-key-modes-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is named in a warning at start in development (keys folder)', async () => {
    const keysDir = join(dir, 'dev-keys');
    await loadOrCreateKeyring({ keysDir, baseUrl: 'http://localhost:8080', env: 'development' });
    chmodSync(join(keysDir, DEVELOPMENT_FILES.rsa), 0o644);
    const log = logCollector();
    const svc = await startService({ GX_KEYS_DIR: keysDir, GX_LOG_LEVEL: 'warn' }, { logDestination: log.destination });
    await svc.close();
    const warnings = log.lines.filter((line) => line['level'] === 'warn');
    expect(warnings).toEqual([expect.objectContaining({ file: join(keysDir, DEVELOPMENT_FILES.rsa), mode: '0644' })]);
  });

  it('is named in a warning at start in production (the operator\'s key files)', async () => {
    const env = await productionEnv(join(dir, 'production'));
    chmodSync(env['GX_KEY_ED25519_FILE']!, 0o640);
    chmodSync(env['GX_KEY_P256_FILE']!, 0o604);
    const log = logCollector();
    const svc = await startService({ ...env, GX_LOG_LEVEL: 'warn' }, { logDestination: log.destination });
    await svc.close();
    const files = log.lines.filter((line) => line['level'] === 'warn').map((line) => [line['file'], line['mode']]);
    expect(files).toEqual([
      [env['GX_KEY_ED25519_FILE'], '0640'],
      [env['GX_KEY_P256_FILE'], '0604'],
    ]);
  });
});
