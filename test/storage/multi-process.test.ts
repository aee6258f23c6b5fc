import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../src/audit/log.js';
import { STORE_KINDS, type Harness } from './harness.js';
import { MIGRATIONS } from '../../src/storage/migrations.js';

const WORKER = fileURLToPath(new URL('./fixtures/issue-worker.ts', import.meta.url));

interface Issued {
  credentialId: string;
  statusIndex: number;
  auditIndex: number;
}

function runWorker(location: Harness['location'], count: number): Promise<Issued[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(location), 'list-1', String(count)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(out) as Issued[]);
      else reject(new Error(`worker exited ${code}: ${err}`));
    });
  });
}

describe.each(STORE_KINDS)('two processes sharing one $name database', (kind) => {
  let harness: Harness | undefined;

  afterEach(async () => {
    await harness?.dispose();
  });

  it('migrate the fresh database once and get gap-free audit indexes 0..399 and distinct status indexes', async () => {
    harness = await kind.create();
    // Neither process finds a schema: both migrate at the same moment, then issue 200 each.
    const [a, b] = await Promise.all([runWorker(harness.location, 200), runWorker(harness.location, 200)]);
    const all = [...a, ...b];
    expect(all.map((r) => r.auditIndex).sort((x, y) => x - y)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    expect(new Set(all.map((r) => r.statusIndex)).size).toBe(400);
    expect(new Set(all.map((r) => r.credentialId)).size).toBe(400);

    const store = await harness.open();
    const migrations = await harness.exec('SELECT version FROM schema_migrations');
    expect(migrations).toHaveLength(MIGRATIONS.length);
    const verdict = await verifyAuditLog({ entries: await store.auditEntries(0, 1_000), checkpoints: [], verifySignature: async () => true });
    expect(verdict).toMatchObject({ ok: true, treeSize: 400 });
  });
});
