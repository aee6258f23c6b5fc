/**
 * API keys from the store, behind the bootstrap admin key(s) of the configuration. No cache: a
 * revoked key fails on the very next request, on every replica (one indexed lookup by hash).
 */
import { GxTrustError, isGxTrustError } from '../errors.js';
import { createStaticAuthenticator, type Authenticator, type Principal } from '../http/auth.js';
import type { Store } from '../storage/store.js';
import { apiKeyHash } from './registry.js';

/** `gx_` + 43 base64url characters; anything else cannot be a stored key, so no lookup is made. */
const API_KEY_SHAPE = /^gx_[A-Za-z0-9_-]{43}$/;

export function memberActor(memberId: string): string {
  return `member:${memberId}`;
}

function unauthorized(): GxTrustError {
  return new GxTrustError('UNAUTHORIZED', 'the API key is not valid', { hint: 'Check the key, or ask an admin for a new one' });
}

export function createStoreAuthenticator(options: { store: Store; adminApiKeys: readonly string[] }): Authenticator {
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
      if (member === undefined) throw unauthorized();
      // The actor is the member, not the key: ownership (who may revoke a credential) is the
      // member's, whichever of its keys issued it.
      const principal: Principal = { actor: memberActor(member.id), role: record.role, memberId: member.id, dids: [member.did] };
      return principal;
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
