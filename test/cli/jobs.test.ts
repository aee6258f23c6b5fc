/**
 * The shell jobs beyond issue / verify (revoke, compliance dry run, bulk verify of a folder), run as a
 * user runs them: a child process per step on one keys and data folder. Each start costs a couple
 * of seconds, so the scenarios share one issued credential where they can.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

const run = promisify(execFile);
let dir: string;

async function gxTrust(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI_FROM_SOURCE, ...args], {
      env: { ...process.env, GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '18446', GX_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const credential = (subject: string) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: subject },
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-cli-jobs-'));
  writeFileSync(join(dir, 'with-status.json'), JSON.stringify({ credential: credential('did:web:member.example'), options: { credentialStatus: ['revocation', 'suspension'] } }));
  writeFileSync(join(dir, 'plain.json'), JSON.stringify(credential('did:web:member.example')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gx-trust revoke / compliance / verify <folder>', () => {
  it('revokes an issued credential through the status core, after which verify exits 1 on the status check', { timeout: 120_000 }, async () => {
    const issued = await gxTrust('issue', join(dir, 'with-status.json'));
    expect(issued.code, issued.stderr).toBe(0);
    const vc = JSON.parse(issued.stdout);
    writeFileSync(join(dir, 'revocable.json'), issued.stdout);

    const revoked = await gxTrust('revoke', vc.id);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(JSON.parse(revoked.stdout)).toEqual({ credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });

    const verified = await gxTrust('verify', join(dir, 'revocable.json'));
    expect(verified.code).toBe(1);
    const report = JSON.parse(verified.stdout);
    expect(report.checks.find((c: { check: string }) => c.check === 'status')).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });

    // Revocation is permanent: lifting it is refused as bad input, the same CONFLICT the HTTP route answers.
    const reinstated = await gxTrust('revoke', vc.id, '--reinstate');
    expect(reinstated.code).toBe(2);
    expect(reinstated.stderr).toContain('CONFLICT');

    // The refused presentation for the compliance dry run: unsigned, and no gx:LegalPerson.
    writeFileSync(join(dir, 'refused-vp.json'), JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [vc],
    }));
    const decision = await gxTrust('compliance', join(dir, 'refused-vp.json'), '--dry-run', '--label', 'SC');
    expect(decision.code).toBe(1);
    const result = JSON.parse(decision.stdout);
    expect(result.outcome).toBe('dry-run-refused');
    expect(result.decisionId).toBeUndefined();
    expect(result.findings.map((f: { code: string }) => f.code)).toContain('LEGAL_PERSON_MISSING');
    expect(result.findings.find((f: { code: string }) => f.code === 'LEGAL_PERSON_MISSING').pointer).toBe('/verifiableCredential');
    expect(decision.stderr).toContain('LEGAL_PERSON_MISSING');
  });

  it('sets the value of a 2-bit message entry with revoke --message, refusing one the entry cannot hold', { timeout: 120_000 }, async () => {
    const statusMessage = ['pending', 'accepted', 'rejected', 'withdrawn'].map((message, value) => ({ status: `0x${value}`, message }));
    writeFileSync(join(dir, 'with-message.json'), JSON.stringify({
      credential: credential('did:web:member.example'),
      options: { credentialStatus: { type: 'BitstringStatusListEntry', statusPurpose: 'message', statusSize: 2, statusMessage } },
    }));
    const issued = await gxTrust('issue', join(dir, 'with-message.json'));
    expect(issued.code, issued.stderr).toBe(0);
    const vc = JSON.parse(issued.stdout);
    expect(vc.credentialStatus[0]).toMatchObject({ statusPurpose: 'message', statusSize: 2, statusMessage });

    const set = await gxTrust('revoke', vc.id, '--message', '0x2');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ credentialId: vc.id, credentialStatus: [{ type: 'BitstringStatusListCredential', statusPurpose: 'message', status: '0x2', message: 'rejected' }] });

    const outOfRange = await gxTrust('revoke', vc.id, '--message', '0x4');
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.stderr).toContain('/credentialStatus/0/status');
  });

  it('exits 2 when compliance is given something that is not a presentation, or an unknown credential to revoke', { timeout: 60_000 }, async () => {
    const notVp = await gxTrust('compliance', join(dir, 'plain.json'), '--dry-run');
    expect(notVp.code).toBe(2);
    expect(notVp.stderr).toContain('/type');
    const unknown = await gxTrust('revoke', 'urn:uuid:00000000-0000-4000-8000-000000000000', '--suspend');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('NOT_FOUND');
  });

  it('verifies a folder: exit 1 naming the one tampered file, with the progress counter on stderr', { timeout: 120_000 }, async () => {
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    const ldp = await gxTrust('issue', join(dir, 'plain.json'));
    const jwt = await gxTrust('issue', join(dir, 'plain.json'), '--format', 'vc+jwt', '--jwt');
    expect([ldp.code, jwt.code]).toEqual([0, 0]);
    writeFileSync(join(folder, 'a.json'), ldp.stdout);
    writeFileSync(join(folder, 'b.jwt'), jwt.stdout);
    const tampered = JSON.parse(ldp.stdout);
    tampered.credentialSubject.id = 'did:web:someone-else.example';
    writeFileSync(join(folder, 'c-tampered.json'), JSON.stringify(tampered));
    writeFileSync(join(folder, 'notes.txt'), 'not a credential, not read');

    const result = await gxTrust('verify', folder, '--progress', '--concurrency', '2');
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ total: 3, verified: 2, failed: 1 });
    expect(summary.files.map((f: { file: string; verified: boolean }) => [f.file, f.verified])).toEqual([
      ['a.json', true],
      ['b.jwt', true],
      ['c-tampered.json', false],
    ]);
    expect(summary.files[2].failedChecks[0]).toMatchObject({ check: 'proof', code: 'INVALID_SIGNATURE' });
    expect(result.stderr).toContain('verified 3/3 (1 failed)');

    rmSync(join(folder, 'c-tampered.json'));
    const lines = await gxTrust('verify', folder, '--jsonl');
    expect(lines.code, lines.stderr).toBe(0);
    // Not a terminal and no --progress: stderr stays quiet for scripts.
    expect(lines.stderr).toBe('');
    const files = lines.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(files.map((f: { file: string }) => f.file).sort()).toEqual(['a.json', 'b.jwt']);
    expect(files.every((f: { verified: boolean }) => f.verified)).toBe(true);
  });
});
