/**
 * HTTP for status lists: the signed lists verifiers fetch, and the VC-API status update. The
 * change itself (its refusals and audit entries) is changeCredentialStatus's, shared with the CLI.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 */
import { z } from 'zod';
import { GxTrustError } from '../../errors.js';
import type { Store } from '../../storage/store.js';
import { parseStatusListId } from '../../status-lists/allocator.js';
import { changeCredentialStatus, changeStatusValue, type CredentialStatusValue } from '../../status-lists/change-status.js';
import type { StatusListFormat, StatusListPublisher } from '../../status-lists/credential.js';
import { examples } from '../openapi/examples.js';
import { BAD_INPUT, FORBIDDEN, problem, UNAUTHORIZED } from '../openapi/responses.js';
import { UpdateStatusResponse } from '../openapi/schemas.js';
import { defineRoute, json, text, type Route } from '../route.js';

/**
 * The VC-API status update. A one-bit revocation or suspension entry takes a state (`status`:
 * revoked, suspended, active); a `message` or `refresh` entry, of any width, takes a value, named
 * by its purpose: `{"statusPurpose": "message", "status": "0x2"}`, the value written as the
 * credential's statusMessage writes it.
 */
export const UpdateStatusRequest = z.strictObject({
  credentialId: z.string().min(1).max(2048),
  credentialStatus: z
    .array(
      z.strictObject({
        type: z.literal('BitstringStatusListCredential'),
        statusPurpose: z.enum(['revocation', 'suspension', 'message', 'refresh']).optional(),
        status: z.string().min(1).max(16),
      }),
    )
    .length(1),
});
export type UpdateStatusRequest = z.infer<typeof UpdateStatusRequest>;

const STATES: readonly string[] = ['revoked', 'suspended', 'active'] satisfies CredentialStatusValue[];

/** What the status-list routes are given: the lists as stored, and their signed form. */
export interface StatusListRouteDependencies {
  store: Store;
  statusListPublisher: StatusListPublisher;
}

export const statusListRoutes: readonly Route<StatusListRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/status-lists/:id', operationId: 'getStatusList', tag: 'Revocation', signing: 'status-lists',
    summary: 'A signed BitstringStatusListCredential (JSON, or vc+jwt with ?format=vc+jwt or Accept; the BLS12-381 did:key\'s lists: a derived bbs-2023 proof, no vc+jwt)',
    params: { id: 'The status list id, which names its issuer and, for entries wider than one bit, their width: revocation-0 (the service did:web), key.<multibase>.revocation-0 (a did:key of the service), member.<slug>.revocation-0 (a hosted member), message-2bit-0 (2-bit message entries)' },
    query: { format: 'vc+jwt for the JWT form' },
    responses: {
      200: { description: 'The signed list', schema: z.record(z.string(), z.unknown()) },
      400: problem('UNSUPPORTED_FORMAT at /format: vc+jwt asked for a list of the BLS12-381 did:key, which has no JWS algorithm'),
      404: problem('No such list'),
      // Never SIGNER_BUSY or VERIFIER_BUSY: the service's own lists go ahead of issuance and are not shed (docs/api.md).
      503: problem('STORE_UNAVAILABLE: the database did not answer'),
    },
    async handler(context, deps: { statusListPublisher: StatusListPublisher }) {
      const id = context.params['id'] ?? '';
      if (parseStatusListId(id) === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
      // An unencoded '+' in a query string reads as a space, so `?format=vc+jwt` arrives as 'vc jwt'.
      const format = context.query['format'];
      const askedInQuery = format === 'vc+jwt' || format === 'vc jwt';
      const wantsJwt = askedInQuery || context.accepts(['application/json', 'application/vc+ld+json', 'application/vc+jwt']) === 'application/vc+jwt';
      const signed = await deps.statusListPublisher.signedList(id, (wantsJwt ? 'vc+jwt' : 'ldp_vc') satisfies StatusListFormat).catch((error: unknown) => {
        // A list with no vc+jwt form (the BLS12-381 did:key's) asked for by Accept: the fault is the header, not ?format.
        if (askedInQuery || !(error instanceof GxTrustError) || error.code !== 'UNSUPPORTED_FORMAT') throw error;
        throw new GxTrustError('UNSUPPORTED_FORMAT', error.message, { pointer: '', hint: 'Accept application/vc+ld+json or application/json: the list carries a bbs-2023 derived proof' });
      });
      if (signed === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
      // Caches may keep the list as long as verifiers may ("ttl"), no longer.
      const headers = { 'Cache-Control': `public, max-age=${Math.floor(signed.ttlMs / 1000)}`, Vary: 'Accept' };
      if (signed.format === 'vc+jwt') return text(200, 'application/vc+jwt', signed.jwt, headers);
      return json(200, signed.verifiableCredential, headers);
    },
  }),
  defineRoute({
    method: 'post', path: '/credentials/status', operationId: 'updateCredentialStatus', tag: 'Revocation', roles: ['member'],
    summary: 'Revoke, suspend or reinstate a credential this service issued (revocation is permanent), or set the value of its message or refresh entry',
    request: {
      schema: UpdateStatusRequest,
      example: examples.updateCredentialStatus,
      hint: 'Send {"credentialId": "...", "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked" | "suspended" | "active"}]}, or for a message or refresh entry [{"type": "BitstringStatusListCredential", "statusPurpose": "message", "status": "0x2"}]',
    },
    responses: { 200: { description: 'The status now in force', schema: UpdateStatusResponse }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Not issued by this service'), 409: problem('The change is not allowed (revoked is final)') },
    async handler(context, deps: { store: Store }) {
      const { credentialId, credentialStatus } = context.body;
      const { status, statusPurpose } = credentialStatus[0]!;
      const caller = context.caller();
      const principal = { actor: caller.actor, admin: caller.role === 'admin' };
      // Admins may change any credential's status; members only the ones they issued (404 otherwise, audited).
      if (statusPurpose !== undefined && !STATES.includes(status)) {
        const changed = await changeStatusValue(deps.store, { credentialId, statusPurpose, status }, principal);
        return json(200, {
          credentialId: changed.credentialId,
          credentialStatus: [{ type: 'BitstringStatusListCredential', statusPurpose: changed.statusPurpose, status: changed.status, message: changed.message }],
        });
      }
      if (!STATES.includes(status)) {
        throw new GxTrustError('INVALID_INPUT', `status ${JSON.stringify(status)} is not revoked, suspended or active`, {
          pointer: '/credentialStatus/0/status',
          hint: 'Send "revoked", "suspended" or "active"; a value ("0x2") is for a message or refresh entry, named with "statusPurpose"',
        });
      }
      if (statusPurpose !== undefined && statusPurpose !== (status === 'revoked' ? 'revocation' : 'suspension') && !(status === 'active' && statusPurpose === 'suspension')) {
        throw new GxTrustError('INVALID_INPUT', `status ${status} is not a state of a ${statusPurpose} entry`, {
          pointer: '/credentialStatus/0/statusPurpose',
          hint: 'Leave statusPurpose out for revoked, suspended and active; a message or refresh entry takes a value such as "0x1"',
        });
      }
      const changed = await changeCredentialStatus(deps.store, { credentialId, status: status as CredentialStatusValue }, principal);
      return json(200, { credentialId: changed.credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: changed.status }] });
    },
  }),
];
