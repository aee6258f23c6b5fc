/**
 * `npx tsx load/ab.ts <checkout A> <checkout B>`: requests per server CPU-second of two builds of
 * gx-trust under the same load, for a before/after comparison on a shared machine.
 *
 * Two `npm run load` runs minutes apart do not compare on a machine that other work shares: the
 * load moves between them, and so does the CPU a request costs (a pair of sequential runs of two
 * builds differed 1.8x where side by side they differed by 4-20 %). Here both servers run at
 * the same time, each started by its own checkout's load/server.ts (its own source and
 * dependencies), and the driver alternates short slices of closed-loop load between them (A B, then
 * B A, ...), so that a burst of outside load falls on both. Each slice counts the answered requests
 * and the server's own CPU (all its threads: main, libuv pool, worker pool, GC).
 *
 * The fixtures come from a third server of checkout B (the "cached" role of `npm run load`), whose
 * development CA both measured servers trust; both verify with a connector key of their own and no
 * result cache, as the "uncached" server of `npm run load` does. AB_SCENARIO: `verify-jwt`
 * (default), `verify-di`, or `compliance` (the dry run, each checkout building its presentation with
 * its own driver, one connection; both on the default configuration, result cache on).
 * AB_SLICES (default 12) slices of AB_SLICE_SECONDS (default 1.5) seconds; AB_CONNECTIONS (default
 * 32, compliance 1); AB_ENV_A / AB_ENV_B: JSON objects of extra environment for one server (e.g.
 * '{"GX_WORKERS":"0"}' to compare the same build with and without the pool).
 *
 * On a loaded 2-core machine an A/A run (one build on both sides) gave B / A = 0.89: side A is
 * favoured by up to a tenth there, so run each comparison both ways (A B, then B A) and read
 * differences under that as noise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Driver from './driver.js';

type DriverModule = typeof Driver;

const [checkoutA, checkoutB] = process.argv.slice(2).map((path) => resolve(path));
if (checkoutA === undefined || checkoutB === undefined) {
  console.error('usage: npx tsx load/ab.ts <checkout A> <checkout B>');
  process.exit(2);
}
const scenario = process.env['AB_SCENARIO'] ?? 'verify-jwt';
if (!['verify-jwt', 'verify-di', 'compliance'].includes(scenario)) throw new Error(`AB_SCENARIO ${scenario}: verify-jwt, verify-di or compliance`);
const slices = Number(process.env['AB_SLICES'] ?? 12);
const sliceSeconds = Number(process.env['AB_SLICE_SECONDS'] ?? 1.5);
const connections = Number(process.env['AB_CONNECTIONS'] ?? (scenario === 'compliance' ? 1 : 32));
const extraEnv = (name: string): Record<string, string> => JSON.parse(process.env[name] ?? '{}') as Record<string, string>;

const driverOf = async (checkout: string): Promise<DriverModule> => (await import(pathToFileURL(join(checkout, 'load', 'driver.ts')).href)) as DriverModule;
const driverA = await driverOf(checkoutA);
const driverB = await driverOf(checkoutB);

const dir = mkdtempSync(join(tmpdir(), 'gx-trust-ab-'));
const started: Driver.Target[] = [];
try {
  const start = async (driver: DriverModule, label: string, env: Record<string, string>) => {
    const target = await driver.startChildTarget(label, { GX_KEYS_DIR: join(dir, label, 'keys'), GX_DATA_DIR: join(dir, label, 'data'), ...env });
    started.push(target);
    return target;
  };
  const issuer = await start(driverB, 'issuer', {});
  const measured = scenario === 'compliance' ? {} : { GX_RESULT_CACHE_SECONDS: '0', GX_TRUST_ANCHORS: join(dir, 'issuer', 'keys', 'dev-root-ca.pem') };
  const a = await start(driverA, 'A', { ...measured, ...extraEnv('AB_ENV_A') });
  const b = await start(driverB, 'B', { ...measured, ...extraEnv('AB_ENV_B') });
  const fixtures = await driverB.issueFixtures(issuer, { jwt: 200, dataIntegrity: 100 });

  const requestsOf = async (driver: DriverModule, target: Driver.Target): Promise<() => Driver.RequestSpec> => {
    if (scenario === 'compliance') return driver.complianceDryRun(target, await driver.compliancePresentation(target));
    const key = await driver.connectorKey(target);
    return scenario === 'verify-jwt' ? driverB.verifyJwt(fixtures.jwts, key) : driverB.verifyDataIntegrity(fixtures.dataIntegrity, key);
  };
  const sides = [
    { name: 'A', checkout: checkoutA, target: a, pick: await requestsOf(driverA, a), requests: 0, cpuSeconds: 0 },
    { name: 'B', checkout: checkoutB, target: b, pick: await requestsOf(driverB, b), requests: 0, cpuSeconds: 0 },
  ];
  // Warm-up: a fresh process needs seconds to reach full speed.
  for (const side of sides) await driverB.closedLoop(side.target.url, Math.min(connections, 8), 3, side.pick);

  for (let slice = 0; slice < slices; slice++) {
    for (const side of slice % 2 === 0 ? sides : [...sides].reverse()) {
      await side.target.eventLoop.reset();
      const run = await driverB.closedLoop(side.target.url, connections, sliceSeconds, side.pick);
      side.cpuSeconds += (await side.target.eventLoop.cpuSeconds?.()) ?? Number.NaN;
      side.requests += [...run.kinds.values()].reduce((n, kind) => n + kind.count, 0);
    }
  }
  console.log(`${scenario}, ${slices} alternating slices of ${sliceSeconds} s, ${connections} connection(s)`);
  for (const side of sides) {
    const perCpuSecond = side.requests / side.cpuSeconds;
    console.log(`${side.name} ${side.checkout}: ${side.requests} requests, ${Math.round(perCpuSecond)} req per server CPU-second (${((side.cpuSeconds / side.requests) * 1e6).toFixed(0)} µs of server CPU a request)`);
  }
  const [first, second] = sides as [(typeof sides)[0], (typeof sides)[0]];
  console.log(`B / A, req per server CPU-second: ${(second.requests / second.cpuSeconds / (first.requests / first.cpuSeconds)).toFixed(2)}`);
} finally {
  for (const target of started.reverse()) await target.close();
  rmSync(dir, { recursive: true, force: true });
}
