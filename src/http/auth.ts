/**
 * Who is calling. Every write names a principal with a role; the audit log records its `actor`
 * (an id, never the key). Roles: `admin` (everything), `member` (issue, onboard, revoke its own
 * credentials, compliance), `connector` (verify), `auditor` (read-only audit and decisions).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from 'express';
import { GxTrustError, isGxTrustError } from '../errors.js';

export type Role = 'admin' | 'member' | 'connector' | 'auditor';

export interface Principal {
  /** Recorded in the audit log: `api-key:<digest prefix>`, `member:<id>`, ... */
  actor: string;
  role: Role;
  /** Members: their id and the DIDs they may issue as. */
  memberId?: string;
  dids?: readonly string[];
}

export interface Authenticator {
  /** The principal of a bearer API key, or a 401 GxTrustError. */
  authenticate(apiKey: string): Promise<Principal>;
  /** Records a refused request (role or ownership) in the audit log, as 'authorization.denied'. */
  recordDenial?(principal: Pick<Principal, 'actor'> & Partial<Principal>, request: DeniedRequest): Promise<void>;
}

export interface DeniedRequest {
  method: string;
  path: string;
  reason: string;
  /** What was asked for, e.g. the credential or DID; defaults to `<method> <path>`. */
  subject?: string;
}

/**
 * Audits the refusal (when the authenticator can), then returns the error to throw: the 403, or
 * `answer` when the refusal must not say that the thing asked for exists (a 404 like an unknown id's).
 */
export async function deny(authenticator: Authenticator, principal: Principal, request: DeniedRequest, hint?: string, answer?: GxTrustError): Promise<GxTrustError> {
  await authenticator.recordDenial?.(principal, request);
  const error = answer ?? new GxTrustError('FORBIDDEN', request.reason, hint === undefined ? {} : { hint });
  error.denialRecorded = true;
  return error;
}

/**
 * The last word on 403s, before the problem handler: a FORBIDDEN that reached it without its
 * audit entry (a module that threw it itself) gets its 'authorization.denied' entry here, with the
 * principal requireRole found. So every refusal of an authenticated caller is audited, wherever it
 * was decided. When the entry cannot be written, the store's fault is answered instead: a refusal
 * is not told without its entry, as a credential is not returned without its own.
 */
export function recordDenials(authenticator: Authenticator): ErrorRequestHandler {
  return async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!isGxTrustError(error) || error.code !== 'FORBIDDEN' || error.denialRecorded || authenticator.recordDenial === undefined) {
      next(error);
      return;
    }
    const principal = (res.locals['principal'] as Principal | undefined) ?? { actor: 'unknown' };
    try {
      await authenticator.recordDenial(principal, { method: req.method, path: req.path, reason: error.message });
    } catch (failure) {
      next(failure);
      return;
    }
    error.denialRecorded = true;
    next(error);
  };
}

export function apiKeyDigest(apiKey: string): Buffer {
  return createHash('sha256').update(apiKey).digest();
}

/** The bootstrap admin key(s) from configuration, compared in constant time by digest. */
export function createStaticAuthenticator(adminApiKeys: readonly string[]): Authenticator {
  const digests = adminApiKeys.map(apiKeyDigest);
  return {
    async authenticate(apiKey) {
      const candidate = apiKeyDigest(apiKey);
      if (!digests.some((known) => timingSafeEqual(known, candidate))) {
        throw new GxTrustError('UNAUTHORIZED', 'the API key is not valid', { hint: 'Check the key, or ask an admin for a new one' });
      }
      return { actor: `api-key:${candidate.toString('hex').slice(0, 16)}`, role: 'admin' };
    },
  };
}

export function bearerToken(req: Request): string {
  return bearerOf(req.get('authorization'));
}

/** The API key of an Authorization header; UNAUTHORIZED when there is none. */
export function bearerOf(authorization: string | undefined): string {
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) {
    throw new GxTrustError('UNAUTHORIZED', 'this endpoint needs an API key', {
      hint: 'Send Authorization: Bearer <api key> (the development key is printed at start)',
    });
  }
  return presented;
}

/**
 * Authenticates and checks the role before the body is judged: bad input from an authorized
 * caller is a 400, never a 401. `admin` passes every role check.
 */
export function requireRole(authenticator: Authenticator, ...roles: Role[]): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const principal = await authenticator.authenticate(bearerToken(req));
    if (principal.role !== 'admin' && !roles.includes(principal.role)) {
      throw await deny(
        authenticator,
        principal,
        { method: req.method, path: req.path, reason: `the ${principal.role} role may not call ${req.method} ${req.path}` },
        `This needs one of: ${['admin', ...roles].join(', ')}`,
      );
    }
    res.locals['principal'] = principal;
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals['principal'] as Principal | undefined;
  if (principal === undefined) throw new GxTrustError('INTERNAL', 'route without requireRole');
  return principal;
}
