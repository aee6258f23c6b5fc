/**
 * The PostgreSQL store alone: CPU per recorded issuance (credential row of a JWT's size, one status
 * allocation taken over from a reserved block, record row, audit entry), 8 in flight as the service
 * has them, no signing. Process CPU and the event loop's own (main thread, /proc/self/task/<pid>/stat).
 *
 * `GX_TEST_DATABASE_URL=postgres://... npx tsx bench/pg-group-cpu.ts [issuances] [in flight]`
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { countPgQueries } from './pg-query-counts.js';
import { recordCodecs } from '../src/record-codecs.js';
import { openPostgresStore } from '../src/storage/postgres.js';

function threadCpuSeconds(tid: number, path = `/proc/self/task/${tid}/stat`): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const databaseUrl = process.env['GX_TEST_DATABASE_URL'] || process.env['DATABASE_URL'];
if (!databaseUrl) throw new Error('Set GX_TEST_DATABASE_URL');
const [iterationsArg, inFlightArg] = process.argv.slice(2).map(Number);
const iterations = iterationsArg || 5000;
const inFlight = inFlightArg || 8;
const LIST = { id: 'https://issuer.example/status-lists/1', purpose: 'revocation' as const, size: 131_072 };
const HOLDER = `urn:gx-trust:reserved:${randomUUID()}`;

const counts = countPgQueries();

const schema = `gx_bench_${randomBytes(6).toString('hex')}`;
const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
await admin.query(`CREATE SCHEMA "${schema}"`);
try {
  // Named, so that the server's backends serving this store can be found and their CPU read too
  // (the database runs on this machine in the benches here).
  const applicationName = schema;
  const store = await openPostgresStore({
    connectionString: `${databaseUrl}${databaseUrl.includes('?') ? '&' : '?'}application_name=${applicationName}`,
    schema,
    codecs: recordCodecs,
    ...(process.env['GX_PG_GROUPS_IN_FLIGHT'] ? { groupsInFlight: Number(process.env['GX_PG_GROUPS_IN_FLIGHT']) } : {}),
  });
  try {
    await store.ensureStatusList(LIST);
    // As the allocator does: one block of 64 at a time, the requests that find none waiting for it.
    let free: number[] = [];
    let refill: Promise<void> | undefined;
    const nextIndex = async (): Promise<number> => {
      while (free.length === 0) {
        refill ??= store.reserveStatusIndexes({ listId: LIST.id, holder: HOLDER, count: 64 }).then((block) => {
          free = block;
          refill = undefined;
        });
        await refill;
      }
      return free.pop()!;
    };
    const issueOne = async () => {
      const index = await nextIndex();
      const id = `urn:uuid:${randomUUID()}`;
      // About the size of a vc+jwt ES256 credential.
      const credential = `eyJhbGciOiJFUzI1NiJ9.${randomBytes(700).toString('base64url')}.${randomBytes(64).toString('base64url')}`;
      const digest = `sha256:${createHash('sha256').update(credential).digest('hex')}`;
      await store.recordIssuance({
        credential: {
          id,
          types: ['VerifiableCredential'],
          subject: 'did:web:member.example',
          issuer: 'did:web:issuer.example',
          format: 'vc+jwt',
          digest,
          statusEntries: [{ listId: LIST.id, index, purpose: 'revocation' }],
          issuedBy: 'admin',
          credential,
        },
        allocations: [{ listId: LIST.id, index, credentialId: id, reservedAs: HOLDER }],
        audit: { actor: 'bench', action: 'credential.issued', subject: id, digests: { credential: digest } },
      });
    };
    const run = async (count: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async () => {
          while (next < count) {
            next++;
            await issueOne();
          }
        }),
      );
    };
    await run(Math.max(1000, iterations / 4));
    counts.clear();
    const backends = (await admin.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [applicationName])).rows.map((r) => r.pid);
    const backendCpu = () => backends.reduce((sum, pid) => { try { return sum + threadCpuSeconds(pid, `/proc/${pid}/stat`); } catch { return sum; } }, 0);
    const server = backendCpu();
    const cpu = process.cpuUsage();
    const loop = threadCpuSeconds(process.pid);
    const started = performance.now();
    await run(iterations);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    console.log(
      JSON.stringify({
        iterations,
        inFlight,
        opsPerSecond: Math.round(iterations / seconds),
        processCpuUsPerOp: Math.round((used.user + used.system) / iterations),
        eventLoopCpuUsPerOp: Math.round(((threadCpuSeconds(process.pid) - loop) * 1e6) / iterations),
        // The database's backends serving this store (those connected after the warm-up).
        serverCpuUsPerOp: Math.round(((backendCpu() - server) * 1e6) / iterations),
        load: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
      }),
    );
    for (const [text, n] of [...counts].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / iterations).toFixed(3)}  ${text}`);
  } finally {
    await store.close();
  }
} finally {
  await admin.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
  await admin.end();
}
