/**
 * Issuance with records (status index reserved, signed, then credential + allocation + audit entry
 * in one transaction) against signing alone, in the same run, on SQLite and (when
 * GX_TEST_DATABASE_URL or DATABASE_URL is set) on PostgreSQL in a fresh schema. Both go through
 * the in-process service (the VC-API's scoped signer, as POST /credentials/issue with an admin key:
 * the signing policy, records and audit) and a bare issuer over the same keys, several requests in
 * flight as an HTTP server would have them. A third side runs the policy's review of the credential
 * and then the bare issuer (no status entry, nothing stored): between it and sign-only lies what the
 * policy costs, between it and the recorded side what the records cost.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../src/config.js';
import { createIssuer, type IssueOptions } from '../src/issuing/index.js';
import { createService, type Service } from '../src/service.js';

export interface RecordsRow {
  store: 'sqlite' | 'postgres';
  name: string;
  /** The median of the rounds' throughputs. */
  opsPerSecond: number;
  /** Over every round's latencies. */
  p50Ms: number;
  p99Ms: number;
  /** Process CPU (user + system, every thread) per operation, median of the rounds. */
  cpuUsPerOp: number;
  /**
   * CPU of the event loop's own thread per operation, median of the rounds; undefined where
   * /proc/self/task is not readable (not Linux).
   */
  eventLoopUsPerOp?: number | undefined;
  /** This side's throughput over sign-only throughput of the same format: the median of the rounds' ratios. */
  ratio?: number;
  /** Each round's ratio, in order. */
  roundRatios?: number[];
  /**
   * Sign-only event-loop µs per operation over this side's event-loop µs per operation: the median
   * of the rounds' ratios. With a signature and a recorded issuance both bound by the event loop (the
   * writer and checkpoint threads take a core of their own), this is the throughput ratio a quiet
   * 2-core machine would show; unlike wall time it hardly moves when other processes take the cores.
   */
  eventLoopRatio?: number | undefined;
}

/** Named as the service's did:web: the VC-API signs only as the issuer a credential names. */
export const credential = (issuer: string, i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${i}.example`, 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

interface Round {
  opsPerSecond: number;
  cpuUsPerOp: number;
  eventLoopUsPerOp: number | undefined;
  latencies: number[];
}

/**
 * CPU time of this process's main thread (the event loop; its task id is the process id), in µs:
 * the scheduler's nanosecond count (schedstat) where the kernel keeps it, else utime + stime of
 * the thread's stat in clock ticks (10 ms at the usual 100 Hz, too coarse for short rounds).
 * process.cpuUsage() cannot tell it from the writer, checkpoint and GC threads.
 */
export const eventLoopCpu: () => number | undefined = (() => {
  const task = `/proc/self/task/${process.pid}`;
  try {
    const ns = Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]);
    if (Number.isFinite(ns) && ns > 0) return () => Number(readFileSync(`${task}/schedstat`, 'utf8').split(' ')[0]) / 1000;
  } catch {
    // No schedstat (CONFIG_SCHED_INFO off): the clock-tick counters below.
  }
  try {
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const read = () => {
      // The command name may hold spaces and parentheses: the fields follow the last ')'.
      const stat = readFileSync(`${task}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime are fields 14 and 15 of proc(5), 12 and 13 after the state field (index 0 here).
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
    };
    read();
    return read;
  } catch {
    return () => undefined;
  }
})();

async function measure(iterations: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<Round> {
  const latencies: number[] = [];
  let next = 0;
  const cpu = process.cpuUsage();
  const loop = eventLoopCpu();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < iterations) {
        const i = next++;
        const t = performance.now();
        await op(i);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const loopNow = eventLoopCpu();
  const eventLoopUsPerOp = loop === undefined || loopNow === undefined ? undefined : (loopNow - loop) / iterations;
  return { opsPerSecond: iterations / seconds, cpuUsPerOp: (used.user + used.system) / iterations, eventLoopUsPerOp, latencies };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function summarize(rounds: readonly Round[]): Omit<RecordsRow, 'store' | 'name'> {
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  const loop = rounds.map((r) => r.eventLoopUsPerOp).filter((v): v is number => v !== undefined);
  return {
    opsPerSecond: median(rounds.map((r) => r.opsPerSecond)),
    cpuUsPerOp: median(rounds.map((r) => r.cpuUsPerOp)),
    eventLoopUsPerOp: loop.length === rounds.length ? median(loop) : undefined,
    p50Ms: at(0.5),
    p99Ms: at(0.99),
  };
}

const FORMATS: { name: string; options: IssueOptions }[] = [
  { name: 'vc+jwt ES256', options: { format: 'vc+jwt', alg: 'ES256' } },
  { name: 'eddsa-rdfc-2022', options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } },
];

/**
 * The sides take turns, each round in another order (sign, policy, record; policy, record, sign;
 * record, sign, policy; ...), so that the JIT settling, a burst of other work on the machine or the
 * WAL growing weigh on every side alike; a ratio is the median of the rounds' own ratios. A single
 * sign-only run measured first used to be taken before the JIT had settled (a third of its warm
 * figure on a quiet machine).
 */
async function benchService(store: RecordsRow['store'], service: Service, iterations: number, inFlight: number, roundCount: number): Promise<RecordsRow[]> {
  const rows: RecordsRow[] = [];
  let serial = 0;
  const perRound = Math.max(1, Math.ceil(iterations / roundCount));
  for (const format of FORMATS) {
    const issuer = createIssuer({ keyring: service.keyring, documentLoader: service.documentLoader, clock: () => new Date() });
    const api = service.signing.signerFor('credentials-api');
    const caller = { actor: 'bench', role: 'admin' } as const;
    const sign = (i: number) => issuer.issueCredential(credential(service.keyring.did, i), format.options);
    // What the scoped signer does before it hands a credential to the recording issuer (types,
    // subjects and validity judged on its JSON-LD reading), then the signature alone.
    const policy = async (i: number) => {
      const draft = credential(service.keyring.did, i);
      const { refusal } = await api.review(draft, { caller }, { ...format.options, credentialStatus: true });
      if (refusal !== undefined) throw new Error(`the policy refused the bench credential: ${refusal.message}`);
      return issuer.issueCredential(draft, format.options);
    };
    const record = (i: number) => api.issueCredential(credential(service.keyring.did, i), { ...format.options, credentialStatus: true }, { caller });
    const run = async (op: (i: number) => Promise<unknown>, count: number): Promise<Round> => {
      const base = serial;
      serial += count;
      return measure(count, inFlight, (i) => op(base + i));
    };
    // Warm-up: JIT, key caches, contexts, prepared statements, the pool's connections; twice each, alternating.
    const warmUp = Math.max(200, Math.ceil(iterations / 4));
    const sides = [
      { name: 'sign only', op: sign, rounds: [] as Round[] },
      { name: 'policy + sign (no records)', op: policy, rounds: [] as Round[] },
      { name: 'reserve + sign + record + audit', op: record, rounds: [] as Round[] },
    ];
    for (let i = 0; i < 2; i++) for (const side of sides) await run(side.op, warmUp);
    for (let round = 0; round < roundCount; round++) {
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(round + k) % sides.length]!;
        side.rounds.push(await run(side.op, perRound));
      }
    }
    const [signOnly, ...others] = sides as [typeof sides[number], ...typeof sides];
    rows.push({ store, name: `${format.name}: ${signOnly.name}`, ...summarize(signOnly.rounds) });
    for (const side of others) {
      const roundRatios = side.rounds.map((r, i) => r.opsPerSecond / signOnly.rounds[i]!.opsPerSecond);
      const loopRatios = side.rounds.flatMap((r, i) => {
        const sign = signOnly.rounds[i]!.eventLoopUsPerOp;
        return r.eventLoopUsPerOp === undefined || sign === undefined || r.eventLoopUsPerOp === 0 ? [] : [sign / r.eventLoopUsPerOp];
      });
      rows.push({
        store,
        name: `${format.name}: ${side.name}`,
        ...summarize(side.rounds),
        ratio: median(roundRatios),
        roundRatios,
        eventLoopRatio: loopRatios.length === side.rounds.length ? median(loopRatios) : undefined,
      });
    }
  }
  return rows;
}

/** One line of the printed table. */
export function recordsTableRow(row: RecordsRow): Record<string, string | number> {
  return {
    store: row.store,
    name: row.name,
    'ops/s': Math.round(row.opsPerSecond),
    'p50 ms': row.p50Ms.toFixed(2),
    'p99 ms': row.p99Ms.toFixed(2),
    'CPU µs/op': Math.round(row.cpuUsPerOp),
    'EL µs/op': row.eventLoopUsPerOp === undefined ? '' : Math.round(row.eventLoopUsPerOp),
    '/ sign only': row.ratio?.toFixed(2) ?? '',
    'EL sign / this': row.eventLoopRatio?.toFixed(2) ?? '',
    rounds: row.roundRatios?.map((r) => r.toFixed(2)).join(' ') ?? '',
  };
}

export async function benchmarkRecords(options: { iterations?: number; inFlight?: number; rounds?: number; databaseUrl?: string | undefined; stores?: 'postgres' | undefined } = {}): Promise<RecordsRow[]> {
  const iterations = options.iterations ?? 1000;
  const inFlight = options.inFlight ?? 8;
  const rounds = Math.max(1, options.rounds ?? 6);
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-records-'));
  const base = { GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_LOG_LEVEL: 'silent' };
  const rows: RecordsRow[] = [];
  try {
    if (options.stores !== 'postgres') {
      const sqlite = await createService(parseConfig(base), { log: () => {} });
      try {
        rows.push(...(await benchService('sqlite', sqlite, iterations, inFlight, rounds)));
      } finally {
        await sqlite.close();
      }
    }
    if (options.databaseUrl) {
      const schema = `gx_bench_${randomBytes(6).toString('hex')}`;
      const admin = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
      await admin.query(`CREATE SCHEMA "${schema}"`);
      const separator = options.databaseUrl.includes('?') ? '&' : '?';
      const databaseUrl = `${options.databaseUrl}${separator}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
      try {
        const postgres = await createService(parseConfig({ ...base, DATABASE_URL: databaseUrl }), { log: () => {} });
        try {
          rows.push(...(await benchService('postgres', postgres, iterations, inFlight, rounds)));
        } finally {
          await postgres.close();
        }
      } finally {
        await admin.query(`DROP SCHEMA "${schema}" CASCADE`).catch(() => undefined);
        await admin.end();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

// `npx tsx bench/records.ts [iterations] [in flight] [rounds]`: this bench alone (PostgreSQL too
// when GX_TEST_DATABASE_URL or DATABASE_URL is set). BENCH_RECORDS_STORES=sqlite skips PostgreSQL,
// BENCH_RECORDS_STORES=postgres skips SQLite. The iterations of each side are split over the rounds.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [iterations, inFlight, rounds] = process.argv.slice(2).map(Number);
  const databaseUrl = process.env['BENCH_RECORDS_STORES'] === 'sqlite' ? undefined : process.env['GX_TEST_DATABASE_URL'] || process.env['DATABASE_URL'];
  const started = process.cpuUsage();
  const stores = process.env['BENCH_RECORDS_STORES'] === 'postgres' ? 'postgres' : undefined;
  const rows = await benchmarkRecords({ iterations: iterations || 1000, inFlight: inFlight || 8, rounds: rounds || 6, databaseUrl, stores });
  const cpu = process.cpuUsage(started);
  console.table(rows.map(recordsTableRow));
  console.log(`process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
}
