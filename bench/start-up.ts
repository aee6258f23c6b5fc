/**
 * Start-up time: from spawning the server process to its first 200 on /health, for the way
 * `npm start` ran before the build (`tsx src/main.ts`, compiling TypeScript at every start) and the
 * compiled service (`node dist/main.js`, what `npm start` runs now). Runs alternate between the two
 * so a burst of load on the shared machine hits both; the median of each is reported. The keys
 * exist before the first timed run (generating them is a first start's cost, not every start's).
 */
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StartUpRow {
  name: string;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Milliseconds from spawn to the first 200 on /health; the process is stopped before this resolves. */
async function timeStart(command: string, args: readonly string[], env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port), GX_LOG_LEVEL: 'silent' }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let done = false;
  void exited.then(() => (done = true));
  try {
    for (;;) {
      if (done) throw new Error(`${command} ${args.join(' ')} exited before answering /health:\n${stderr}`);
      const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status === 200, () => false);
      if (ok) return performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error(`${command} ${args.join(' ')} did not answer /health within 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

export async function benchmarkStartUp(options: { dataDir: string; runs: number }): Promise<StartUpRow[]> {
  const built = spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('npm run build failed');
  const env = { GX_KEYS_DIR: join(options.dataDir, 'keys'), GX_DATA_DIR: join(options.dataDir, 'data') };
  const ways = [
    { name: 'start-up to first /health 200: tsx src/main.ts (before the build)', command: join(ROOT, 'node_modules', '.bin', 'tsx'), args: ['src/main.ts'] },
    { name: 'start-up to first /health 200: node dist/main.js (npm start)', command: process.execPath, args: ['dist/main.js'] },
  ];
  // Not timed: generates the keys and the database, and fills tsx's transform cache.
  for (const way of ways) await timeStart(way.command, way.args, env);
  const samples = ways.map(() => [] as number[]);
  for (let run = 0; run < options.runs; run++) {
    for (const [i, way] of ways.entries()) samples[i]!.push(await timeStart(way.command, way.args, env));
  }
  return ways.map((way, i) => {
    const sorted = [...samples[i]!].sort((a, b) => a - b);
    return { name: way.name, runs: sorted.length, medianMs: sorted[Math.floor(sorted.length / 2)]!, minMs: sorted[0]!, maxMs: sorted.at(-1)! };
  });
}
