/**
 * Rate limits (fixed window, in memory per process, counted in express-rate-limit's MemoryStore):
 * a caller with a valid API key gets `max` requests per window, keyed by the key's SHA-256 digest;
 * everyone else is keyed by IP address (IPv6 by /56 subnet) and gets the tighter `anonymousMax`.
 * An invalid bearer token counts as anonymous, so made-up keys cannot open fresh buckets. Over the
 * limit: 429 problem+json with `Retry-After` (seconds to the end of the window), and on every
 * limited answer the draft-7 `RateLimit` / `RateLimit-Policy` headers. Behind a reverse proxy,
 * GX_TRUST_PROXY says whose X-Forwarded-For to believe (Express's `trust proxy` rule, for every request).
 *
 * The request pipeline (pipeline.ts) asks the limiter for every request, whichever way it was
 * dispatched (app.ts), so a caller's requests share one bucket. Hence the library's store and not
 * its middleware, which needs Express's request and response objects.
 *
 * Liveness, readiness and metrics are not limited: an orchestrator probing a busy service must
 * not read "too many requests" as "down".
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpapi-ratelimit-headers-07
 */
import { systemClock, type Clock } from '../clock.js';
import { MemoryStore, ipKeyGenerator } from 'express-rate-limit';
import { LRUCache } from 'lru-cache';
import { GxTrustError } from '../errors.js';
import { apiKeyDigest } from '../access/api-keys.js';
import type { Authenticator } from '../access/authenticator.js';

export interface RateLimitSettings {
  windowSeconds: number;
  /** Requests per window for one API key; 0 turns limiting off for authenticated callers. */
  max: number;
  /** Requests per window for one IP without a valid API key; 0 turns it off. */
  anonymousMax: number;
  /** JSON-LD canonicalizations a second for one IP without a valid API key (createCanonicalizationBudget); 0 turns it off. */
  anonymousCanonicalizationsPerSecond: number;
}

/** What the limiter needs to know of a request. */
export interface RateLimitedRequest {
  /** The `Authorization` header, as sent. */
  authorization: string | undefined;
  /** The caller's address: the socket's, or under GX_TRUST_PROXY the client X-Forwarded-For names. */
  ip: string | undefined;
  path: string;
}

export interface RateLimitDecision {
  /** Headers for the answer: the draft-7 pair (the refusal carries its Retry-After). */
  headers: [string, string][];
  /** The 429 to answer with, when the request is over the limit. */
  refusal?: GxTrustError;
}

export interface RateLimiter {
  /** Counts the request in its caller's bucket; undefined when the request is not limited at all. */
  take(request: RateLimitedRequest): Promise<RateLimitDecision | undefined>;
}

const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

/**
 * The bucket of an address: IPv4 as is, IPv6 by /56 (ipKeyGenerator parses the address with
 * ip-address, the limiter's costliest step per request, so its answers are kept: a dual-stack
 * listener sees every IPv4 client as an IPv4-mapped IPv6 address).
 */
const MAX_REMEMBERED_ADDRESSES = 10_000;
function addressKey(memo: Map<string, string>, ip: string): string {
  if (!ip.includes(':')) return ip;
  let key = memo.get(ip);
  if (key === undefined) {
    key = ipKeyGenerator(ip, 56);
    // Bounded: a flood of distinct sources starts the memo over instead of growing it.
    if (memo.size >= MAX_REMEMBERED_ADDRESSES) memo.clear();
    memo.set(ip, key);
  }
  return key;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Whether the request carries a valid API key, looked up once per request: the rate limiter and
 * the canonicalization share both ask, and a lookup is a store query.
 */
const authenticated = new WeakMap<RateLimitedRequest, Promise<boolean>>();
function isAuthenticated(request: RateLimitedRequest, authenticator: Authenticator): Promise<boolean> {
  let answer = authenticated.get(request);
  if (answer === undefined) {
    const bearer = BEARER.exec(request.authorization ?? '')?.[1];
    answer = bearer === undefined ? Promise.resolve(false) : authenticator.authenticate(bearer).then(() => true, () => false);
    authenticated.set(request, answer);
  }
  return answer;
}

export function createRateLimiter(settings: RateLimitSettings, authenticator: Authenticator): RateLimiter | undefined {
  if (settings.max === 0 && settings.anonymousMax === 0) return undefined;
  const windowMs = settings.windowSeconds * 1000;
  const store = new MemoryStore();
  store.init({ windowMs } as Parameters<MemoryStore['init']>[0]);
  const addresses = new Map<string, string>();

  /** Who is asking: a valid API key's digest, or else the address. */
  async function subjectOf(request: RateLimitedRequest): Promise<{ key: string; limit: number }> {
    if (await isAuthenticated(request, authenticator)) {
      const bearer = BEARER.exec(request.authorization ?? '')?.[1] ?? '';
      return { key: `key:${apiKeyDigest(bearer).toString('base64url')}`, limit: settings.max };
    }
    return { key: `ip:${addressKey(addresses, request.ip ?? 'unknown')}`, limit: settings.anonymousMax };
  }

  async function take(request: RateLimitedRequest): Promise<RateLimitDecision | undefined> {
    if (UNLIMITED_PATHS.has(request.path)) return undefined;
    const { key, limit } = await subjectOf(request);
    if (limit === 0) return undefined;
    const { totalHits, resetTime } = await store.increment(key);
    const reset = Math.max(0, Math.ceil(((resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000));
    const headers: [string, string][] = [
      ['RateLimit-Policy', `${limit};w=${settings.windowSeconds}`],
      ['RateLimit', `limit=${limit}, remaining=${Math.max(0, limit - totalHits)}, reset=${reset}`],
    ];
    if (totalHits <= limit) return { headers };
    const refusal = new GxTrustError('RATE_LIMITED', 'too many requests in the rate-limit window', {
      hint: `Wait ${reset} s (Retry-After); limits are per API key, and tighter per IP without one`,
      retryAfterSeconds: reset,
    });
    return { headers, refusal };
  }

  return { take };
}

/**
 * Asks for a share of costly work on behalf of one request (VerifyOptions.admitCanonicalization,
 * ValidateOptions.admit): `units` canonicalizations' worth, one by default.
 */
export type CanonicalizationBudget = (request: RateLimitedRequest) => (units?: number) => Promise<void>;

/**
 * What a request costs varies a thousandfold: a cached result or a JWT takes a tenth of a
 * millisecond of the event loop, a Data Integrity or JsonWebSignature2020 proof that misses the
 * result cache takes milliseconds of JSON-LD canonicalization (a poison graph a little under the
 * canonicalization limit, several). A request count cannot tell them apart; this budget counts the
 * costly ones. A caller without a valid API key may start `perSecond` canonicalizations a second
 * per address (a token bucket, as many in a burst), and is refused the rest at once with 429
 * RATE_LIMITED and Retry-After, before any DID is resolved for it. Callers with an API key (the
 * connectors) are not counted here: their requests are limited per key. Measured under the load
 * run's adversarial share (a tenth of all requests, poison graphs among them, every one let in),
 * this share took the benign p99 from about 4x its unattacked value (worker threads at nice 10;
 * about 2x as SCHED_IDLE) to about 1.3x.
 *
 * A Danube validation (POST /danube/validate) draws from the same share, weighed by its size in
 * canonicalization units (src/danube/submission-limits.ts, weightOf): a small self-description
 * costs one, one at the size limit about as much as a whole second's share. A weight above the
 * share is charged as the whole share, so every admissible submission can be admitted.
 *
 * The bucket refills on the injected clock, so a test decides when a second has passed instead of
 * racing the machine (a burst spread over more than 1/perSecond seconds would earn a token more).
 */
export function createCanonicalizationBudget(perSecond: number, authenticator: Authenticator, clock: Clock = systemClock): CanonicalizationBudget | undefined {
  if (perSecond === 0) return undefined;
  // Bounded: a flood of distinct sources evicts the oldest buckets (whose holders start full again).
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: MAX_REMEMBERED_ADDRESSES });
  const addresses = new Map<string, string>();
  // Asked once per document; the caller is looked up once per request (with the rate limiter).
  return (request) => async (units = 1) => {
    if (await isAuthenticated(request, authenticator)) return;
    const cost = Math.min(perSecond, Math.max(1, units));
    const key = addressKey(addresses, request.ip ?? 'unknown');
    const now = clock().getTime();
    const bucket = buckets.get(key) ?? { tokens: perSecond, at: now };
    // A wall clock set back (NTP) earns nothing rather than taking tokens away.
    bucket.tokens = Math.min(perSecond, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * perSecond);
    bucket.at = now;
    buckets.set(key, bucket);
    if (bucket.tokens < cost) {
      throw new GxTrustError('RATE_LIMITED', `this address used its share of costly JSON-LD work without an API key (${perSecond} canonicalizations a second; this request needs ${cost})`, {
        hint: 'Retry after Retry-After seconds, or call with an API key (connector role): Data Integrity and JsonWebSignature2020 verification and Danube validation are limited for anonymous callers',
        retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / perSecond)),
      });
    }
    bucket.tokens -= cost;
  };
}
