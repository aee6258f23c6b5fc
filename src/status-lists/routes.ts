/**
 * HTTP for status lists: the signed lists verifiers fetch, and the VC-API status update.
 * Mounted by the app; authorization (the API key check) is the app's, passed in as `authorize`.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { GxTrustError } from '../errors.js';
import { parseBody } from '../http/parse.js';
import type { Store } from '../storage/store.js';
import { parseStatusListId } from './allocator.js';
import { changeCredentialStatus, type CredentialStatusValue } from './change-status.js';
import type { StatusListFormat, StatusListPublisher } from './credential.js';

/** Kept here for the callers that imported them from the route module. */
export { currentStatus, type CredentialStatusValue } from './change-status.js';

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

export interface Principal {
  /** The member id or API key id recorded in the audit log. */
  actor: string;
  /** Admins may change any credential's status; members only the ones they issued. */
  admin?: boolean;
}

export interface StatusListRouteDependencies {
  store: Store;
  publisher: StatusListPublisher;
  /** Throws GxTrustError UNAUTHORIZED (401) when the request carries no valid credentials. */
  authorize: (req: Request) => Principal | Promise<Principal>;
}

function parseUpdate(body: unknown): UpdateStatusRequest {
  return parseBody(
    UpdateStatusRequest,
    body,
    'Send {"credentialId": "...", "credentialStatus": [{"type": "BitstringStatusListCredential", "status": "revoked" | "suspended" | "active"}]}',
  );
}

export function statusListRoutes(deps: StatusListRouteDependencies): express.Router {
  const router = express.Router();

  router.get('/status-lists/:id', async (req, res) => {
    const id = req.params['id'] ?? '';
    if (parseStatusListId(id) === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
    // An unencoded '+' in a query string reads as a space, so `?format=vc+jwt` arrives as 'vc jwt'.
    const wantsJwt =
      req.query['format'] === 'vc+jwt' ||
      req.query['format'] === 'vc jwt' ||
      req.accepts(['application/json', 'application/vc+ld+json', 'application/vc+jwt']) === 'application/vc+jwt';
    const format: StatusListFormat = wantsJwt ? 'vc+jwt' : 'ldp_vc';
    const signed = await deps.publisher.signedList(id, format);
    if (signed === undefined) throw new GxTrustError('NOT_FOUND', `no status list ${id}`);
    // Caches may keep the list as long as verifiers may ("ttl"), no longer.
    res.setHeader('Cache-Control', `public, max-age=${Math.floor(signed.ttlMs / 1000)}`);
    res.vary('Accept');
    if (signed.format === 'vc+jwt') {
      res.type('application/vc+jwt').send(signed.jwt);
    } else {
      res.type('application/json').send(JSON.stringify(signed.verifiableCredential));
    }
  });

  /** The status change itself (and its refusals and audit entries) is changeCredentialStatus's. */
  router.post('/credentials/status', async (req, res) => {
    const principal = await deps.authorize(req);
    const body = parseUpdate(req.body);
    const requested = body.credentialStatus[0]?.status as CredentialStatusValue;
    const changed = await changeCredentialStatus(deps.store, { credentialId: body.credentialId, status: requested }, principal);
    res.status(200).json({
      credentialId: changed.credentialId,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status: changed.status }],
    });
  });

  return router;
}
