/** `npm run bench:issuance`: only the issuance rows of `npm run bench` (bench/issuance.ts). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config.js';
import { createService } from '../src/service.js';
import { benchmarkIssuance, type IssuanceRow } from './issuance.js';

export function printIssuance(rows: IssuanceRow[]): void {
  console.table(rows.map((r) => ({ name: r.name, 'ops/s': Math.round(r.opsPerSecond), 'p50 ms': r.p50Ms.toFixed(3), 'p99 ms': r.p99Ms.toFixed(3) })));
  const ratio = (a: number, b: number) => ((rows[a]?.opsPerSecond ?? 0) / (rows[b]?.opsPerSecond ?? 1)).toFixed(2);
  console.log(`ratio issue vc+jwt gx-trust / raw jose SignJWT        = ${ratio(0, 1)}`);
  console.log(`ratio issue eddsa  gx-trust / raw @digitalbazaar/vc    = ${ratio(2, 3)}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-bench-issuance-'));
  const keysDir = join(dir, 'keys');
  const service = await createService(parseConfig({ GX_KEYS_DIR: keysDir, GX_DATA_DIR: join(dir, 'data'), PORT: '8080', GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' }), { log: () => {} });
  try {
    printIssuance(await benchmarkIssuance({ keyring: service.keyring, documentLoader: service.documentLoader, keysDir, iterations: Number(process.env['BENCH_ISSUANCE_ITERATIONS'] ?? 2000) }));
  } finally {
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
