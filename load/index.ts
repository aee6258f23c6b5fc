/**
 * `npm run load` (npx tsx load/index.ts): starts gx-trust on loopback in child processes and
 * drives it for LOAD_SECONDS (default 10) per scenario, then prints one table and the ratios
 * against the raw libraries measured in the same run. LOAD_SCENARIOS (comma-separated) selects
 * scenarios; LOAD_CONNECTIONS (default 32) sets the closed-loop connections; LOAD_ADVERSARIAL_ROUNDS
 * (default 3) the rounds of the adversarial scenario, LOAD_ATTACK_KINDS (e.g. "0,2") a subset of
 * its kinds (0 poison graphs, 1 oversized bodies, 2 slow did:web hosts) and LOAD_ATTACKER_NICE
 * (default 19) the attacker process's nice value.
 *
 * Servers: "cached" (default configuration: worker pool, result cache), "uncached" (pool, no
 * result cache), "no pool" (GX_WORKERS=0, no result cache).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'gx-trust-load-'));
try {
  const scenarios = process.env['LOAD_SCENARIOS']?.split(',').map((s) => s.trim()).filter(Boolean);
  await runLoad({
    seconds: Number(process.env['LOAD_SECONDS'] ?? 10),
    connections: Number(process.env['LOAD_CONNECTIONS'] ?? 32),
    adversarialRounds: Number(process.env['LOAD_ADVERSARIAL_ROUNDS'] ?? 3),
    dataDir: dir,
    ...(scenarios === undefined ? {} : { scenarios }),
    print: (line) => console.log(line),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
