/**
 * The authorization policy: which roles may call what, which records a caller owns, and the
 * refusal, which is audited before it is told. A refusal is not told without its
 * 'authorization.denied' entry, as a credential is not returned without its own.
 */
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { Authenticator, DeniedRequest } from './authenticator.js';
import type { Principal, Role } from './principal.js';

/** Whether `principal` may call something open to `roles`: `admin` passes every role check. */
export function authorize(principal: Pick<Principal, 'role'>, roles: readonly Role[]): boolean {
  return principal.role === 'admin' || roles.includes(principal.role);
}

/** Whether the caller may act as or for `did`: an admin for anyone, a member for its own DIDs. */
export function actsFor(principal: Principal, did: string | undefined): boolean {
  if (principal.role === 'admin') return true;
  return did !== undefined && (principal.dids ?? []).includes(did);
}

/** Whether the caller may see or change the member record `memberId`: an admin, or that member's own keys. */
export function ownsMember(principal: Principal, memberId: string): boolean {
  return principal.role === 'admin' || principal.memberId === memberId;
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

/** The role check of a route: nothing when `roles` allow the principal, else the audited 403. */
export async function requireRoles(authenticator: Authenticator, principal: Principal, roles: readonly Role[], request: Pick<DeniedRequest, 'method' | 'path'>): Promise<void> {
  if (authorize(principal, roles)) return;
  throw await deny(
    authenticator,
    principal,
    { ...request, reason: `the ${principal.role} role may not call ${request.method} ${request.path}` },
    `This needs one of: ${['admin', ...roles].join(', ')}`,
  );
}

/**
 * The last word on 403s, before a refusal is answered: a FORBIDDEN that arrives without its audit
 * entry (a module that threw it itself) gets its 'authorization.denied' entry here, with the
 * principal the request was authenticated as. So every refusal of an authenticated caller is
 * audited, wherever it was decided. When the entry cannot be written, the store's fault is what
 * the caller gets (this throws it).
 */
export async function recordUnrecordedDenial(authenticator: Authenticator, principal: Principal | undefined, request: Pick<DeniedRequest, 'method' | 'path'>, error: unknown): Promise<void> {
  if (!isGxTrustError(error) || error.code !== 'FORBIDDEN' || error.denialRecorded || authenticator.recordDenial === undefined) return;
  await authenticator.recordDenial(principal ?? { actor: 'unknown' }, { ...request, reason: error.message });
  error.denialRecorded = true;
}
