/**
 * Prometheus metrics, one Registry per service instance (tests run several services in one
 * process; prom-client's global registry would mix them and refuse duplicate names).
 *
 * Labels are bounded: routes are the route table's patterns (`/status-lists/:id`), never raw paths,
 * and unmatched requests (404s, probes, scanners) share one label; checks
 * are the report's check names; caches are named by their module.
 * @see https://prometheus.io/docs/practices/naming/
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { VerificationReport } from '../verifying/index.js';

/** Verification work timed separately: the report's checks, plus DID resolution inside 'proof'. */
export type TimedCheck = 'did-resolution' | 'proof' | 'x509' | 'status' | 'shapes' | 'compliance';

export interface Metrics {
  registry: Registry;
  /** Counts and times one answered request, by route pattern ('unmatched' for every request no route took). */
  observeRequest(method: string, route: string, seconds: number, status: number): void;
  /** Counts the checks of a verification report (and of every credential a presentation holds). */
  observeReport(kind: 'credential' | 'presentation', report: VerificationReport): void;
  observeCheckDuration(check: TimedCheck, seconds: number): void;
  /** Cache lookups, for hit ratios: `gx_cache_lookups_total{cache,result}`. */
  observeCacheLookup(cache: string, hit: boolean): void;
  /** One verification refused because too many were waiting for a worker thread (VERIFIER_BUSY). */
  observeShed(): void;
  /**
   * The BBS signing thread's queue (src/keyring/bbs-signer.ts): `gx_bbs_signatures_queued`,
   * `gx_bbs_signature_wait_seconds`, `gx_bbs_signatures_shed_total` (503 SIGNER_BUSY).
   */
  bbsQueue: { queued(depth: number): void; waited(seconds: number): void; shed(): void };
  /** A signing-policy decision: `gx_signatures_total{module,outcome}` (src/issuing/signing-policy.ts). */
  observeSigning(module: string, outcome: 'signed' | 'refused'): void;
  /** Rows the wallet sweep removed: `gx_wallet_swept_total{kind}` (offers, nonces, transactions). */
  observeWalletSweep(swept: { offers: number; nonces: number; transactions: number }): void;
  /** A group of recorded issuances whose one-statement write failed and went the long way: `gx_store_group_fallbacks_total`. */
  observeGroupFallback(): void;
  close(): void;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function createMetrics(options: { defaultMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  // Counts bumped on every verification (its checks, the cache lookups in it) are tallied as plain
  // numbers and added to their counters when the registry is read (a scrape, or a test): prom-client
  // builds and hashes the label set on each inc, which with six or more a verification was about
  // 2 % of a vc+jwt one over HTTP. The values read are the same. Label values stay bounded: kinds,
  // format and check names, results, cache names.
  interface Tally {
    counter: Counter<string>;
    labels: Record<string, string>;
    count: number;
  }
  const tallies = new Map<string, Tally>();
  const tally = (counter: Counter<string>, key: string, labels: () => Record<string, string>): void => {
    const found = tallies.get(key);
    if (found !== undefined) found.count += 1;
    else tallies.set(key, { counter, labels: labels(), count: 1 });
  };
  function addTallies(this: Counter<string>): void {
    for (const entry of tallies.values()) {
      if (entry.counter !== this || entry.count === 0) continue;
      this.inc(entry.labels, entry.count);
      entry.count = 0;
    }
  }
  if (options.defaultMetrics !== false) {
    // Includes nodejs_eventloop_lag_seconds and the p50/p90/p99 of perf_hooks' event-loop delay.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  }
  const requests = new Counter({
    name: 'gx_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gx_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const checks = new Counter({
    name: 'gx_verification_checks_total',
    help: 'Verification checks reported, by kind of document, check and result',
    labelNames: ['kind', 'check', 'result'] as const,
    registers: [registry],
    collect: addTallies,
  });
  const verifications = new Counter({
    name: 'gx_verifications_total',
    help: 'Verifications, by kind of document, proof format and result',
    labelNames: ['kind', 'format', 'result'] as const,
    registers: [registry],
    collect: addTallies,
  });
  const checkDuration = new Histogram({
    name: 'gx_verification_check_duration_seconds',
    help: 'Time spent in one verification check (proof includes DID resolution)',
    labelNames: ['check'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const cacheLookups = new Counter({
    name: 'gx_cache_lookups_total',
    help: 'Cache lookups by cache and result (hit or miss); the hit ratio is hit / (hit + miss)',
    labelNames: ['cache', 'result'] as const,
    registers: [registry],
    collect: addTallies,
  });

  const shed = new Counter({
    name: 'gx_verifications_shed_total',
    help: 'Verifications refused with 503 VERIFIER_BUSY because too many were waiting for a worker thread',
    registers: [registry],
  });

  const bbsQueued = new Gauge({
    name: 'gx_bbs_signatures_queued',
    help: 'bbs-2023 signatures waiting for the BBS signing thread behind the one it is making',
    registers: [registry],
  });
  const bbsWait = new Histogram({
    name: 'gx_bbs_signature_wait_seconds',
    help: 'How long a bbs-2023 signature waited for the BBS signing thread before it began',
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const bbsShed = new Counter({
    name: 'gx_bbs_signatures_shed_total',
    help: 'bbs-2023 signatures refused with 503 SIGNER_BUSY because too many were waiting for the BBS signing thread',
    registers: [registry],
  });

  const signatures = new Counter({
    name: 'gx_signatures_total',
    help: 'Signatures with a key the service holds, by signing-policy module and outcome (signed, or refused by the policy)',
    labelNames: ['module', 'outcome'] as const,
    registers: [registry],
  });

  const walletSwept = new Counter({
    name: 'gx_wallet_swept_total',
    help: 'Expired OpenID4VCI state removed by the periodic sweep, by kind (offers, nonces, transactions)',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  const groupFallbacks = new Counter({
    name: 'gx_store_group_fallbacks_total',
    help: 'Groups of recorded issuances (PostgreSQL) whose one-statement write failed, rolled back and was written the long way',
    registers: [registry],
  });

  // The labelled children, looked up once per (method, route, status): prom-client otherwise
  // rebuilds and hashes the label set on every request. Routes are patterns, so this stays small.
  interface RouteSeries {
    observe(seconds: number, status: number): void;
  }
  const series = new Map<string, RouteSeries>();
  const seriesOf = (method: string, route: string): RouteSeries => {
    const key = `${method} ${route}`;
    let found = series.get(key);
    if (found === undefined) {
      const timer = duration.labels(method, route);
      const byStatus = new Map<number, ReturnType<typeof requests.labels>>();
      found = {
        observe(seconds, status) {
          let counter = byStatus.get(status);
          if (counter === undefined) {
            counter = requests.labels(method, route, String(status));
            byStatus.set(status, counter);
          }
          counter.inc();
          timer.observe(seconds);
        },
      };
      series.set(key, found);
    }
    return found;
  };

  // The labelled histogram of each check, looked up once (its label values are the TimedCheck names).
  const checkDurationSeries = new Map<TimedCheck, ReturnType<typeof checkDuration.labels>>();
  const checkDurationOf = (check: TimedCheck): ReturnType<typeof checkDuration.labels> => {
    let series = checkDurationSeries.get(check);
    if (series === undefined) {
      series = checkDuration.labels(check);
      checkDurationSeries.set(check, series);
    }
    return series;
  };

  function countChecks(kind: 'credential' | 'presentation', report: VerificationReport): void {
    tally(verifications, `v\n${kind}\n${report.format}\n${report.verified}`, () => ({ kind, format: report.format, result: report.verified ? 'verified' : 'failed' }));
    for (const check of report.checks) {
      tally(checks, `c\n${kind}\n${check.check}\n${check.verified}`, () => ({ kind, check: check.check, result: check.verified ? 'passed' : 'failed' }));
    }
    for (const held of report.credentials ?? []) countChecks('credential', held);
  }

  return {
    registry,
    observeRequest: (method, route, seconds, status) => seriesOf(method, route).observe(seconds, status),
    observeReport: countChecks,
    observeCheckDuration: (check, seconds) => checkDurationOf(check).observe(seconds),
    observeCacheLookup: (cache, hit) => tally(cacheLookups, `l\n${cache}\n${hit}`, () => ({ cache, result: hit ? 'hit' : 'miss' })),
    observeShed: () => shed.inc(),
    bbsQueue: {
      queued: (depth) => bbsQueued.set(depth),
      waited: (seconds) => bbsWait.observe(seconds),
      shed: () => bbsShed.inc(),
    },
    observeSigning: (module, outcome) => signatures.inc({ module, outcome }),
    observeWalletSweep: (swept) => {
      for (const kind of ['offers', 'nonces', 'transactions'] as const) walletSwept.inc({ kind }, swept[kind]);
    },
    observeGroupFallback: () => groupFallbacks.inc(),
    close: () => {
      series.clear();
      tallies.clear();
      registry.clear();
    },
  };
}

/** Times a promise-returning function into `gx_verification_check_duration_seconds{check}`. */
export function timed<A extends unknown[], R>(
  metrics: Metrics,
  check: TimedCheck,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args) => {
    const started = process.hrtime.bigint();
    try {
      return await fn(...args);
    } finally {
      metrics.observeCheckDuration(check, Number(process.hrtime.bigint() - started) / 1e9);
    }
  };
}
