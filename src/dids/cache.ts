/**
 * The DID resolution cache: bounded LRU, TTL on the injected clock, a shorter negative TTL for
 * failures, and single flight (concurrent loads of one key share one load, which settles within
 * `maxPendingMs` whatever the load does).
 *
 * did-resolver's `inMemoryCache` is unbounded, has no TTL, keys on the full DID URL (so
 * `#k1`...`#k100000` are 100k entries) and honours `no-cache` from the caller's input; this one
 * is keyed by the caller with the bare DID and has no bypass (the DID cache-abuse case).
 */
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../clock.js';
import { GxTrustError } from '../errors.js';
import { settleWithin } from '../settle-within.js';

export interface ResolutionCacheOptions {
  /** Most entries kept (documents and failures together). Default 1000. */
  max?: number;
  /** How long a resolved document is served from the cache. Default 5 minutes. */
  ttlMs?: number;
  /** How long a failure is remembered, so a dead or hostile host is not hammered. Default 30 s. */
  negativeTtlMs?: number;
  clock?: Clock;
  /** Whether a failed load is kept as a negative entry (default: every failure is). */
  keepFailure?: (error: unknown) => boolean;
  /** Told of every lookup (a shared in-flight load counts as a hit), for a hit-ratio metric. */
  onLookup?: (hit: boolean) => void;
  /**
   * A load shared by concurrent callers settles within this (default 5 s, GX_VERIFY_DEADLINE_MS in
   * the service): past it every caller gets DID_RESOLUTION_TIMEOUT and the entry leaves the cache,
   * not kept as a failure, so a load that never settles cannot hold later callers.
   */
  maxPendingMs?: number;
}

type Entry<T> = { ok: true; value: T; expiresAt: number } | { ok: false; error: unknown; expiresAt: number };

export interface ResolutionCache<T> {
  /** The cached value for `key`, or the result of `load()`, shared with every concurrent caller. */
  get(key: string, load: () => Promise<T>): Promise<T>;
  readonly size: number;
  clear(): void;
}

export function createResolutionCache<T>(options: ResolutionCacheOptions = {}): ResolutionCache<T> {
  const ttlMs = options.ttlMs ?? 5 * 60_000;
  const negativeTtlMs = options.negativeTtlMs ?? 30_000;
  const clock = options.clock ?? systemClock;
  // Expiry is checked against the injected clock rather than lru-cache's own `ttl`, which reads
  // performance.now() and so cannot be driven by a test clock.
  const entries = new LRUCache<string, Entry<T>>({ max: options.max ?? 1000 });
  const inFlight = new Map<string, Promise<T>>();
  const maxPendingMs = options.maxPendingMs ?? 5000;
  const gaveUp = new WeakSet<object>();

  const lookup = (key: string): Entry<T> | undefined => {
    const entry = entries.get(key);
    if (entry === undefined) return undefined;
    if (clock().getTime() >= entry.expiresAt) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  return {
    get(key, load) {
      const entry = lookup(key);
      const pending = entry === undefined ? inFlight.get(key) : undefined;
      options.onLookup?.(entry !== undefined || pending !== undefined);
      if (entry !== undefined) return entry.ok ? Promise.resolve(entry.value) : Promise.reject(entry.error);
      if (pending !== undefined) return pending;
      const bounded = settleWithin(load(), maxPendingMs, () => {
        const error = new GxTrustError('DID_RESOLUTION_TIMEOUT', `${key} was not resolved within ${maxPendingMs} ms`);
        gaveUp.add(error);
        return error;
      });
      const started = bounded.then(
        (value) => {
          entries.set(key, { ok: true, value, expiresAt: clock().getTime() + ttlMs });
          return value;
        },
        (error: unknown) => {
          const keep = !(typeof error === 'object' && error !== null && gaveUp.has(error)) && (options.keepFailure?.(error) ?? true);
          if (keep) entries.set(key, { ok: false, error, expiresAt: clock().getTime() + negativeTtlMs });
          throw error;
        },
      );
      const tracked = started.finally(() => inFlight.delete(key));
      inFlight.set(key, tracked);
      return tracked;
    },
    get size() {
      return entries.size;
    },
    clear() {
      entries.clear();
    },
  };
}
