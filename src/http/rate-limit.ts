/**
 * Rate limits (express-rate-limit, fixed window, in memory per process): a caller with a valid API
 * key gets `max` requests per window, keyed by the key's SHA-256 digest; everyone else is keyed by
 * IP address (IPv6 by /56 subnet) and gets the tighter `anonymousMax`. An invalid bearer token
 * counts as anonymous, so made-up keys cannot open fresh buckets. Over the limit: 429
 * problem+json with `Retry-After` (seconds to the end of the window).
 *
 * Liveness, readiness and metrics are not limited: an orchestrator probing a busy service must
 * not read "too many requests" as "down".
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { GxTrustError } from '../errors.js';
import type { Authenticator } from './auth.js';
import { apiKeyDigest } from './auth.js';
import { problemOf, sendProblem } from './problem.js';

export interface RateLimitSettings {
  windowSeconds: number;
  /** Requests per window for one API key; 0 turns limiting off for authenticated callers. */
  max: number;
  /** Requests per window for one IP without a valid API key; 0 turns it off. */
  anonymousMax: number;
}

const UNLIMITED_PATHS = new Set(['/health', '/ready', '/metrics']);

interface Subject {
  key: string;
  authenticated: boolean;
}

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

function bearerOf(req: Request): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
}

export function rateLimiter(settings: RateLimitSettings, authenticator: Authenticator): RequestHandler {
  if (settings.max === 0 && settings.anonymousMax === 0) return (_req, _res, next) => next();

  const addresses = new Map<string, string>();
  // Who is asking, decided once per request before the limiter reads it.
  const identify: RequestHandler = async (req, res, next: NextFunction) => {
    const bearer = bearerOf(req);
    let subject: Subject | undefined;
    if (bearer !== undefined) {
      const valid = await authenticator.authenticate(bearer).then(() => true, () => false);
      if (valid) subject = { key: `key:${apiKeyDigest(bearer).toString('base64url')}`, authenticated: true };
    }
    res.locals['rateLimitSubject'] = subject ?? { key: `ip:${addressKey(addresses, req.ip ?? 'unknown')}`, authenticated: false };
    next();
  };
  const subjectOf = (res: Response): Subject => res.locals['rateLimitSubject'] as Subject;

  const limiter = rateLimit({
    windowMs: settings.windowSeconds * 1000,
    limit: (_req, res) => (subjectOf(res).authenticated ? settings.max : settings.anonymousMax),
    skip: (req, res) => UNLIMITED_PATHS.has(req.path) || (subjectOf(res).authenticated ? settings.max : settings.anonymousMax) === 0,
    keyGenerator: (_req, res) => subjectOf(res).key,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    // Retry-After is set by the library before the handler when standard headers are on.
    handler: (req, res) => {
      const error = new GxTrustError('RATE_LIMITED', 'too many requests in the rate-limit window', {
        hint: `Wait ${res.getHeader('retry-after') ?? settings.windowSeconds} s (Retry-After); limits are per API key, and tighter per IP without one`,
      });
      sendProblem(res, problemOf(error, req.originalUrl));
    },
  });

  return (req, res, next) => {
    if (UNLIMITED_PATHS.has(req.path)) {
      next();
      return;
    }
    void identify(req, res, (error?: unknown) => (error === undefined ? limiter(req, res, next) : next(error)));
  };
}
