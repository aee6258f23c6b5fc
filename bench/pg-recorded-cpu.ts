/**
 * CPU per recorded ES256 issuance on PostgreSQL, as the service spends it: process CPU (every
 * thread, `process.cpuUsage`) and the event loop's own (the main thread's utime + stime from
 * /proc/self/task/<pid>/stat), with the statements sent per issuance. Wall-clock throughput on a
 * shared machine says little (see docs/performance.md); CPU per operation is what to compare, in
 * alternating runs of two commits under the same load.
 *
 * `GX_TEST_DATABASE_URL=postgres://... npx tsx bench/pg-recorded-cpu.ts [issuances] [in flight]`
 * (a fresh schema, dropped after). `BENCH_PG_COUNT_QUERIES=1` also counts the statements each
 * issuance sends, by their first words (it wraps pg's Client#query, which costs CPU itself: leave
 * it off when comparing CPU).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { countPgQueries } from './pg-query-counts.js';
import { parseConfig } from '../src/config.js';
import { createIssuer } from '../src/issuing/index.js';
import { createService } from '../src/service.js';

/** CPU seconds of one thread of this process (Linux): fields 14 and 15 of its stat, in clock ticks. */
function threadCpuSeconds(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const credential = (issuer: string, i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${i}.example`, 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

// BENCH_PG_STORE=sqlite: the same run on the SQLite file, for the comparison.
const onSqlite = process.env['BENCH_PG_STORE'] === 'sqlite';
const databaseUrl = process.env['GX_TEST_DATABASE_URL'] || process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('Set GX_TEST_DATABASE_URL');
const [iterationsArg, inFlightArg] = process.argv.slice(2).map(Number);
const iterations = iterationsArg || 3000;
const inFlight = inFlightArg || 8;

const counts = countPgQueries();

const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-pg-cpu-'));
const schema = `gx_bench_${randomBytes(6).toString('hex')}`;
const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
await admin.query(`CREATE SCHEMA "${schema}"`);
const separator = databaseUrl.includes('?') ? '&' : '?';
try {
  const service = await createService(
    parseConfig({
      GX_KEYS_DIR: join(dir, 'keys'),
      GX_DATA_DIR: join(dir, 'data'),
      PORT: '8080',
      GX_LOG_LEVEL: 'silent',
      ...(onSqlite ? {} : { DATABASE_URL: `${databaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}` }),
      ...(process.env['GX_PG_GROUPS_IN_FLIGHT'] ? { GX_PG_GROUPS_IN_FLIGHT: process.env['GX_PG_GROUPS_IN_FLIGHT'] } : {}),
    }),
    { log: () => {} },
  );
  try {
    const api = service.signing.signerFor('credentials-api');
    // Sign-only over the same keys (as bench/records.ts): the ratio recorded / sign-only.
    const issuer = createIssuer({ keyring: service.keyring, documentLoader: service.documentLoader, clock: () => new Date() });
    let serial = 0;
    const record = (i: number) => api.issueCredential(credential(service.keyring.did, i), { format: 'vc+jwt', alg: 'ES256', credentialStatus: true }, { caller: { actor: 'bench', role: 'admin' } });
    const sign = (i: number) => issuer.issueCredential(credential(service.keyring.did, i), { format: 'vc+jwt', alg: 'ES256' });
    const run = async (count: number, op: (i: number) => Promise<unknown> = record) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < count) {
            next++;
            await op(serial++);
          }
        }),
      );
    };
    await run(Math.max(500, iterations / 4));
    await run(Math.max(500, iterations / 4), sign);
    const signStarted = performance.now();
    await run(iterations, sign);
    const signSeconds = (performance.now() - signStarted) / 1000;
    counts.clear();
    const cpu = process.cpuUsage();
    const loop = threadCpuSeconds(process.pid);
    const started = performance.now();
    await run(iterations);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const loopUs = ((threadCpuSeconds(process.pid) - loop) * 1e6) / iterations;
    const signAfterStarted = performance.now();
    await run(iterations, sign);
    const signAfterSeconds = (performance.now() - signAfterStarted) / 1000;
    const result = {
      store: onSqlite ? 'sqlite' : 'postgres',
      groupsInFlight: process.env['GX_PG_GROUPS_IN_FLIGHT'] ?? '1 (default)',
      iterations,
      inFlight,
      opsPerSecond: Math.round(iterations / seconds),
      // Sign-only runs just before and just after the recorded one; the ratio against their mean.
      signOnlyOpsPerSecond: Math.round((2 * iterations) / (signSeconds + signAfterSeconds)),
      ratio: Number(((signSeconds + signAfterSeconds) / 2 / seconds).toFixed(3)),
      processCpuUsPerOp: Math.round((used.user + used.system) / iterations),
      eventLoopCpuUsPerOp: Math.round(loopUs),
      load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };
    console.log(JSON.stringify(result));
    if (counts.size > 0) {
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      console.log(`statements per issuance: ${(total / iterations).toFixed(3)}`);
      for (const [text, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / iterations).toFixed(3)}  ${text}`);
    }
  } finally {
    await service.close();
  }
} finally {
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
