/**
 * CPU per recorded issuance, one format, in one process: `npx tsx bench/recorded-cpu.ts [count]
 * [in flight] [warm-up] [format]` (format `es256`, the default, or `eddsa`). After the warm-up,
 * `count` issuances through the VC-API's scoped signer (as bench/records.ts) on SQLite; prints the
 * event loop's CPU µs per issuance, the process's (every thread), the throughput and the event
 * loop's utilisation (busy share of the run; what is left is waiting for the writer thread) and the
 * CPU µs per issuance of the three busiest other threads (the first is the SQLite writer thread;
 * the checkpoint thread and V8's helpers follow), from each thread's schedstat under
 * /proc/self/task, and the write calls and bytes per issuance of the whole process (/proc/self/io:
 * the WAL frames and checkpoints, which do not move with the machine's load). For alternating
 * before/after pairs. BENCH_CPU_PROFILE=<file> writes a V8 CPU
 * profile of the event loop during the measured issuances only (not start-up or warm-up, which
 * `--cpu-prof` would mix in).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { credential, eventLoopCpu } from './records.js';

/** Each thread's CPU in ns (schedstat's first field) and name; empty where /proc is not readable. */
function threadCpu(): Map<string, { name: string; ns: number }> {
  const threads = new Map<string, { name: string; ns: number }>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        threads.set(tid, { name: readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim(), ns });
      } catch {
        // The thread ended between the listing and the read.
      }
    }
  } catch {
    // Not Linux.
  }
  return threads;
}

/** write-family system calls and bytes written so far by the process; undefined off Linux. */
function processWrites(): { calls: number; bytes: number } | undefined {
  try {
    const fields = Object.fromEntries(readFileSync('/proc/self/io', 'utf8').trim().split('\n').map((line) => line.split(': ') as [string, string]));
    return { calls: Number(fields['syscw']), bytes: Number(fields['wchar']) };
  } catch {
    return undefined;
  }
}

const [count = 3000, inFlight = 8, warmUp = 3000] = process.argv.slice(2, 5).map(Number);
const format = process.argv[5] === 'eddsa' ? { format: 'ldp_vc' as const, cryptosuite: 'eddsa-rdfc-2022' as const } : { format: 'vc+jwt' as const, alg: 'ES256' as const };
const dir = mkdtempSync(join(tmpdir(), 'gx-trust-recorded-cpu-'));
const service = await createService(parseConfig({ GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_LOG_LEVEL: 'silent' }), { log: () => {} });
try {
  const api = service.signing.signerFor('credentials-api');
  let serial = 0;
  const run = async (n: number) => {
    let left = n;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (left > 0) {
          left--;
          await api.issueCredential(credential(service.keyring.did, serial++), { ...format, credentialStatus: true }, { caller: { actor: 'bench', role: 'admin' } });
        }
      }),
    );
  };
  await run(warmUp);
  const profileTo = process.env['BENCH_CPU_PROFILE'];
  const session = profileTo === undefined ? undefined : new Session();
  if (session !== undefined) {
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
  }
  const threadsBefore = threadCpu();
  const writesBefore = processWrites();
  const loop = eventLoopCpu();
  const utilisation = performance.eventLoopUtilization();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(count);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const loopUsed = eventLoopCpu();
  const threadsAfter = threadCpu();
  const writesAfter = processWrites();
  const busy = performance.eventLoopUtilization(utilisation);
  if (session !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(profileTo!, JSON.stringify(profile));
    session.disconnect();
  }
  console.log(
    JSON.stringify({
      format: process.argv[5] === 'eddsa' ? 'eddsa-rdfc-2022' : 'vc+jwt ES256',
      count,
      eventLoopUsPerOp: loop === undefined || loopUsed === undefined ? null : Math.round((loopUsed - loop) / count),
      processUsPerOp: Math.round((used.user + used.system) / count),
      opsPerSecond: Math.round(count / seconds),
      // The share of the run the event loop was not waiting for I/O (a group's answer, a timer):
      // idle while the writer thread commits and nothing is left to sign, near 1 when they overlap.
      eventLoopUtilisation: Number(busy.utilization.toFixed(3)),
      otherThreadsUsPerOp: [...threadsAfter]
        .filter(([tid]) => tid !== String(process.pid))
        .map(([tid, { name, ns }]) => ({ name, usPerOp: Math.round((ns - (threadsBefore.get(tid)?.ns ?? 0)) / 1000 / count) }))
        .sort((a, b) => b.usPerOp - a.usPerOp)
        .slice(0, 3),
      writesPerOp:
        writesBefore === undefined || writesAfter === undefined
          ? null
          : { calls: Number(((writesAfter.calls - writesBefore.calls) / count).toFixed(2)), bytes: Math.round((writesAfter.bytes - writesBefore.bytes) / count) },
      loadAverage: os.loadavg()[0]!.toFixed(1),
    }),
  );
} finally {
  await service.close();
  rmSync(dir, { recursive: true, force: true });
}
