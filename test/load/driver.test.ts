/**
 * The load driver, functionally only: it runs briefly against a service started here and prints
 * its table. Nothing here judges speed (figures belong in `npm run load`, not in assertions).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inProcessEventLoop, issueFixtures, rawLibraryRates, type Target } from '../../load/driver.js';
import { runLoad } from '../../load/run.js';
import { startService, type RunningService } from '../helpers/service.js';

describe('the load driver', () => {
  let running: RunningService;
  beforeAll(async () => {
    // As the load run's own servers: no rate limit (the driver sends thousands of anonymous requests a second).
    running = await startService({ GX_WORKERS: '1', GX_RATE_LIMIT_MAX: '0', GX_RATE_LIMIT_ANONYMOUS_MAX: '0' });
  });
  afterAll(async () => {
    await running?.close();
  });

  it('drives a started service for a bounded time and prints one row per request kind', async () => {
    const target: Target = { url: running.url, apiKey: running.apiKey, did: running.service.keyring.did, label: 'in-process', eventLoop: inProcessEventLoop(), close: async () => {} };
    const lines: string[] = [];
    const report = await runLoad({
      seconds: 1,
      connections: 4,
      dataDir: '/nonexistent',
      scenarios: ['verify-mix', 'issue', 'compliance'],
      target,
      fixtures: { jwt: 6, dataIntegrity: 3 },
      adversarialRounds: 1,
      print: (line) => lines.push(line),
    });
    const output = lines.join('\n');
    expect(output).toMatch(/scenario\s+\| server\s+\| kind\s+\| req\/s\s+\| p50 ms\s+\| p99 ms\s+\| p99\.9 ms/);
    const kinds = new Set(report.rows.map((r) => r.kind));
    expect(kinds).toEqual(new Set(['all', 'verify vc+jwt', 'verify eddsa-rdfc-2022', 'issue eddsa-rdfc-2022 (stored + audited)', 'compliance dry run, 4-credential VP-JWT']));
    // Every compliance decision passed (a dry run answers 200; a refusal would be 422).
    const compliance = report.rows.filter((r) => r.kind.startsWith('compliance'));
    expect(compliance.map((r) => r.scenario)).toEqual(['compliance, 1 connection', 'compliance, 4 connections']);
    for (const row of compliance) expect(row.statuses).toMatch(/^200:\d+$/);
    for (const row of report.rows.filter((r) => r.kind !== 'all')) {
      expect(row.statuses, row.kind).toMatch(/^20[01]:\d+$/);
      expect(row['net errors']).toBe(0);
      expect(row['loop p99 ms']).toMatch(/^\d+\.\d$/);
    }
    expect(report.notes).toContain('unexpected 5xx: none');
    expect(report.notes.some((n) => /^compliance: warm decision on a 4-credential VP-JWT, p50 \d+\.\d\d ms .*target p50 <= 15 ms (MET|NOT MET)$/.test(n))).toBe(true);
  }, 60_000);

  // Regression: the raw @digitalbazaar/vc baseline ran on gx-trust's closed loader, which resolves
  // no DID, so every call failed ("the raw @digitalbazaar/vc verification failed") and `npm run
  // load` stopped before its first ratio. rawLibraryRates throws on a call that does not verify.
  it('runs the raw-library baseline on credentials the service issued, every call verified', async () => {
    const target: Target = { url: running.url, apiKey: running.apiKey, did: running.service.keyring.did, label: 'in-process', eventLoop: inProcessEventLoop(), close: async () => {} };
    const fixtures = await issueFixtures(target, { jwt: 2, dataIntegrity: 2 });
    const rates = await rawLibraryRates(target, fixtures, 0.2);
    expect(rates.joseJwtVerify).toBeGreaterThan(0);
    expect(rates.vcVerify).toBeGreaterThan(0);
  }, 60_000);
});
