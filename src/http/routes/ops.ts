/**
 * Operations endpoints: readiness (can this instance serve?) and Prometheus metrics. Liveness,
 * `/health`, stays in identity.ts: it answers as long as the process runs.
 */
import { Router } from 'express';
import { GxTrustError } from '../../errors.js';
import type { Keyring } from '../../keyring/index.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Store } from '../../storage/store.js';

export interface OpsDependencies {
  store: Store;
  keyring: Keyring;
  /** Absent when GX_METRICS_ENABLED=false: /metrics is then a 404 like any unknown path. */
  metrics?: Metrics;
}

/** A store that does not answer in this time is not ready, whatever it says later. */
const READINESS_TIMEOUT_MS = 2000;

async function storeReachable(store: Store): Promise<void> {
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

export function opsRoutes(deps: OpsDependencies): Router {
  const router = Router();

  router.get('/ready', async (_req, res) => {
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
    res.json({ status: 'ready', checks: { store: 'ok', keys: methods.length } });
  });

  if (deps.metrics !== undefined) {
    const { registry } = deps.metrics;
    router.get('/metrics', async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
  }

  return router;
}
