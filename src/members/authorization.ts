/**
 * Ownership checks for writes (OWASP API1/API5:2023, broken object and function level authorization): a member signs only
 * as its own DID. Admins act for anyone. A refusal is a 403 with an 'authorization.denied' entry.
 */
import type { Request } from 'express';
import { issuerId, isObject } from '../credentials/index.js';
import { deny, type Authenticator, type Principal } from '../http/auth.js';

async function ownIdentity(
  authenticator: Authenticator,
  principal: Principal,
  req: Request,
  document: Record<string, unknown>,
  field: 'issuer' | 'holder',
): Promise<Record<string, unknown>> {
  if (principal.role === 'admin') return document;
  const dids = principal.dids ?? [];
  const named = field === 'issuer' ? issuerId(document) : holderOf(document[field]);
  if (named === undefined && dids[0] !== undefined) {
    // A member that names no issuer issues as itself, never as the service.
    return { ...document, [field]: dids[0] };
  }
  if (named === undefined || !dids.includes(named)) {
    throw await deny(
      authenticator,
      principal,
      {
        method: req.method,
        path: req.path,
        subject: named ?? `${req.method} ${req.path}`,
        reason: named === undefined ? `this API key belongs to no member and may not sign` : `this API key may not sign as ${named}`,
      },
      dids.length === 0 ? 'Ask an admin for a member API key' : `Sign as ${dids.join(' or ')}, or leave ${field} out`,
    );
  }
  return document;
}

function holderOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isObject(value) && typeof value['id'] === 'string' ? value['id'] : undefined;
}

/** The credential to issue: the member's DID filled in as issuer when absent; 403 for another's DID. */
export function authorizeIssuer(authenticator: Authenticator, principal: Principal, req: Request, credential: Record<string, unknown>): Promise<Record<string, unknown>> {
  return ownIdentity(authenticator, principal, req, credential, 'issuer');
}

/** The presentation to sign: the member's DID as holder when absent; 403 for another's DID. */
export function authorizeHolder(authenticator: Authenticator, principal: Principal, req: Request, presentation: Record<string, unknown>): Promise<Record<string, unknown>> {
  return ownIdentity(authenticator, principal, req, presentation, 'holder');
}
