/**
 * `/health` while a flood of the largest submission the Danube limits admit runs against
 * POST /danube/validate, on a server with the worker pool and on one without (GX_WORKERS=0), in the
 * same run: the servers are child processes (load/server.ts), driven by the load driver's
 * closed-loop generator with /health probed 20 times a second beside it, as the load run's eddsa
 * burst row does. The flood carries the server's API key, so the anonymous share does not refuse it:
 * every request is a validation at the limits.
 */
import { join } from 'node:path';
import { largestAcceptedSubmission } from '../src/danube/example-submissions.js';
import { closedLoop, health, openLoop, rowsOf, startChildTarget, type Row, type Target } from '../load/driver.js';

export interface ValidationFloodOptions {
  dataDir: string;
  seconds: number;
  connections: number;
}

export async function benchmarkValidationFlood(options: ValidationFloodOptions): Promise<Row[]> {
  const body = JSON.stringify(largestAcceptedSubmission());
  const rows: Row[] = [];
  const targets: Target[] = [];
  try {
    for (const [label, workers] of [['pool', undefined], ['no pool', '0']] as const) {
      const env: Record<string, string> = { GX_KEYS_DIR: join(options.dataDir, label, 'keys'), GX_DATA_DIR: join(options.dataDir, label, 'data') };
      if (workers !== undefined) env['GX_WORKERS'] = workers;
      const target = await startChildTarget(label, env);
      targets.push(target);
      const validate = () => ({
        kind: 'validate (largest accepted)',
        method: 'POST' as const,
        path: '/danube/validate',
        body,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${target.apiKey}` },
      });
      // Warm: the pool's threads start and compile the shapes on their first task.
      await closedLoop(target.url, 4, Math.min(3, options.seconds / 2), validate);
      await target.eventLoop.reset();
      const [flood, probe] = await Promise.all([
        closedLoop(target.url, options.connections, options.seconds, validate),
        openLoop(target.url, 20, options.seconds, health),
      ]);
      const loop = await target.eventLoop.p99Ms();
      rows.push(...rowsOf('validation flood', label, flood, loop), ...rowsOf('/health during the flood', label, probe, undefined));
    }
  } finally {
    await Promise.all(targets.map((t) => t.close()));
  }
  return rows;
}
