/**
 * Changing a credential's status (revoke, suspend, reinstate): the one core behind
 * `POST /credentials/status` and `gx-trust revoke`, so both refuse and audit the same way.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#statuspurpose
 */
import { GxTrustError } from '../errors.js';
import type { StatusEntryRecord } from '../storage/store.js';
import type { AuditRepository, CredentialRepository, StatusListRepository } from '../storage/repositories.js';
import { getBit } from './bitstring.js';

/** A status change reads the credential and its lists and writes the bit with its audit entry (or a refusal entry). */
export type StatusChangeStore = AuditRepository & CredentialRepository & StatusListRepository;

export type CredentialStatusValue = 'revoked' | 'suspended' | 'active';

export interface StatusChangeActor {
  /** The member id, API key id or 'cli' recorded in the audit log. */
  actor: string;
  /** Admins may change any credential's status; members only the ones they issued. */
  admin?: boolean;
}

async function bitOf(store: StatusChangeStore, entry: StatusEntryRecord): Promise<boolean> {
  const list = await store.getStatusList(entry.listId);
  if (list === undefined) throw new GxTrustError('INTERNAL', `status list ${entry.listId} of a stored credential is missing`);
  return getBit(list.bits, entry.index);
}

/** The status a credential has now: revocation wins over suspension. */
export async function currentStatus(store: StatusChangeStore, entries: readonly StatusEntryRecord[]): Promise<CredentialStatusValue> {
  let suspended = false;
  for (const entry of entries) {
    if (!(await bitOf(store, entry))) continue;
    if (entry.purpose === 'revocation') return 'revoked';
    if (entry.purpose === 'suspension') suspended = true;
  }
  return suspended ? 'suspended' : 'active';
}

/**
 * Sets a credential's status and returns the status it has afterwards. Each bit flip commits with
 * its audit entry. Revoked is permanent: "active" or "suspended" after "revoked" is CONFLICT, since
 * verifiers and relying parties may already have acted on the revocation. Suspension is
 * reversible. Setting a status a credential already has changes nothing (retries are safe).
 * Pointers name the VC-API request body's fields.
 */
export async function changeCredentialStatus(
  store: StatusChangeStore,
  request: { credentialId: string; status: CredentialStatusValue },
  principal: StatusChangeActor,
): Promise<{ credentialId: string; status: CredentialStatusValue }> {
  const requested = request.status;
  const record = await store.getCredential(request.credentialId);
  // An unknown id and another member's credential get the same answer: a member learns nothing
  // about credentials it may not touch (OWASP API1:2023; a 403 would confirm that the id exists).
  const unknown = (): GxTrustError =>
    new GxTrustError('NOT_FOUND', `no credential ${request.credentialId} ${principal.admin === true ? 'was issued by this service' : 'issued by you is known to this service'}`, {
      pointer: '/credentialId',
    });
  if (record === undefined) throw unknown();
  if (principal.admin !== true && record.issuedBy !== principal.actor) {
    // The attempt is audited all the same.
    await store.appendAudit({
      actor: principal.actor,
      action: 'authorization.denied',
      subject: record.id,
      digests: { credential: record.digest },
      details: { request: 'credential.status-changed', status: requested },
    });
    throw unknown();
  }

  const revocation = record.statusEntries.find((e) => e.purpose === 'revocation');
  const suspension = record.statusEntries.find((e) => e.purpose === 'suspension');
  const before = await currentStatus(store, record.statusEntries);
  const change = async (entry: StatusEntryRecord, value: boolean): Promise<void> => {
    if ((await bitOf(store, entry)) === value) return;
    await store.setStatusBit({
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

  return { credentialId: record.id, status: await currentStatus(store, record.statusEntries) };
}
