/**
 * `npm run bench`: the service's in-process verification next to the raw libraries, measured in
 * the same run on the same credentials, as ratios (the machine is noisy: absolute figures from
 * different runs are not comparable). Warm-up first: a fresh process needs seconds to reach speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, jwtVerify } from 'jose';
import { Bench } from 'tinybench';
import * as vc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { createIssuer } from '../src/issuing/index.js';
import { benchmarkRecords, recordsTableRow } from './records.js';
import { rawDocumentLoader } from './raw-document-loader.js';
import { verificationMethodJwk } from '../src/dids/multikey.js';
import { benchmarkSelfDescriptionValidation } from './self-description.js';
import { benchmarkCompliance } from './compliance.js';
import { benchmarkValidationFlood } from './validation-flood.js';
import { benchmarkHostilePaths } from './hostile-paths.js';
import { benchmarkStartUp } from './start-up.js';
import { benchmarkIssuance } from './issuance.js';
import { printIssuance } from './issuance-run.js';
import { benchmarkClaims } from './claims.js';
import { OFFICIAL_SHAPES_FILE } from '../src/danube/shapes/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-'));
const service = await createService(
  // One event loop, no result cache: the rows compare the verification work itself with the raw
  // libraries (the result cache and the worker pool are measured under load by `npm run load`).
  parseConfig({ GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' }),
  { log: () => {} },
);
const { verifier, keyring, documentLoader } = service;
// Fixtures signed with the service's keys directly (no records): what is measured is verification.
const issuer = createIssuer({ keyring, documentLoader, clock: () => new Date() });

const credential = {
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  credentialSubject: {
    id: 'did:web:member.example',
    'gx:countryCode': 'DE',
    'gx:legalName': 'Example Member GmbH',
  },
  validUntil: new Date(Date.now() + 180 * 86_400_000).toISOString(),
};

const jwtCredential = await issuer.issueCredential(credential, { format: 'vc+jwt', alg: 'ES256' });
if (jwtCredential.format !== 'vc+jwt') throw new Error('expected a JWT');
const jwt = jwtCredential.jwt;
const p256Method = keyring.didDocument().verificationMethod!.find((m) => m.id === keyring.key('P-256').jwkVerificationMethodId)!;
const p256Key = await importJWK(verificationMethodJwk(p256Method), 'ES256');

const diCredential = (await issuer.issueCredential(credential, { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022' })).verifiableCredential;
const rawSuite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
const rawLoader = rawDocumentLoader(documentLoader, keyring.didDocument());

// Every measured call must succeed: a benchmark of failures measures nothing.
async function must(label: string, ok: Promise<boolean>): Promise<void> {
  if (!(await ok)) throw new Error(`${label} did not verify`);
}
await must('service vc+jwt', verifier.verifyCredential(jwt).then((r) => r.verified));
await must('jose', jwtVerify(jwt, p256Key, { typ: 'vc+jwt' }).then(() => true));
await must('service eddsa', verifier.verifyCredential(diCredential).then((r) => r.verified));
await must('raw vc', vc.verifyCredential({ credential: diCredential, suite: rawSuite, documentLoader: rawLoader }).then((r: { verified: boolean }) => r.verified));

const bench = new Bench({ time: Number(process.env['BENCH_TIME_MS'] ?? 3000), warmupTime: 1500 });
bench
  .add('vc+jwt ES256: gx-trust verifyCredential', async () => {
    await verifier.verifyCredential(jwt);
  })
  .add('vc+jwt ES256: raw jose jwtVerify (key imported once)', async () => {
    await jwtVerify(jwt, p256Key);
  })
  .add('eddsa-rdfc-2022: gx-trust verifyCredential', async () => {
    await verifier.verifyCredential(diCredential);
  })
  .add('eddsa-rdfc-2022: raw @digitalbazaar/vc verifyCredential', async () => {
    await vc.verifyCredential({ credential: diCredential, suite: rawSuite, documentLoader: rawLoader });
  });

await bench.run();

const rows = bench.tasks.map((task) => {
  const result = task.result as unknown as { throughput?: { mean: number }; latency?: { p50?: number; p99?: number }; hz?: number; p99?: number };
  const hz = result.throughput?.mean ?? result.hz ?? 0;
  return { name: task.name, 'ops/s': Math.round(hz), 'p50 ms': result.latency?.p50?.toFixed(3), 'p99 ms': (result.latency?.p99 ?? result.p99)?.toFixed(3) };
});
console.table(rows);
const hz = (i: number) => rows[i]?.['ops/s'] ?? 0;
console.log(`ratio vc+jwt   gx-trust / raw jose       = ${(hz(0) / hz(1)).toFixed(2)}`);
console.log(`ratio eddsa    gx-trust / raw @digitalbazaar/vc = ${(hz(2) / hz(3)).toFixed(2)}`);
console.log('(in-process, one event loop; the verifier also runs the validity and X.509 checks the raw libraries skip)');
// createService made this process's jsonld share term definitions (src/document-loader/active-context.ts):
// the raw @digitalbazaar/vc row above runs on it too, so its ratio understates ours; npm run load
// measures the raw libraries in a process that never creates a service.
console.log('(the raw @digitalbazaar/vc row shares jsonld with gx-trust here, copy-on-write contexts included: npm run load measures it on jsonld as published)');

// Issuance (signing only) next to jose SignJWT and @digitalbazaar/vc issue (bench/issuance.ts).
printIssuance(await benchmarkIssuance({ keyring, documentLoader, keysDir: join(dir, 'keys'), iterations: Number(process.env['BENCH_ISSUANCE_ITERATIONS'] ?? 2000), rounds: Number(process.env['BENCH_ISSUANCE_ROUNDS'] ?? 20) }));

// Claims reading: the signing policy's JSON-LD expansion of a credential before each issuance, in
// CPU µs per call, next to jsonld.expand alone (bench/claims.ts).
console.table(await benchmarkClaims({ calls: Number(process.env['BENCH_CLAIMS_CALLS'] ?? 10_000) }));

// Danube: validation of a LegalPerson submission (3 credentials), bundled shapes and the official
// 25.11 shapes the service ships.
const danubeRows = await benchmarkSelfDescriptionValidation({
  documentLoader,
  officialShapesPath: OFFICIAL_SHAPES_FILE,
  iterations: Number(process.env['BENCH_DANUBE_ITERATIONS'] ?? 1000),
});
console.table(
  danubeRows.map((row) => ({
    name: row.name,
    'ops/s': Math.round(row.opsPerSecond),
    'p50 ms': row.p50Ms.toFixed(2),
    'p99 ms': row.p99Ms.toFixed(2),
    'build ms': Math.round(row.buildMs),
  })),
);
// /health during a flood of the largest submission the Danube limits admit, with the worker pool
// and without (GX_WORKERS=0), servers in child processes (bench/validation-flood.ts).
const floodRows = await benchmarkValidationFlood({
  dataDir: join(dir, 'flood'),
  seconds: Number(process.env['BENCH_FLOOD_SECONDS'] ?? 8),
  connections: Number(process.env['BENCH_FLOOD_CONNECTIONS'] ?? 8),
});
console.table(floodRows.map((row) => ({ scenario: row.scenario, server: row.server, kind: row.kind, 'req/s': row['req/s'], 'p50 ms': row['p50 ms'], 'p99 ms': row['p99 ms'], statuses: row.statuses, 'loop p99 ms': row['loop p99 ms'] })));
// Compliance: a warm decision over a 4-credential VP-JWT (bench/compliance.ts).
const complianceRows = await benchmarkCompliance(service, { iterations: Number(process.env['BENCH_COMPLIANCE_ITERATIONS'] ?? 300) });
console.table(complianceRows.map((row) => ({ name: row.name, 'ops/s': Math.round(row.opsPerSecond), 'p50 ms': row.p50Ms.toFixed(2), 'p99 ms': row.p99Ms.toFixed(2) })));
// Records: issuance with status allocation + storage + audit entry next to signing alone (bench/records.ts).
const recordsRows = await benchmarkRecords({
  iterations: Number(process.env['BENCH_RECORDS_ITERATIONS'] ?? 1000),
  databaseUrl: process.env['GX_TEST_DATABASE_URL'] || process.env['DATABASE_URL'],
});
console.table(recordsRows.map(recordsTableRow));
// The ReDoS case: hostile path parameters and a nested urlencoded body against ordinary requests (bench/hostile-paths.ts).
const hostileRows = await benchmarkHostilePaths(service, { iterations: Number(process.env['BENCH_HOSTILE_ITERATIONS'] ?? 200) });
console.table(hostileRows.map((row) => ({ name: row.name, 'p50 ms': row.p50Ms.toFixed(2), 'p99 ms': row.p99Ms.toFixed(2), 'max ms': row.maxMs.toFixed(2), statuses: row.statuses })));
// Start-up: spawn to the first /health 200, tsx compiling at start against the compiled dist/ (bench/start-up.ts).
const startUpRows = await benchmarkStartUp({ dataDir: join(dir, 'start-up'), runs: Number(process.env['BENCH_STARTUP_RUNS'] ?? 5) });
console.table(startUpRows.map((row) => ({ name: row.name, runs: row.runs, 'median ms': Math.round(row.medianMs), 'min ms': Math.round(row.minMs), 'max ms': Math.round(row.maxMs) })));
console.log(`ratio start-up node dist/main.js / tsx src/main.ts (medians) = ${(startUpRows[1]!.medianMs / startUpRows[0]!.medianMs).toFixed(2)}`);
// Closed, so that `npm run bench` ends: the service's threads and ports would keep the process alive.
await service.close();
rmSync(dir, { recursive: true, force: true });
