/**
 * Issuance with records (status index reserved, signed, then credential + allocation + audit entry
 * in one transaction) against signing alone, in the same run, on SQLite and (when
 * GX_TEST_DATABASE_URL or DATABASE_URL is set) on PostgreSQL in a fresh schema. Both go through
 * the in-process service (the VC-API's scoped signer, as POST /credentials/issue with an admin key:
 * the signing policy, records and audit) and a bare issuer over the same keys, several requests in
 * flight as an HTTP server would have them; the ratio says what the policy and the records cost.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { parseConfig } from '../src/config.js';
import { createIssuer, type IssueOptions } from '../src/issuing/index.js';
import { createService, type Service } from '../src/service.js';

export interface RecordsRow {
  store: 'sqlite' | 'postgres';
  name: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** Recorded throughput over sign-only throughput of the same format, same run. */
  ratio?: number;
}

/** Named as the service's did:web: the VC-API signs only as the issuer a credential names. */
const credential = (issuer: string, i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${i}.example`, 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

async function measure(iterations: number, inFlight: number, op: (i: number) => Promise<unknown>): Promise<{ opsPerSecond: number; p50Ms: number; p99Ms: number }> {
  const latencies: number[] = [];
  let next = 0;
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
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { opsPerSecond: iterations / seconds, p50Ms: at(0.5), p99Ms: at(0.99) };
}

const FORMATS: { name: string; options: IssueOptions }[] = [
  { name: 'vc+jwt ES256', options: { format: 'vc+jwt', alg: 'ES256' } },
  { name: 'eddsa-rdfc-2022', options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' } },
];

async function benchService(store: RecordsRow['store'], service: Service, iterations: number, inFlight: number): Promise<RecordsRow[]> {
  const rows: RecordsRow[] = [];
  let serial = 0;
  for (const format of FORMATS) {
    const issuer = createIssuer({ keyring: service.keyring, documentLoader: service.documentLoader, clock: () => new Date() });
    const api = service.signing.signerFor('credentials-api');
    const sign = (i: number) => issuer.issueCredential(credential(service.keyring.did, i), format.options);
    const record = (i: number) =>
      api.issueCredential(credential(service.keyring.did, i), { ...format.options, credentialStatus: true }, { caller: { actor: 'bench', role: 'admin' } });
    // Warm-up: JIT, key caches, contexts, prepared statements, the pool's connections.
    await measure(Math.ceil(iterations / 5), inFlight, (i) => sign(serial + i));
    await measure(Math.ceil(iterations / 5), inFlight, (i) => record(serial + i));
    serial += iterations;
    const signOnly = await measure(iterations, inFlight, (i) => sign(serial + i));
    const recorded = await measure(iterations, inFlight, (i) => record(serial + i));
    serial += iterations;
    rows.push({ store, name: `${format.name}: sign only`, ...signOnly });
    rows.push({ store, name: `${format.name}: reserve + sign + record + audit`, ...recorded, ratio: recorded.opsPerSecond / signOnly.opsPerSecond });
  }
  return rows;
}

export async function benchmarkRecords(options: { iterations?: number; inFlight?: number; databaseUrl?: string | undefined; stores?: 'postgres' | undefined } = {}): Promise<RecordsRow[]> {
  const iterations = options.iterations ?? 1000;
  const inFlight = options.inFlight ?? 8;
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-records-'));
  const base = { GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_LOG_LEVEL: 'silent' };
  const rows: RecordsRow[] = [];
  try {
    if (options.stores !== 'postgres') {
      const sqlite = await createService(parseConfig(base), { log: () => {} });
      try {
        rows.push(...(await benchService('sqlite', sqlite, iterations, inFlight)));
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
          rows.push(...(await benchService('postgres', postgres, iterations, inFlight)));
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

// `npx tsx bench/records.ts [iterations] [in flight]`: this bench alone (PostgreSQL too when
// GX_TEST_DATABASE_URL or DATABASE_URL is set). BENCH_RECORDS_STORES=sqlite skips PostgreSQL,
// BENCH_RECORDS_STORES=postgres skips SQLite.
if (import.meta.url === `file://${process.argv[1]}`) {
  const [iterations, inFlight] = process.argv.slice(2).map(Number);
  const databaseUrl = process.env['BENCH_RECORDS_STORES'] === 'sqlite' ? undefined : process.env['GX_TEST_DATABASE_URL'] || process.env['DATABASE_URL'];
  const started = process.cpuUsage();
  const stores = process.env['BENCH_RECORDS_STORES'] === 'postgres' ? 'postgres' : undefined;
  const rows = await benchmarkRecords({ iterations: iterations || 1000, inFlight: inFlight || 8, databaseUrl, stores });
  const cpu = process.cpuUsage(started);
  console.table(rows.map((row) => ({ store: row.store, name: row.name, 'ops/s': Math.round(row.opsPerSecond), 'p50 ms': row.p50Ms.toFixed(2), 'p99 ms': row.p99Ms.toFixed(2), 'recorded / sign only': row.ratio?.toFixed(2) ?? '' })));
  console.log(`process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s`);
}
