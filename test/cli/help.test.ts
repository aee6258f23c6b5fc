/** Every command and subcommand answers --help with exit 0 and says what it does. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Command } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram, EXIT, runCli } from '../../src/cli/main.js';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

function commandPaths(command: Command, prefix: string[] = []): { path: string[]; command: Command }[] {
  return command.commands.flatMap((sub) => {
    const path = [...prefix, sub.name()];
    return [{ path, command: sub }, ...commandPaths(sub, path)];
  });
}

const registered = commandPaths(buildProgram());

afterEach(() => {
  vi.restoreAllMocks();
});

describe('gx-trust --help', () => {
  it('registers every job a person does from a shell', () => {
    const names = registered.map((r) => r.path.join(' '));
    for (const job of ['keys init', 'keys rotate', 'did show', 'issue', 'verify', 'revoke', 'compliance', 'present', 'members create', 'members api-key', 'audit verify', 'serve']) {
      expect(names).toContain(job);
    }
  });

  it.each(registered.map((r) => [r.path.join(' '), r] as const))('%s --help exits 0 and describes the command', async (_name, { path, command }) => {
    expect(command.description().length).toBeGreaterThan(10);
    let written = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
    const code = await runCli([...path, '--help']);
    vi.restoreAllMocks();
    expect(code).toBe(EXIT.ok);
    expect(written).toContain(`Usage: gx-trust ${path.join(' ')}`);
    expect(written).toContain(command.description().slice(0, 20));
  });

  it('exits 0 from a process, and 2 on an unknown command', { timeout: 30_000 }, async () => {
    const help = await promisify(execFile)(process.execPath, [...CLI_FROM_SOURCE, '--help']);
    for (const job of ['revoke', 'compliance', 'verify']) expect(help.stdout).toContain(job);
    const unknown = await promisify(execFile)(process.execPath, [...CLI_FROM_SOURCE, 'no-such-job']).then(() => 0, (e: { code: number }) => e.code);
    expect(unknown).toBe(EXIT.usage);
  });
});
