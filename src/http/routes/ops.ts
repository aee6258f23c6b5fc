/**
 * Operations endpoints: readiness (can this instance serve?) and Prometheus metrics. Liveness,
 * `/health`, stays in identity.ts: it answers as long as the process runs.
 */
import { GxTrustError } from '../../errors.js';
import type { Keyring } from '../../keyring/index.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Store } from '../../storage/store.js';
import { problem } from '../openapi/responses.js';
import { Readiness } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route } from '../route.js';

/** A store that does not answer in this time is not ready, whatever it says later. */
const READINESS_TIMEOUT_MS = 2000;

async function storeReachable(store: Pick<Store, 'auditSize'>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${READINESS_TIMEOUT_MS} ms`)), READINESS_TIMEOUT_MS);
  });
  try {
    // The cheapest query every store answers: the audit log's size.
    await Promise.race([store.auditSize(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Where /metrics is served: absent when GX_METRICS_ENABLED=false, or on its own listener (GX_METRICS_PORT). */
export interface MetricsRouteDependencies {
  metrics?: Metrics | undefined;
  serveMetrics?: boolean | undefined;
}

/** What the operations routes are given: the store and keys readiness looks at, and the metrics. */
export interface OpsRouteDependencies extends MetricsRouteDependencies {
  store: Pick<Store, 'auditSize'>;
  keyring: Keyring;
}

export const opsRoutes: readonly Route<OpsRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/ready', operationId: 'getReadiness', tag: 'Operations',
    summary: 'Readiness: the store answers and the signing keys are loaded',
    responses: { 200: { description: 'Ready', schema: Readiness }, 503: problem('Not ready (NOT_READY)') },
    async handler(_context, deps: { store: Pick<Store, 'auditSize'>; keyring: Keyring }) {
      try {
        await storeReachable(deps.store);
      } catch (error) {
        throw new GxTrustError('NOT_READY', 'the store does not answer', {
          hint: 'Check GX_DATA_DIR or DATABASE_URL and the database server',
          cause: error,
        });
      }
      const methods = deps.keyring.didDocument().verificationMethod ?? [];
      if (methods.length === 0) {
        throw new GxTrustError('NOT_READY', 'no signing key is loaded', { hint: 'Check GX_KEYS_DIR or the GX_KEY_*_FILE settings' });
      }
      return json(200, { status: 'ready', checks: { store: 'ok', keys: methods.length } });
    },
  }),
  defineRoute({
    method: 'get', path: '/metrics', operationId: 'getMetrics', tag: 'Operations',
    summary: 'Prometheus metrics (absent when GX_METRICS_ENABLED=false)',
    responses: { 200: { description: 'Prometheus text exposition format', mediaType: 'text/plain; version=0.0.4' } },
    served: (deps: MetricsRouteDependencies) => deps.metrics !== undefined && deps.serveMetrics !== false,
    async handler(_context, deps: MetricsRouteDependencies) {
      const registry = deps.metrics?.registry;
      if (registry === undefined) throw new GxTrustError('NOT_FOUND', 'metrics are off');
      return text(200, registry.contentType, await registry.metrics());
    },
  }),
];
