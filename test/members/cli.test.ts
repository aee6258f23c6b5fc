/** `gx-trust members` and `gx-trust keys rotate`, run as a user runs them: a child process on a data folder. */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
      env: { ...process.env, GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '18444', GX_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-members-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gx-trust members / keys rotate', () => {
  // Each step is a child process that opens the service (a few seconds each on this machine).
  it('creates and lists a member, hands out an API key once, and rotates its keys', { timeout: 120_000 }, async () => {
    const created = await gxTrust('members', 'create', 'acme', '--name', 'ACME GmbH');
    expect(created.code, created.stderr).toBe(0);
    const member = JSON.parse(created.stdout);
    expect(member.did).toBe('did:web:localhost%3A18444:members:acme');

    const key = await gxTrust('members', 'api-key', 'acme', '--role', 'connector');
    expect(key.code, key.stderr).toBe(0);
    const { apiKey, id } = JSON.parse(key.stdout);
    expect(apiKey).toMatch(/^gx_/);

    const list = await gxTrust('members', 'list');
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)[0].apiKeys[0].id).toBe(id);
    expect(list.stdout).not.toContain(apiKey);

    const rotated = await gxTrust('keys', 'rotate', '--member', 'acme');
    expect(rotated.code, rotated.stderr).toBe(0);
    const result = JSON.parse(rotated.stdout);
    expect(result.previous).toHaveLength(3);
    expect(result.current).toHaveLength(3);

    expect((await gxTrust('members', 'revoke-key', 'acme', id)).code).toBe(0);
  });

  it('exits 2 for bad usage: a taken slug, an unknown member, a missing role, service key rotation', { timeout: 120_000 }, async () => {
    expect((await gxTrust('members', 'create', 'taken', '--name', 'T')).code).toBe(0);
    expect((await gxTrust('members', 'create', 'taken', '--name', 'T')).code).toBe(2);
    expect((await gxTrust('members', 'api-key', 'nobody', '--role', 'member')).code).toBe(2);
    expect((await gxTrust('members', 'api-key', 'taken')).code).toBe(2);
    const service = await gxTrust('keys', 'rotate');
    expect(service.code).toBe(2);
    expect(service.stderr).toContain('--member');
  });

  it('has --help on each command (exit 0)', { timeout: 120_000 }, async () => {
    for (const args of [['members', '--help'], ['members', 'create', '--help'], ['members', 'api-key', '--help'], ['keys', 'rotate', '--help']]) {
      const help = await gxTrust(...args);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toContain('Usage: gx-trust');
    }
  });
});
