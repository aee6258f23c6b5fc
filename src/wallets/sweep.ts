/**
 * The periodic clean-up of OpenID4VCI state: expired offers (none a waiting transaction still
 * needs), used-up or expired c_nonces, and expired deferred issuance transactions. Used nonces and
 * answered transactions are deleted when used; this removes what nobody came back for.
 *
 * Safe with several replicas without a lock: each sweep is a few conditional deletes of rows
 * expired at the store's `at`, so two replicas sweeping at once remove each row once, and a row
 * that is still live is never touched. Time comes from the service's Clock (tests drive it).
 */
import type { Clock } from '../clock.js';
import type { WalletRepository } from '../storage/repositories.js';
import type { WalletSweep } from '../storage/store.js';

export interface WalletSweeper {
  /** One sweep now: what it removed. */
  sweep(): Promise<WalletSweep>;
  /** Sweeps every `intervalSeconds` (0: never); `stop()` ends it and waits for a sweep in flight. */
  start(): void;
  stop(): Promise<void>;
}

export interface WalletSweeperOptions {
  store: Pick<WalletRepository, 'sweepWallets'>;
  clock: Clock;
  intervalSeconds: number;
  /** Counts removed rows by kind (gx_wallet_swept_total). */
  onSwept?: (swept: WalletSweep) => void;
  onError?: (error: unknown) => void;
}

export function createWalletSweeper(options: WalletSweeperOptions): WalletSweeper {
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;

  async function sweep(): Promise<WalletSweep> {
    const swept = await options.store.sweepWallets({ at: options.clock().toISOString() });
    options.onSwept?.(swept);
    return swept;
  }

  return {
    sweep,
    start() {
      if (timer !== undefined || options.intervalSeconds <= 0) return;
      timer = setInterval(() => {
        if (inFlight !== undefined) return;
        inFlight = sweep()
          .catch((error: unknown) => options.onError?.(error))
          .finally(() => (inFlight = undefined));
      }, options.intervalSeconds * 1000);
      // The timer must not keep a CLI command or a test process alive.
      timer.unref();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}
