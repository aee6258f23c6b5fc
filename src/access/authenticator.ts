/**
 * Authentication: from a bearer API key to its Principal. The bootstrap admin key(s) of the
 * configuration, then the members' keys in the store. No cache: a revoked key fails on the very
 * next request, on every replica (one indexed lookup by hash).
 */
import { timingSafeEqual } from 'node:crypto';
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { AuditEntryInput } from '../audit/log.js';
import type { ApiKeyRecord, MemberRecord } from '../storage/store.js';
import { API_KEY_SHAPE, apiKeyDigest, apiKeyHash } from './api-keys.js';
import { isRole, memberActor, type Principal } from './principal.js';

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

function unauthorized(): GxTrustError {
  return new GxTrustError('UNAUTHORIZED', 'the API key is not valid', { hint: 'Check the key, or ask an admin for a new one' });
}

/** The API key of an Authorization header (`Bearer <key>`); UNAUTHORIZED when there is none. */
export function apiKeyOf(authorization: string | undefined): string {
  const presented = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (presented === undefined) {
    throw new GxTrustError('UNAUTHORIZED', 'this endpoint needs an API key', {
      hint: 'Send Authorization: Bearer <api key> (the development key is printed at start)',
    });
  }
  return presented;
}

/** The bootstrap admin key(s) from configuration, compared in constant time by digest. */
export function createStaticAuthenticator(adminApiKeys: readonly string[]): Authenticator {
  const digests = adminApiKeys.map(apiKeyDigest);
  return {
    async authenticate(apiKey) {
      const candidate = apiKeyDigest(apiKey);
      if (!digests.some((known) => timingSafeEqual(known, candidate))) throw unauthorized();
      return { actor: `api-key:${candidate.toString('hex').slice(0, 16)}`, role: 'admin' };
    },
  };
}

/** What the store-backed authenticator reads and writes. */
export interface AuthenticatorStore {
  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  getMember(id: string): Promise<MemberRecord | undefined>;
  appendAudit(entry: AuditEntryInput): Promise<unknown>;
}

/** API keys from the store, behind the bootstrap admin key(s) of the configuration. */
export function createStoreAuthenticator(options: { store: AuthenticatorStore; adminApiKeys: readonly string[] }): Authenticator {
  const bootstrap = createStaticAuthenticator(options.adminApiKeys);
  const { store } = options;
  return {
    async authenticate(apiKey) {
      // The configured key is compared first, whatever its shape: an operator may well choose one
      // that looks like a stored key (`gx_` + 43 characters), which went only to the store lookup
      // and was refused. The comparison is by digest in constant time.
      const configured = await bootstrap.authenticate(apiKey).catch((error: unknown) => {
        if (isGxTrustError(error) && error.code === 'UNAUTHORIZED') return undefined;
        throw error;
      });
      if (configured !== undefined) return configured;
      if (!API_KEY_SHAPE.test(apiKey)) throw unauthorized();
      const record = await store.apiKeyByHash(apiKeyHash(apiKey));
      if (record === undefined || record.revokedAt !== null) throw unauthorized();
      const member = await store.getMember(record.memberId);
      if (member === undefined || !isRole(record.role)) throw unauthorized();
      return { actor: memberActor(member.id), role: record.role, memberId: member.id, dids: [member.did] };
    },
    async recordDenial(principal, request) {
      await store.appendAudit({
        actor: principal.actor,
        action: 'authorization.denied',
        subject: request.subject ?? `${request.method} ${request.path}`,
        digests: {},
        details: { ...(principal.role === undefined ? {} : { role: principal.role }), method: request.method, path: request.path, reason: request.reason },
      });
    },
  };
}
