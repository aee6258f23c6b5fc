/**
 * HTTP for status lists: the signed lists verifiers fetch, and the VC-API status update. The
 * change itself (its refusals and audit entries) is changeCredentialStatus's, shared with the CLI.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 */
import { z } from 'zod';
import { GxTrustError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import { parseStatusListId } from '../../status-lists/allocator.js';
import { changeCredentialStatus, type CredentialStatusValue } from '../../status-lists/change-status.js';
import type { StatusListFormat, StatusListPublisher } from '../../status-lists/credential.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { UpdateStatusResponse } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route } from '../route.js';

export const UpdateStatusRequest = z.strictObject({
  credentialId: z.string().min(1).max(2048),
  credentialStatus: z
    .array(
      z.strictObject({
        type: z.literal('BitstringStatusListCredential'),
        status: z.enum(['revoked', 'suspended', 'active']),
      }),
    )
    .length(1),
});
export type UpdateStatusRequest = z.infer<typeof UpdateStatusRequest>;

/** What the status-list routes are given: the lists as stored, and their signed form. */
export interface StatusListRouteDependencies {
  store: Store;
  statusListPublisher: StatusListPublisher;
}

export const statusListRoutes: readonly Route<StatusListRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/status-lists/:id', operationId: 'getStatusList', tag: 'Revocation', signing: 'status-lists',
    summary: 'A signed BitstringStatusListCredential (JSON, or vc+jwt with ?format=vc+jwt or Accept)',
    params: { id: 'The status list id, which names its issuer: revocation-0 (the service did:web), key.<multibase>.revocation-0 (a did:key of the service), member.<slug>.revocation-0 (a hosted member)' },
    query: { format: 'vc+jwt for the JWT form' },
    responses: { 200: { description: 'The signed list', schema: z.record(z.string(), z.unknown()) }, 404: problem('No such list') },
    async handler(context, deps: { statusListPublisher: StatusListPublisher }) {
      const id = context.params['id'] ?? '';
      if (parseStatusListId(id) === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
      // An unencoded '+' in a query string reads as a space, so `?format=vc+jwt` arrives as 'vc jwt'.
      const format = context.query['format'];
      const wantsJwt =
        format === 'vc+jwt' || format === 'vc jwt' || context.accepts(['application/json', 'application/vc+ld+json', 'application/vc+jwt']) === 'application/vc+jwt';
      const signed = await deps.statusListPublisher.signedList(id, (wantsJwt ? 'vc+jwt' : 'ldp_vc') satisfies StatusListFormat);
      if (signed === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
      // Caches may keep the list as long as verifiers may ("ttl"), no longer.
      const headers = { 'Cache-Control': `public, max-age=${Math.floor(signed.ttlMs / 1000)}`, Vary: 'Accept' };
      if (signed.format === 'vc+jwt') return text(200, 'application/vc+jwt', signed.jwt, headers);
      return json(200, signed.verifiableCredential, headers);
    },
  }),
  defineRoute({
    method: 'post', path: '/credentials/status', operationId: 'updateCredentialStatus', tag: 'Revocation', roles: ['member'],
    summary: 'Revoke, suspend or reinstate a credential this service issued (revocation is permanent)',
    request: {
      schema: UpdateStatusRequest,
      example: examples.updateCredentialStatus,
      hint: 'Send {"credentialId": "...", "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked" | "suspended" | "active"}]}',
    },
    responses: { 200: { description: 'The status now in force', schema: UpdateStatusResponse }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Not issued by this service'), 409: problem('The change is not allowed (revoked is final)') },
    async handler(context, deps: { store: Store }) {
      const { credentialId, credentialStatus } = context.body;
      const caller = context.caller();
      // Admins may change any credential's status; members only the ones they issued (404 otherwise, audited).
      const changed = await changeCredentialStatus(
        deps.store,
        { credentialId, status: credentialStatus[0]?.status as CredentialStatusValue },
        { actor: caller.actor, admin: caller.role === 'admin' },
      );
      return json(200, { credentialId: changed.credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: changed.status }] });
    },
  }),
];
