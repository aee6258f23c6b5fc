/**
 * `gx-trust audit verify` against a SQLite file someone with database access edited behind the
 * service's back (the audit-tamper case): each kind of damage is named at its first bad index. The CLI
 * runs as a child process with the server's configuration, as an auditor would run it.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519CheckpointSigner } from '../../src/audit/checkpoints.js';
import { buildEvidenceBundle } from '../../src/audit/evidence.js';
import { auditLeafHash, encodeAuditEntry, type AuditEntry } from '../../src/audit/log.js';
import { parseConfig } from '../../src/config.js';
import { openSqliteStore } from '../../src/storage/sqlite.js';
import { createService } from '../../src/service.js';
import { unscopedRecordingIssuer } from '../helpers/unscoped-signing.js';
import { recordCodecs } from '../../src/record-codecs.js';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let base: string;
const cases: string[] = [];
let credentialId: string;

function envFor(dir: string): Record<string, string> {
  return {
    GX_KEYS_DIR: join(base, 'keys'),
    GX_DATA_DIR: join(dir, 'data'),
    GX_BASE_URL: 'http://localhost:8080',
    GX_LOG_LEVEL: 'silent',
  };
}

function cli(args: string[], dir = base): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _ignored, ...inherited } = process.env;
    const child = spawn(process.execPath, [...CLI_FROM_SOURCE, ...args], { cwd: ROOT, env: { ...inherited, ...envFor(dir) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A copy of the pristine log to damage, and a raw handle on its file. */
function copyOfLog(): { dir: string; db: Database.Database } {
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-audit-case-'));
  cases.push(dir);
  cpSync(join(base, 'data'), join(dir, 'data'), { recursive: true });
  return { dir, db: new Database(join(dir, 'data', 'gx-trust.db')) };
}

function rewriteLeaf(db: Database.Database, index: number, change: (entry: AuditEntry) => void): void {
  const row = db.prepare('SELECT leaf FROM audit_entries WHERE idx = ?').get(index) as { leaf: string };
  const entry = JSON.parse(row.leaf) as AuditEntry;
  change(entry);
  const leaf = encodeAuditEntry(entry);
  // A careful attacker also recomputes the stored hash, so only the tree can tell.
  db.prepare('UPDATE audit_entries SET leaf = ?, leaf_hash = ? WHERE idx = ?').run(leaf, Buffer.from(auditLeafHash(leaf)).toString('hex'), index);
}

async function verdict(dir: string, extra: string[] = []): Promise<{ code: number | null; result: any }> {
  const run = await cli(['audit', 'verify', '--json', ...extra], dir);
  expect(run.stderr).toBe('');
  return { code: run.code, result: JSON.parse(run.stdout) };
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'gx-trust-audit-cli-'));
  const service = await createService(parseConfig(envFor(base)), { log: () => {} });
  // Checkpoints only where the test signs them: at sizes 4 and 8.
  await service.checkpointer.stop();
  const issue = async () =>
    (
      await unscopedRecordingIssuer(service).issueCredential(
        { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { id: 'did:web:member.example' } },
        { format: 'vc+jwt', alg: 'EdDSA' },
        { actor: 'test' },
      )
    );
  for (let i = 0; i < 4; i++) await issue();
  expect((await service.checkpointer.latest()).treeSize).toBe(4);
  for (let i = 0; i < 3; i++) await issue();
  const last = await issue();
  credentialId = last.format === 'vc+jwt' ? JSON.parse(Buffer.from(last.jwt.split('.')[1]!, 'base64url').toString()).id : '';
  const kept = await service.checkpointer.latest();
  expect(kept.treeSize).toBe(8);
  writeFileSync(join(base, 'kept-checkpoint.json'), JSON.stringify(kept));
  const bundle = await buildEvidenceBundle({
    store: service.store,
    checkpointer: service.checkpointer,
    signer: ed25519CheckpointSigner(service.keyring),
    keyring: service.keyring,
    credential: (await service.store.getCredential(credentialId))!,
  });
  writeFileSync(join(base, 'evidence.json'), JSON.stringify(bundle));
  writeFileSync(join(base, 'evidence.tampered.json'), JSON.stringify({ ...bundle, entries: [{ ...bundle.entries[0]!, actor: 'someone-else' }] }));
  await service.close();
}, 60_000);

afterAll(() => {
  for (const dir of [base, ...cases]) if (dir) rmSync(dir, { recursive: true, force: true });
});

// Each case starts a CLI process (tsx compiles on the fly): seconds each on a busy machine.
describe('gx-trust audit verify', { timeout: 60_000 }, () => {
  it('verifies the untouched log, its two checkpoints and the kept checkpoint (exit 0)', async () => {
    const run = await cli(['audit', 'verify', '--checkpoint', join(base, 'kept-checkpoint.json')]);
    expect(run.stdout).toContain('audit log verified: 8 entries, 2 signed checkpoints, consistent with the kept checkpoint of size 8');
    expect(run.code).toBe(0);
  });

  it('names index 5 when its leaf was edited and the stored hash left as it was', async () => {
    const { dir, db } = copyOfLog();
    const row = db.prepare('SELECT leaf FROM audit_entries WHERE idx = 5').get() as { leaf: string };
    db.prepare('UPDATE audit_entries SET leaf = ? WHERE idx = 5').run(row.leaf.replace('"actor":"test"', '"actor":"tess"'));
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 5 });
    expect(code).toBe(1);
  });

  it('names index 5 when its timestamp was backdated, even with the hash recomputed', async () => {
    const { dir, db } = copyOfLog();
    rewriteLeaf(db, 5, (e) => void (e.timestamp = '2001-01-01T00:00:00.000Z'));
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 5 });
    expect(code).toBe(1);
  });

  it('catches a rewritten leaf with a recomputed hash through the checkpoint of size 8, pinned to the range after the good checkpoint of size 4', async () => {
    const { dir, db } = copyOfLog();
    // The digests have no column beside the leaf (an actor, subject or action would be caught at its row).
    rewriteLeaf(db, 6, (e) => void (e.digests = { credential: `sha256:${'f'.repeat(64)}` }));
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 4 });
    expect(result.problems[0].message).toMatch(/root of size 8/);
    expect(code).toBe(1);
  });

  it('names index 3 when row 3 was deleted', async () => {
    const { dir, db } = copyOfLog();
    db.prepare('DELETE FROM audit_entries WHERE idx = 3').run();
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 3 });
    expect(code).toBe(1);
  });

  it('names index 2 when rows 2 and 6 were swapped', async () => {
    const { dir, db } = copyOfLog();
    db.transaction(() => {
      db.prepare('UPDATE audit_entries SET idx = -1 WHERE idx = 2').run();
      db.prepare('UPDATE audit_entries SET idx = 2 WHERE idx = 6').run();
      db.prepare('UPDATE audit_entries SET idx = 6 WHERE idx = -1').run();
    })();
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 2 });
    expect(code).toBe(1);
  });

  it('needs the kept checkpoint to see a truncated tail whose checkpoints were deleted with it, and then names index 6', async () => {
    const { dir, db } = copyOfLog();
    db.prepare('DELETE FROM audit_entries WHERE idx >= 6').run();
    db.prepare('DELETE FROM audit_checkpoints WHERE tree_size > 4').run();
    db.close();
    // Without an outside checkpoint a shortened log is indistinguishable from a young one.
    expect((await verdict(dir)).result).toMatchObject({ ok: true, treeSize: 6 });
    const { code, result } = await verdict(dir, ['--checkpoint', join(base, 'kept-checkpoint.json')]);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 6 });
    expect(result.problems[0].message).toMatch(/truncated/);
    expect(code).toBe(1);
  });

  it('names index 5 when its subject column was edited: every hash still matches, but the entry would leave its credential\'s evidence', async () => {
    const { dir, db } = copyOfLog();
    db.prepare("UPDATE audit_entries SET subject = 'urn:uuid:someone-else' WHERE idx = 5").run();
    db.close();
    const { code, result } = await verdict(dir);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 5 });
    expect(result.problems[0].message).toMatch(/the subject column says "urn:uuid:someone-else"/);
    expect(code).toBe(1);
  });

  it('says how many entries no signed checkpoint covers, and fails them with --checkpoint', async () => {
    const { dir, db } = copyOfLog();
    db.close();
    const store = await openSqliteStore({ codecs: recordCodecs, path: join(dir, 'data', 'gx-trust.db') });
    for (let i = 0; i < 2; i++) await store.appendAudit({ actor: 'test', action: 'member.changed', subject: 'did:web:member.example', digests: {} });
    await store.close();
    const plain = await cli(['audit', 'verify'], dir);
    expect(plain.stdout).toContain('audit log verified: 10 entries, 2 signed checkpoints\n  2 entries (from index 8) are covered by no signed checkpoint yet');
    expect(plain.code).toBe(0);
    const { code, result } = await verdict(dir, ['--checkpoint', join(base, 'kept-checkpoint.json')]);
    expect(result).toMatchObject({ ok: false, firstBadIndex: 8, signedTreeSize: 8, unsignedEntries: 2 });
    expect(result.problems[0].message).toMatch(/2 entries from index 8 on are covered by no signed checkpoint/);
    expect(code).toBe(1);
  });

  it('refuses a kept checkpoint whose signature does not verify', async () => {
    const forged = join(base, 'forged-checkpoint.json');
    const kept = JSON.parse(readFileSync(join(base, 'kept-checkpoint.json'), 'utf8'));
    writeFileSync(forged, JSON.stringify({ ...kept, treeSize: 7 }));
    const { code, result } = await verdict(base, ['--checkpoint', forged]);
    expect(result.ok).toBe(false);
    expect(result.problems[0].message).toMatch(/signature/);
    expect(code).toBe(1);
  });
});

describe('gx-trust audit verify-evidence and checkpoint', { timeout: 60_000 }, () => {
  it('verifies an evidence bundle with no database configured, and fails a tampered one with exit 1', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'gx-trust-no-db-'));
    cases.push(empty);
    const ok = await cli(['audit', 'verify-evidence', join(base, 'evidence.json')], empty);
    expect(ok.stdout).toContain(`evidence verified: 1 audit entries for ${credentialId}`);
    expect(ok.code).toBe(0);
    const bad = await cli(['audit', 'verify-evidence', join(base, 'evidence.tampered.json')], empty);
    expect(bad.stdout).toContain('evidence NOT verified');
    expect(bad.code).toBe(1);
  });

  it('prints the stored checkpoint when the log has not grown', async () => {
    const { dir } = copyOfLog();
    const run = await cli(['audit', 'checkpoint'], dir);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ treeSize: 8 });
  });
});
