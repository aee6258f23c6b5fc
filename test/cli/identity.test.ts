/**
 * The CLI reads the server's configuration (the same variables, flags on top), says on stderr the
 * base URL and the DID it acts as, and warns, with its exit code unchanged, when the service
 * running at its base URL serves another DID or other keys. Run as a user runs it: a child
 * process, against the real service listening on loopback.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';

// Each run starts a child process through tsx (seconds on a loaded machine); the timeouts below are
// for that, not for what is tested.

const run = promisify(execFile);

let dir: string;
let serverKeys: string;
let svc: RunningService;
let serverDid: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The CLI with the given configuration only (none of the test process's GX_ variables). */
async function gxTrust(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('GX_') && key !== 'PORT' && key !== 'DATABASE_URL'));
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI_FROM_SOURCE, ...args], { env: { ...inherited, GX_LOG_LEVEL: 'silent', GX_DATA_DIR: join(dir, 'cli-data'), ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-cli-identity-'));
  serverKeys = join(dir, 'server-keys');
  svc = await startService({ GX_KEYS_DIR: serverKeys });
  serverDid = svc.service.keyring.did;
  writeFileSync(
    join(dir, 'credential.json'),
    JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { id: 'did:web:member.example' } }),
  );
});
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gx-trust with the running server\'s configuration', { timeout: 120_000 }, () => {
  it('says the base URL and the DID it signs as, and nothing else, when they are the server\'s', async () => {
    const issued = await gxTrust({ GX_BASE_URL: `http://localhost:${svc.port}`, GX_KEYS_DIR: serverKeys }, 'issue', join(dir, 'credential.json'));
    expect(issued.code, issued.stderr).toBe(0);
    expect(JSON.parse(issued.stdout).issuer).toBe(serverDid);
    expect(issued.stderr.trim().split('\n')).toEqual([
      `gx-trust: acting as ${serverDid} (base URL http://localhost:${svc.port}; keys ${serverKeys}; data ${join(dir, 'cli-data')})`,
    ]);
  });

  it('derives the base URL from PORT as the server does', async () => {
    const init = await gxTrust({ PORT: String(svc.port), GX_KEYS_DIR: serverKeys }, 'keys', 'init');
    expect(init.code, init.stderr).toBe(0);
    expect(JSON.parse(init.stdout).did).toBe(serverDid);
    expect(init.stderr).toContain(`acting as ${serverDid}`);
    expect(init.stderr).not.toContain('warning');
  });

  it('takes flags over the environment', async () => {
    const init = await gxTrust(
      { GX_BASE_URL: `http://localhost:${await closedPort()}`, GX_KEYS_DIR: join(dir, 'other-keys') },
      '--base-url', `http://localhost:${svc.port}`, '--keys-dir', serverKeys, 'keys', 'init',
    );
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`acting as ${serverDid}`);
    expect(init.stderr).not.toContain('warning');
  });
});

describe('gx-trust with another configuration than the running server', { timeout: 120_000 }, () => {
  it('warns when the service at its base URL serves another DID, naming both and GX_BASE_URL; the exit code is unchanged', async () => {
    // A server configured with its public base URL (behind a proxy, say), reached by the CLI at its port.
    const elsewhere = await startService({ GX_BASE_URL: 'https://trust.example.org/gx', GX_KEYS_DIR: join(dir, 'elsewhere-keys') });
    try {
      const cliDid = `did:web:localhost%3A${elsewhere.port}`;
      const issued = await gxTrust({ PORT: String(elsewhere.port), GX_KEYS_DIR: join(dir, 'elsewhere-keys') }, 'issue', join(dir, 'credential.json'));
      expect(issued.code, issued.stderr).toBe(0);
      expect(JSON.parse(issued.stdout).issuer).toBe(cliDid);
      expect(issued.stderr).toContain(`acting as ${cliDid}`);
      const warning = issued.stderr.split('\n').find((line) => line.startsWith('gx-trust: warning:'));
      expect(warning).toContain(`serves did:web:trust.example.org:gx, but this CLI acts as ${cliDid}`);
      expect(warning).toContain('GX_BASE_URL');
      expect(warning).toContain('--base-url');
    } finally {
      await elsewhere.close();
    }
  });

  it('warns when the service serves the same DID with other keys, naming GX_KEYS_DIR', async () => {
    const otherKeys = join(dir, 'other-keys');
    const init = await gxTrust({ GX_BASE_URL: `http://localhost:${svc.port}`, GX_KEYS_DIR: otherKeys }, 'keys', 'init');
    expect(init.code, init.stderr).toBe(0);
    const warning = init.stderr.split('\n').find((line) => line.startsWith('gx-trust: warning:'));
    expect(warning).toContain(`serves ${serverDid} with other keys than this CLI's`);
    expect(warning).toContain(otherKeys);
    expect(warning).toContain('GX_KEYS_DIR');
  });

  it('keeps a failing command\'s exit code when it also warns', async () => {
    const past = new Date(Date.now() - 86_400_000).toISOString();
    writeFileSync(join(dir, 'expired.json'), JSON.stringify({ '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], validUntil: past, credentialSubject: { id: 'did:web:member.example' } }));
    const issued = await gxTrust({ GX_BASE_URL: `http://localhost:${svc.port}`, GX_KEYS_DIR: join(dir, 'other-keys') }, 'issue', join(dir, 'expired.json'));
    expect(issued.code, issued.stderr).toBe(2);
    expect(issued.stderr).toContain('gx-trust: warning:');
    expect(issued.stderr).toContain('INVALID_DATE');
  });
});

describe('gx-trust with no service at its base URL', { timeout: 120_000 }, () => {
  it('notes that nothing answers there; --quiet keeps stderr for warnings only', async () => {
    const port = await closedPort();
    const env = { PORT: String(port), GX_KEYS_DIR: join(dir, 'lone-keys') };
    const init = await gxTrust(env, 'keys', 'init');
    expect(init.code, init.stderr).toBe(0);
    expect(init.stderr).toContain(`acting as did:web:localhost%3A${port}`);
    expect(init.stderr).toContain(`gx-trust: note: nothing answers at http://localhost:${port}/.well-known/did.json`);
    expect(init.stderr).not.toContain('warning');
    const quiet = await gxTrust(env, '--quiet', 'keys', 'init');
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
  });
});
