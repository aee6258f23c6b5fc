/** `npm run bench:issuance`: only the issuance rows of `npm run bench` (bench/issuance.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { benchmarkIssuance, type IssuanceComparison } from './issuance.js';

export function printIssuance(comparisons: IssuanceComparison[]): void {
  const rows = comparisons.flatMap((c) => [c.gxTrust, c.raw]);
  console.table(rows.map((r) => ({ name: r.name, 'ops/s': Math.round(r.opsPerSecond), 'p50 ms': r.p50Ms.toFixed(3), 'p99 ms': r.p99Ms.toFixed(3), 'CPU µs/op': Math.round(r.cpuUsPerOp) })));
  for (const c of comparisons) {
    const list = (values: number[]) => values.map((r) => r.toFixed(2)).join(' ');
    console.log(`ratio issue ${c.format} gx-trust / raw, medians of ${c.roundRatios.length} alternating rounds: CPU per issuance ${c.cpuRatio.toFixed(2)} (rounds ${list(c.roundCpuRatios)}); ops/s ${c.ratio.toFixed(2)} (rounds ${list(c.roundRatios)})`);
  }
  console.log('(under load, read the CPU ratios: a round\'s ops/s also counts the time it waited for a core)');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-issuance-'));
  const keysDir = join(dir, 'keys');
  const service = await createService(parseConfig({ GX_KEYS_DIR: keysDir, GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' }), { log: () => {} });
  try {
    printIssuance(await benchmarkIssuance({ keyring: service.keyring, documentLoader: service.documentLoader, keysDir, iterations: Number(process.env['BENCH_ISSUANCE_ITERATIONS'] ?? 2000), rounds: Number(process.env['BENCH_ISSUANCE_ROUNDS'] ?? 20) }));
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
