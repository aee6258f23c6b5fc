/**
 * Real gx-trust server processes (`node --import tsx src/main.ts`, or the build) on loopback, for tests that need
 * several replicas or a process that dies with SIGKILL. A fresh PostgreSQL schema per test is
 * reached through the URL's `options=-c search_path=...`, exactly as an operator would configure it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface GxProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Resolves with the signal or exit code when the process ends. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The service from source, compiled on the fly by tsx (what `npm start` ran before there was a build). */
export const FROM_SOURCE: readonly string[] = ['--import', 'tsx', 'src/main.ts'];

/**
 * Starts the server process (`node <args>`, in the repository folder) and resolves once it answers
 * on `port`; rejects with its output if it dies first.
 */
export async function startGxProcess(env: Record<string, string>, port?: number, args: readonly string[] = FROM_SOURCE): Promise<GxProcess> {
  const listenPort = port ?? (await freePort());
  const { DATABASE_URL: _inheritedDb, GX_TEST_CRASH_AT: _inheritedCrash, ...inherited } = process.env;
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...inherited, GX_LOG_LEVEL: 'silent', GX_ENV: 'development', PORT: String(listenPort), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  // Ready when /health answers (the start line goes through the logger, which tests silence).
  let dead: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  void exited.then((how) => (dead = how));
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (dead !== undefined) throw new Error(`gx-trust exited (${dead.code ?? dead.signal}) before listening:\n${output}`);
    const ok = await fetch(`http://127.0.0.1:${listenPort}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`gx-trust did not answer /health within 90 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url: `http://127.0.0.1:${listenPort}`,
    port: listenPort,
    child,
    exited,
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface PostgresSchema {
  /** DATABASE_URL that puts every table of the replicas in this schema. */
  databaseUrl: string;
  schema: string;
  pool: pg.Pool;
  dispose(): Promise<void>;
}

export async function freshPostgresSchema(baseUrl: string): Promise<PostgresSchema> {
  const schema = `gx_replicas_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Pool({ connectionString: baseUrl, max: 1 });
  await admin.query(`CREATE SCHEMA "${schema}"`);
  await admin.end();
  const separator = baseUrl.includes('?') ? '&' : '?';
  const databaseUrl = `${baseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 3 });
  return {
    databaseUrl,
    schema,
    pool,
    async dispose() {
      await pool.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
      await pool.end();
    },
  };
}

/** Runs `tasks` with at most `limit` in flight. */
export async function bounded<T>(limit: number, tasks: readonly (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
