/**
 * Changing a credential's status (revoke, suspend, reinstate): the one core behind
 * `POST /credentials/status` and `gx-trust revoke`, so both refuse and audit the same way.
 * @see https://w3c-ccg.github.io/vc-api/#update-status
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#statuspurpose
 */
import { GxTrustError, isGxTrustError } from '../errors.js';
import type { CredentialRecord, StatusBitChange, StatusEntryRecord, StatusExpectation } from '../storage/store.js';
import type { AuditRepository, CredentialRepository, LabelCoverageRepository, StatusListRepository } from '../storage/repositories.js';
import { getStatusValue } from './bitstring.js';

/**
 * A status change reads the credential, its lists and the labels that cover it, and writes the
 * bits with their audit entries (or a refusal entry).
 */
export type StatusChangeStore = AuditRepository & CredentialRepository & StatusListRepository & LabelCoverageRepository;

export type CredentialStatusValue = 'revoked' | 'suspended' | 'active';

export interface StatusChangeActor {
  /** The member id, API key id or 'cli' recorded in the audit log. */
  actor: string;
  /** Admins may change any credential's status; members only the ones they issued. */
  admin?: boolean;
}

/** The entry's value now, read at its list's width. */
async function valueOf(store: StatusChangeStore, entry: StatusEntryRecord): Promise<number> {
  const list = await store.getStatusList(entry.listId);
  if (list === undefined) throw new GxTrustError('INTERNAL', `status list ${entry.listId} of a stored credential is missing`);
  return getStatusValue(list.bits, entry.index, list.statusSize);
}

async function bitOf(store: StatusChangeStore, entry: StatusEntryRecord): Promise<boolean> {
  return (await valueOf(store, entry)) !== 0;
}

/** The status a credential has now: revocation wins over suspension (message and refresh entries do not change it). */
export async function currentStatus(store: StatusChangeStore, entries: readonly StatusEntryRecord[]): Promise<CredentialStatusValue> {
  let suspended = false;
  for (const entry of entries) {
    if (entry.purpose !== 'revocation' && entry.purpose !== 'suspension') continue;
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
  const record = await authorizedRecord(store, request.credentialId, principal, requested);

  const revocation = record.statusEntries.find((e) => e.purpose === 'revocation');
  const suspension = record.statusEntries.find((e) => e.purpose === 'suspension');
  // Each value is read once and the decision made from it; the store applies the change only if
  // they all still hold under the lists' locks, so two concurrent requests cannot both pass.
  const read: StatusExpectation[] = [];
  for (const entry of [revocation, suspension]) {
    if (entry !== undefined) read.push({ listId: entry.listId, index: entry.index, value: await bitOf(store, entry) });
  }
  const valueRead = (entry: StatusEntryRecord): boolean => read.find((r) => r.listId === entry.listId && r.index === entry.index)?.value === true;
  const before: CredentialStatusValue = revocation !== undefined && valueRead(revocation) ? 'revoked' : suspension !== undefined && valueRead(suspension) ? 'suspended' : 'active';
  const changes: StatusBitChange[] = [];
  const change = async (entry: StatusEntryRecord, value: boolean): Promise<void> => {
    const previous = valueRead(entry);
    if (previous === value) return;
    changes.push(bitChange(record, entry, value, { actor: principal.actor, status: requested, previous: Number(previous) }));
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
  // A revocation depends on nothing but its own bit: a concurrent suspension or reinstatement
  // must not make it lose. Suspending and reinstating depend on the credential not being revoked.
  const decidedFrom = requested === 'revoked' ? read.filter((r) => r.listId === revocation?.listId && r.index === revocation.index) : read;
  if (changes.length > 0) await setWithLabels(store, changes, decidedFrom, record.id, requested, principal.actor);

  return { credentialId: record.id, status: await currentStatus(store, record.statusEntries) };
}

/** The value a `message` or `refresh` entry takes: "0x" and hexadecimal, as its statusMessage writes it. */
const STATUS_VALUE = /^0x[0-9a-fA-F]{1,4}$/;

export interface StatusValueChanged {
  credentialId: string;
  statusPurpose: string;
  /** The value now in force, `0x` and lower-case hexadecimal. */
  status: string;
  /** Its statusMessage, or "set"/"unset" for an entry without one (the specification's defaults). */
  message: string;
}

/**
 * Sets the value of a credential's `message` or `refresh` entry (any width): `status` is one of
 * the values its statusMessage names ("0x2"), or "0x0"/"0x1" for a one-bit entry without messages.
 * Who may, and the audit entry, are as for changeCredentialStatus. A value outside the entry is
 * 400 at /credentialStatus/0/status; a `refresh` entry once set stays set ("This status does not
 * invalidate the verifiable credential and is not reversible"), so 0x0 after another value is 409.
 * Revocation and suspension are not values: they are revoked/suspended/active (400 with that hint).
 * Setting the value the entry has changes nothing (retries are safe).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
export async function changeStatusValue(
  store: StatusChangeStore,
  request: { credentialId: string; statusPurpose: string; status: string },
  principal: StatusChangeActor,
): Promise<StatusValueChanged> {
  const record = await authorizedRecord(store, request.credentialId, principal, request.status);
  const at = { pointer: '/credentialStatus/0/status' };
  if (request.statusPurpose === 'revocation' || request.statusPurpose === 'suspension') {
    throw new GxTrustError('INVALID_INPUT', `a ${request.statusPurpose} entry is set as a state, not as a value`, {
      pointer: '/credentialStatus/0/statusPurpose',
      hint: `Send {"type": "BitstringStatusListCredential", "status": "${request.statusPurpose === 'revocation' ? 'revoked' : 'suspended'}"} (or "active") without statusPurpose`,
    });
  }
  const entry = record.statusEntries.find((e) => e.purpose === request.statusPurpose);
  if (entry === undefined) {
    throw new GxTrustError('CONFLICT', `the credential was issued without a ${request.statusPurpose} status entry`, {
      pointer: '/credentialStatus/0/statusPurpose',
      hint: `It has ${record.statusEntries.map((e) => e.purpose).join(', ') || 'no status entries'}`,
    });
  }
  const width = entry.statusSize ?? 1;
  const messages = entry.statusMessage ?? [
    { status: '0x0', message: 'unset' },
    { status: '0x1', message: 'set' },
  ];
  const meaning = (value: number): string => messages.find((m) => Number.parseInt(m.status.slice(2), 16) === value)?.message ?? 'undefined';
  const value = STATUS_VALUE.test(request.status) ? Number.parseInt(request.status.slice(2), 16) : Number.NaN;
  if (!(value < 2 ** width)) {
    throw new GxTrustError('INVALID_INPUT', `${JSON.stringify(request.status)} is not a value of this ${width}-bit ${entry.purpose} entry`, {
      ...at,
      hint: `Send one of ${messages.map((m) => `"${m.status}" (${m.message})`).join(', ')}`,
    });
  }
  const before = await valueOf(store, entry);
  if (entry.purpose === 'refresh' && before !== 0 && value === 0) {
    throw new GxTrustError('CONFLICT', 'the refresh status is set; it is not reversible', { ...at, hint: 'Issue the updated credential instead; its own refresh entry starts unset' });
  }
  const status = `0x${value.toString(16)}`;
  if (before !== value) {
    const change = bitChange(record, entry, width === 1 ? value === 1 : value, { actor: principal.actor, status, message: meaning(value), previous: before });
    // Compare-and-set: a concurrent change since `before` was read makes this one 409.
    await setIfUnchanged(store, [change], [{ listId: entry.listId, index: entry.index, value: before }]);
  }
  const now = await valueOf(store, entry);
  return { credentialId: record.id, statusPurpose: entry.purpose, status: `0x${now.toString(16)}`, message: meaning(now) };
}

/** Writes `changes` only if the entries read still hold what was read; a lost race is 409 at the request's status. */
async function setIfUnchanged(store: StatusChangeStore, changes: StatusBitChange[], expected: StatusExpectation[]): Promise<void> {
  try {
    await store.setStatusBits({ changes, expected });
  } catch (error) {
    throw lostRace(error);
  }
}

function lostRace(error: unknown): unknown {
  if (!isGxTrustError(error) || error.code !== 'CONFLICT') return error;
  return new GxTrustError('CONFLICT', `the credential's status changed while this request was decided (${error.message})`, {
    pointer: '/credentialStatus/0/status',
    hint: 'A concurrent status change won; read the credential\'s status and send this request again if it still applies',
    cause: error,
  });
}

/**
 * Decisions on labels made again when only a label or a neighbour moved meanwhile; past this many,
 * plus one per credential the labels cover, 409 as any lost race. Each retry follows a neighbour's
 * commit, so covered credentials changed at once (a reinstatement's decision depends on all of
 * them) each get their turn; only changes that keep coming exhaust it.
 */
const LABEL_ATTEMPTS = 5;

/**
 * The credential's own `changes` and those of the labels that cover it, in one transaction (a label
 * vouches for what it covers), each compare-and-set on the values it was decided from. Two covered
 * credentials changed at once both decide their label's change: the second used to write it again
 * (a second "label revoked" entry). Now it finds the label moved under the lock; if the
 * credential's own entries still hold what was read, only a label (or another covered credential
 * a label's decision was taken on) moved, and the credential's own change must not lose to its
 * neighbour's: the labels are decided afresh from the neighbour's commit and the write tried again.
 */
async function setWithLabels(store: StatusChangeStore, changes: StatusBitChange[], decidedFrom: StatusExpectation[], credentialId: string, status: CredentialStatusValue, actor: string): Promise<void> {
  let attempts = LABEL_ATTEMPTS;
  for (let attempt = 1; ; attempt += 1) {
    const labels = await decideLabelChanges(store, [credentialId], status, { actor });
    attempts = Math.max(attempts, LABEL_ATTEMPTS + labels.neighbours);
    try {
      await store.setStatusBits({ changes: [...changes, ...labels.changes], expected: [...decidedFrom, ...labels.expected] });
      return;
    } catch (error) {
      const labelMoved = isGxTrustError(error) && error.code === 'CONFLICT' && labels.expected.length > 0 && (await stillHold(store, decidedFrom));
      if (!labelMoved || attempt >= attempts) throw lostRace(error);
    }
  }
}

/** Whether each entry holds the value expected of it now (outside any lock: a retry re-checks under it). */
async function stillHold(store: StatusChangeStore, expected: readonly StatusExpectation[]): Promise<boolean> {
  for (const e of expected) {
    const list = await store.getStatusList(e.listId);
    if (list === undefined || getStatusValue(list.bits, e.index, list.statusSize) !== Number(e.value)) return false;
  }
  return true;
}

/**
 * The stored credential a principal may change: an unknown id and another member's credential get
 * the same 404, the latter audited.
 */
async function authorizedRecord(store: StatusChangeStore, credentialId: string, principal: StatusChangeActor, requested: string): Promise<CredentialRecord> {
  const record = await store.getCredential(credentialId);
  // An unknown id and another member's credential get the same answer: a member learns nothing
  // about credentials it may not touch (OWASP API1:2023; a 403 would confirm that the id exists).
  const unknown = (): GxTrustError =>
    new GxTrustError('NOT_FOUND', `no credential ${credentialId} ${principal.admin === true ? 'was issued by this service' : 'issued by you is known to this service'}`, {
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
  return record;
}

/** A bit change of `record` with its 'credential.status-changed' entry; `reason` says why, when it is not the caller's own request. */
export function bitChange(
  record: Pick<CredentialRecord, 'id' | 'digest'>,
  entry: StatusEntryRecord,
  value: boolean | number,
  why: { actor: string; status: CredentialStatusValue | string; message?: string; reason?: string; coveredCredential?: string; previous?: number },
): StatusBitChange {
  return {
    listId: entry.listId,
    index: entry.index,
    value,
    audit: {
      actor: why.actor,
      action: 'credential.status-changed',
      subject: record.id,
      digests: { credential: record.digest },
      details: {
        status: why.status,
        statusPurpose: entry.purpose,
        statusListId: entry.listId,
        statusListIndex: entry.index,
        value,
        // The entry's value the change replaced, checked under the list's lock (`0x` hexadecimal).
        ...(why.previous === undefined ? {} : { previous: `0x${why.previous.toString(16)}` }),
        ...(why.message === undefined ? {} : { message: why.message }),
        ...(why.reason === undefined ? {} : { reason: why.reason }),
        ...(why.coveredCredential === undefined ? {} : { coveredCredential: why.coveredCredential }),
      },
    },
  };
}

/**
 * What the labels covering `changed` (credentials this service issued, by id) must do when those
 * take `status`: revoked -> the label is revoked; suspended -> suspended (revoked, when the label
 * has no suspension entry: a label must never stay valid over a credential that is not); active
 * (a suspension lifted) -> the label's suspension is lifted once none of what it covers is still
 * suspended or revoked. A revoked label stays revoked. Each entry's reason names the covered
 * credential. Labels issued elsewhere are not in the index, and a verifier sees the covered
 * credential's own status (COVERED_CREDENTIAL_REVOKED).
 */
export async function labelChanges(
  store: StatusChangeStore,
  changed: readonly string[],
  status: CredentialStatusValue,
  why: { actor: string; reason?: string },
): Promise<StatusBitChange[]> {
  // Onboarding's supersession writes these with the issuance, unchecked: no `previous` is claimed.
  return (await decideLabelChanges(store, changed, status, why, false)).changes;
}

/**
 * labelChanges, with every entry each decision was taken on: what the write expects to hold still
 * under the lists' locks (compare-and-set, as the credential's own change), so the decision is right
 * for the bits as they are when it commits, not as they were read. A decision to leave a label alone
 * is checked as well: two covered credentials reinstated at once each saw the other still suspended
 * and neither lifted the label; one suspended while another is reinstated saw the label already
 * suspended while the other lifted it. A label's revocation depends on its revocation bit only;
 * suspending it, on both of its bits; leaving it suspended, on its suspension bit; lifting its
 * suspension, on both and on every other covered credential's revocation and suspension bits being
 * clear; not lifting it, on one covered credential's bit that is set. A revoked label is final. With
 * `compareAndSet`, each audit entry carries the `previous` value the write will check.
 */
async function decideLabelChanges(
  store: StatusChangeStore,
  changed: readonly string[],
  status: CredentialStatusValue,
  why: { actor: string; reason?: string },
  compareAndSet = true,
): Promise<{ changes: StatusBitChange[]; expected: StatusExpectation[]; neighbours: number }> {
  const changes: StatusBitChange[] = [];
  const expected: StatusExpectation[] = [];
  let neighbours = 0;
  const seen = new Set<string>();
  for (const coveredId of changed) {
    for (const { labelId } of await store.labelsCovering(coveredId)) {
      if (seen.has(labelId)) continue;
      const label = await store.getCredential(labelId);
      if (label === undefined) continue;
      const revocation = label.statusEntries.find((e) => e.purpose === 'revocation');
      const suspension = label.statusEntries.find((e) => e.purpose === 'suspension');
      // Each bit read once, and the decision and its expectations made from that one reading.
      const revoked = revocation !== undefined && (await bitOf(store, revocation));
      const suspended = suspension !== undefined && (await bitOf(store, suspension));
      const labelStatus: CredentialStatusValue = revoked ? 'revoked' : suspended ? 'suspended' : 'active';
      if (labelStatus === 'revoked') continue;
      const read = (e: StatusEntryRecord | undefined, v: boolean): StatusExpectation[] => (e === undefined ? [] : [{ listId: e.listId, index: e.index, value: v }]);
      const reason = `${why.reason ?? `the covered credential ${coveredId} is ${status === 'active' ? 'reinstated' : status}`}`;
      const labelWhy = { actor: why.actor, reason, coveredCredential: coveredId };
      let entry: StatusEntryRecord | undefined;
      let value = true;
      let labelStatusNow: CredentialStatusValue = status;
      if (status === 'revoked' || (status === 'suspended' && suspension === undefined)) {
        entry = revocation;
        labelStatusNow = 'revoked';
      } else if (status === 'suspended') {
        if (labelStatus === 'suspended') expected.push(...read(suspension, true));
        else entry = suspension;
      } else if (labelStatus === 'suspended' && suspension !== undefined) {
        const others = await othersInForce(store, labelId, changed);
        expected.push(...others.read);
        neighbours += others.neighbours;
        if (others.inForce) {
          entry = suspension;
          value = false;
        }
      }
      if (entry === undefined) continue;
      seen.add(labelId);
      const previous = entry === revocation ? revoked : suspended;
      changes.push(bitChange(label, entry, value, { ...labelWhy, status: labelStatusNow, ...(compareAndSet ? { previous: Number(previous) } : {}) }));
      expected.push(...read(revocation, revoked), ...(entry === revocation ? [] : read(suspension, suspended)));
    }
  }
  return { changes, expected, neighbours };
}

/**
 * Whether every credential a label covers, besides `reinstated`, is in force (unknown ones count as
 * in force: not ours to judge), with the bits that say so: all of their revocation and suspension
 * bits clear, or the one found set; and how many credentials the label covers.
 */
async function othersInForce(store: StatusChangeStore, labelId: string, reinstated: readonly string[]): Promise<{ inForce: boolean; read: StatusExpectation[]; neighbours: number }> {
  const read: StatusExpectation[] = [];
  const coverage = await store.labelCoverage(labelId);
  const neighbours = coverage.length;
  for (const { credentialId } of coverage) {
    if (reinstated.includes(credentialId)) continue;
    const covered = await store.getCredential(credentialId);
    for (const entry of covered?.statusEntries ?? []) {
      if (entry.purpose !== 'revocation' && entry.purpose !== 'suspension') continue;
      const set = await bitOf(store, entry);
      if (set) return { inForce: false, read: [{ listId: entry.listId, index: entry.index, value: true }], neighbours };
      read.push({ listId: entry.listId, index: entry.index, value: false });
    }
  }
  return { inForce: true, read, neighbours };
}

/** The revocation of each superseded credential, and of each label covering one, each audited with its reason. */
export async function supersedeChanges(store: StatusChangeStore, previous: readonly CredentialRecord[], actor: string): Promise<{ changes: StatusBitChange[]; ids: string[] }> {
  const changes: StatusBitChange[] = [];
  for (const record of previous) {
    const revocation = record.statusEntries.find((e) => e.purpose === 'revocation');
    if (revocation === undefined || (await currentStatus(store, record.statusEntries)) === 'revoked') continue;
    changes.push(bitChange(record, revocation, true, { actor, status: 'revoked', reason: 'superseded' }));
  }
  const ids = previous.map((c) => c.id);
  changes.push(...(await labelChanges(store, ids, 'revoked', { actor, reason: 'superseded: a credential it covers was replaced by onboarding again' })));
  return { changes, ids };
}
