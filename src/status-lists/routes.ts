/**
 * HTTP for status lists: the signed lists verifiers fetch, and the VC-API status update.
 * Mounted by the app; authorization (the API key check) is the app's, passed in as `authorize`.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 */
import express, { type Request } from 'express';
import { z } from 'zod';
import { GxTrustError } from '../errors.js';
import { parseBody } from '../http/parse.js';
import { getBit, type StatusEntryRecord, type Store } from '../storage/store.js';
import { parseStatusListId } from './allocator.js';
import type { StatusListFormat, StatusListPublisher } from './credential.js';

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

export type CredentialStatusValue = 'revoked' | 'suspended' | 'active';

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

async function bitOf(store: Store, entry: StatusEntryRecord): Promise<boolean> {
  const list = await store.getStatusList(entry.listId);
  if (list === undefined) throw new GxTrustError('INTERNAL', `status list ${entry.listId} of a stored credential is missing`);
  return getBit(list.bits, entry.index);
}

/** The status a credential has now: revocation wins over suspension. */
export async function currentStatus(store: Store, entries: readonly StatusEntryRecord[]): Promise<CredentialStatusValue> {
  let suspended = false;
  for (const entry of entries) {
    if (!(await bitOf(store, entry))) continue;
    if (entry.purpose === 'revocation') return 'revoked';
    if (entry.purpose === 'suspension') suspended = true;
  }
  return suspended ? 'suspended' : 'active';
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

  /**
   * Revoked is permanent: "active" after "revoked" is refused with 409 CONFLICT, since verifiers
   * and relying parties may already have acted on the revocation. Suspension is reversible.
   * Setting a status a credential already has is a no-op answered 200 (retries are safe).
   */
  router.post('/credentials/status', async (req, res) => {
    const principal = await deps.authorize(req);
    const body = parseUpdate(req.body);
    const requested = body.credentialStatus[0]?.status as CredentialStatusValue;
    const record = await deps.store.getCredential(body.credentialId);
    if (record === undefined) {
      throw new GxTrustError('NOT_FOUND', `no credential ${body.credentialId} was issued by this service`, { pointer: '/credentialId' });
    }
    if (principal.admin !== true && record.issuedBy !== principal.actor) {
      await deps.store.appendAudit({
        actor: principal.actor,
        action: 'authorization.denied',
        subject: record.id,
        digests: { credential: record.digest },
        details: { request: 'credential.status-changed', status: requested },
      });
      throw new GxTrustError('FORBIDDEN', 'only the member who issued a credential, or an admin, may change its status');
    }

    const revocation = record.statusEntries.find((e) => e.purpose === 'revocation');
    const suspension = record.statusEntries.find((e) => e.purpose === 'suspension');
    const before = await currentStatus(deps.store, record.statusEntries);
    const change = async (entry: StatusEntryRecord, value: boolean): Promise<void> => {
      if ((await bitOf(deps.store, entry)) === value) return;
      await deps.store.setStatusBit({
        listId: entry.listId,
        index: entry.index,
        value,
        audit: {
          actor: principal.actor,
          action: 'credential.status-changed',
          subject: record.id,
          digests: { credential: record.digest },
          details: { status: requested, statusPurpose: entry.purpose, statusListId: entry.listId, statusListIndex: entry.index, value },
        },
      });
    };

    if (requested === 'revoked') {
      if (revocation === undefined) {
        throw new GxTrustError('CONFLICT', 'the credential was issued without a revocation status entry', { pointer: '/credentialStatus/0/status' });
      }
      await change(revocation, true);
    } else if (requested === 'suspended') {
      if (suspension === undefined) {
        throw new GxTrustError('CONFLICT', 'the credential was issued without a suspension status entry', { pointer: '/credentialStatus/0/status' });
      }
      if (before === 'revoked') throw new GxTrustError('CONFLICT', 'the credential is revoked; revocation is permanent', { pointer: '/credentialStatus/0/status' });
      await change(suspension, true);
    } else {
      if (before === 'revoked') {
        throw new GxTrustError('CONFLICT', 'the credential is revoked; revocation is permanent and cannot be undone', {
          pointer: '/credentialStatus/0/status',
          hint: 'Issue a new credential instead',
        });
      }
      if (suspension !== undefined) await change(suspension, false);
    }

    const after = await currentStatus(deps.store, record.statusEntries);
    res.status(200).json({
      credentialId: record.id,
      credentialStatus: [{ type: 'BitstringStatusListCredential', status: after }],
    });
  });

  return router;
}
