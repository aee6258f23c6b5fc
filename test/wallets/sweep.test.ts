/**
 * The wallet sweeper's timer: it sweeps every interval with the service clock's time, not at all
 * with interval 0, and `stop()` (called by the service's close) ends it and waits for a sweep in
 * flight. Timers are vitest's fake ones: nothing sleeps. What a sweep removes is the store's
 * (test/storage/store.contract.test.ts) and the service's (test/wallets/deferred.test.ts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { createWalletSweeper } from '../../src/wallets/sweep.js';
import { manualClock } from '../helpers/clock.js';

const NONE = { offers: 0, nonces: 0, transactions: 0 };

describe('wallet sweeper', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sweeps every interval at the clock\'s time, counts what went, and stops', async () => {
    const clock = manualClock(new Date('2026-01-01T00:00:00.000Z'));
    const calls: string[] = [];
    const swept: unknown[] = [];
    const sweeper = createWalletSweeper({
      store: { sweepWallets: async ({ at }) => (calls.push(at), { offers: 1, nonces: 2, transactions: 0 }) },
      clock: clock.clock,
      intervalSeconds: 300,
      onSwept: (s) => swept.push(s),
    });
    sweeper.start();
    await vi.advanceTimersByTimeAsync(299_000);
    expect(calls).toEqual([]);
    clock.advance(300_000);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(['2026-01-01T00:05:00.000Z']);
    expect(swept).toEqual([{ offers: 1, nonces: 2, transactions: 0 }]);
    await sweeper.stop();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toHaveLength(1);
  });

  it('never sweeps with interval 0', async () => {
    let calls = 0;
    const sweeper = createWalletSweeper({ store: { sweepWallets: async () => (calls++, NONE) }, clock: () => new Date(), intervalSeconds: 0 });
    sweeper.start();
    await vi.advanceTimersByTimeAsync(86_400_000);
    expect(calls).toBe(0);
    await sweeper.stop();
  });

  it('waits, on stop, for a sweep in flight, and reports a failed sweep without stopping', async () => {
    let release: (() => void) | undefined;
    let calls = 0;
    const errors: unknown[] = [];
    const sweeper = createWalletSweeper({
      store: {
        sweepWallets: async () => {
          calls++;
          if (calls === 1) throw new Error('store down');
          await new Promise<void>((resolve) => (release = resolve));
          return NONE;
        },
      },
      clock: () => new Date(),
      intervalSeconds: 60,
      onError: (error) => errors.push(error),
    });
    sweeper.start();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(errors).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(2);
    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    release!();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('reads GX_WALLET_SWEEP_INTERVAL_SECONDS (default 300, 0 turns it off)', () => {
    const base = { GX_BASE_URL: 'http://localhost:8080' };
    expect(parseConfig(base).walletSweepIntervalSeconds).toBe(300);
    expect(parseConfig({ ...base, GX_WALLET_SWEEP_INTERVAL_SECONDS: '0' }).walletSweepIntervalSeconds).toBe(0);
    expect(() => parseConfig({ ...base, GX_WALLET_SWEEP_INTERVAL_SECONDS: '-1' })).toThrow();
  });
});
