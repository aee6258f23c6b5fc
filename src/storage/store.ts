/**
 * The one store interface gx-trust records through. `sqlite.ts` (embedded default) and
 * `postgres.ts` (several replicas sharing state) implement it and pass the same contract tests.
 */
import { randomInt } from 'node:crypto';
import { GxTrustError, isGxTrustError, type GxTrustErrorOptions } from '../errors.js';
import {
  auditLeafHash,
  encodeAuditEntry,
  type AuditEntry,
  type AuditEntryInput,
  type AuditSource,
  type SignedCheckpoint,
  type StoredAuditEntry,
} from '../audit/log.js';

export interface StatusEntryRecord {
  listId: string;
  index: number;
  purpose: StatusPurpose;
}

export type StatusPurpose = 'revocation' | 'suspension' | (string & {});

export interface CredentialRecord {
  id: string;
  types: string[];
  subject: string | null;
  issuer: string;
  /** 'eddsa-rdfc-2022', 'vc+jwt', ... */
  format: string;
  /** Digest of `credential`, e.g. 'sha256:<hex>'. */
  digest: string;
  statusEntries: StatusEntryRecord[];
  /** The member or API key that asked for it. */
  issuedBy: string;
  createdAt: string;
  /** The credential exactly as it left the service (JSON text or a compact JWT). */
  credential: string;
}

export interface StatusListRecord {
  id: string;
  purpose: StatusPurpose;
  /** Number of entries (bits). */
  size: number;
  /** The raw bitstring, index 0 in the left-most (most significant) bit of byte 0. */
  bits: Uint8Array;
  /**
   * Increases on every change (a bit, or the removal of the key that signed it), so a cached
   * signed list can be compared.
   */
  version: number;
  updatedAt: string;
  /**
   * The DID whose list this is, which issues and signs it; null: the service's did:web (whatever
   * GX_BASE_URL makes it now), as every list made before lists were kept per issuer.
   */
  issuer: string | null;
}

export interface StatusAllocation {
  listId: string;
  index: number;
  credentialId: string;
}

export type IdempotencyBegin =
  | 'new'
  | 'mismatch'
  | { state: 'in-flight' }
  | { state: 'done'; response: string };

export interface ComplianceDecisionRecord {
  id: string;
  decision: Record<string, unknown>;
  createdAt: string;
}

/** Draws a status index below `size`. Injected so tests can force collisions. */
export type RandomIndex = (size: number) => number;

export const cryptoRandomIndex: RandomIndex = (size) => randomInt(size);

export interface Store extends AuditSource {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /** Creates the list (all bits 0) unless it exists; returns what is stored (the caller compares its issuer). */
  ensureStatusList(list: { id: string; purpose: StatusPurpose; size: number; issuer?: string | null }): Promise<StatusListRecord>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  /**
   * Picks a random free index in the list and reserves it for the credential before anything is
   * signed. An index is never handed out twice, across replicas too: the UNIQUE (list, index)
   * constraint arbitrates and a collision draws again.
   */
  reserveStatusIndex(options: { listId: string; credentialId: string; random?: RandomIndex }): Promise<number>;
  getAllocation(listId: string, index: number): Promise<StatusAllocation | undefined>;

  /**
   * ONE transaction: the credential row, its status allocations (reserved earlier or new) and its
   * audit entry; optionally completes an idempotency key with the response. Nothing is written if
   * any part fails.
   */
  recordIssuance(options: {
    credential: Omit<CredentialRecord, 'createdAt'>;
    allocations: readonly StatusAllocation[];
    audit: AuditEntryInput;
    idempotency?: { key: string; response: string };
  }): Promise<{ auditEntry: AuditEntry }>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;

  /** ONE transaction: sets the bit, bumps the list version, appends the audit entry. */
  setStatusBit(options: {
    listId: string;
    index: number;
    value: boolean;
    audit: AuditEntryInput;
  }): Promise<{ version: number; auditEntry: AuditEntry }>;

  /** ONE transaction: the decision and its audit entry. */
  recordDecision(options: {
    id: string;
    decision: Record<string, unknown>;
    audit: AuditEntryInput;
  }): Promise<{ auditEntry: AuditEntry }>;
  getDecision(id: string): Promise<ComplianceDecisionRecord | undefined>;

  /** Appends an entry on its own (key and member changes, denied requests). */
  appendAudit(audit: AuditEntryInput): Promise<AuditEntry>;
  auditSize(): Promise<number>;
  /** Entries with from <= index < to, in index order. */
  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]>;
  auditEntriesForSubject(subject: string): Promise<StoredAuditEntry[]>;

  /** Stores a checkpoint; if one of that size exists (another replica signed it) keeps the first. */
  putCheckpoint(checkpoint: SignedCheckpoint): Promise<SignedCheckpoint>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  checkpoints(): Promise<SignedCheckpoint[]>;

  /**
   * draft-ietf-httpapi-idempotency-key-header: the first request with a key claims it ('new');
   * a retry sees it in flight or gets the stored response; another payload under the same key is
   * a 'mismatch'. Callers scope keys per member (e.g. `${memberId}:${key}`).
   * A key left in flight longer than `inFlightTimeoutMs` (its process died mid-request) is taken
   * over by the retry, which then sees 'new'.
   */
  beginIdempotent(key: string, requestDigest: string, options?: { inFlightTimeoutMs?: number }): Promise<IdempotencyBegin>;
  completeIdempotent(key: string, response: string): Promise<void>;
  /** Releases an in-flight key after a failure, so the client's retry can run. */
  abandonIdempotent(key: string): Promise<void>;

  // Members (consortium participants), their verification methods and their API keys.

  /** ONE transaction: the member, its first verification methods and the 'member.changed' entry. A taken slug is CONFLICT. */
  createMember(options: { member: MemberRecord; keys: readonly MemberKeyRecord[]; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  getMember(id: string): Promise<MemberRecord | undefined>;
  getMemberBySlug(slug: string): Promise<MemberRecord | undefined>;
  listMembers(): Promise<MemberRecord[]>;
  /** Every verification method the member ever had (active, retired, removed), oldest first. */
  memberKeys(memberId: string): Promise<MemberKeyRecord[]>;
  /**
   * A token that changes whenever a method of the member is added or changes state: the count of
   * its methods and how far their states have moved (rows are never deleted, and a state only
   * moves forward: active -> retired -> removed). Cheap (one aggregate over the member's index
   * entries): the hosted DID resolver asks it on every resolution (src/members/hosted-dids.ts).
   */
  memberKeysVersion(memberId: string): Promise<string>;
  /**
   * ONE transaction: the member's active methods become 'retired' (kept in the DID document
   * until what they signed has expired) or 'removed' (gone at once), the new ones become active,
   * and the audit entry is appended. Returns the ids of the methods taken out of service. On
   * 'removed', the versions of the member's status lists go up too, so every replica re-signs
   * them with the new key instead of serving a signature by a key that is gone.
   */
  rotateMemberKeys(options: {
    memberId: string;
    newKeys: readonly MemberKeyRecord[];
    previous: 'retire' | 'remove';
    at: string;
    audit: AuditEntryInput;
  }): Promise<{ previous: string[]; auditEntry: AuditEntry }>;
  /**
   * Before signing: records on the member's active key of `kind` that it is about to sign
   * something valid until `validUntil` (null: without end), and returns that key. One atomic
   * statement, serialised with rotateMemberKeys on the key's row, so a retired key's
   * `signedUntil` covers everything it ever signed. undefined when the member has no such key.
   */
  reserveMemberKeyUse(options: { memberId: string; kind: string; validUntil: string | null }): Promise<MemberKeyRecord | undefined>;
  activeMemberKey(memberId: string, kind: string): Promise<MemberKeyRecord | undefined>;
  /**
   * ONE transaction: replaces the public part of the member's ACTIVE method `keyId` (a hosted
   * key's certificate chain, installed), moves its revision (so memberKeysVersion changes and
   * hosted DID documents are read again) and appends the audit entry. false, and nothing
   * written, when the member has no such active method.
   */
  replaceMemberKeyPublicKey(options: { memberId: string; keyId: string; publicKey: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean>;
  /**
   * Credentials about `did` (its subject is `did` or a `did#fragment`) or issued by it, newest
   * first, at most `limit` (default 1000): what a member may present.
   */
  credentialsOfDid(did: string, options?: { limit?: number }): Promise<CredentialRecord[]>;

  /** ONE transaction: the API key row (its hash only) and the 'member.changed' entry. */
  createApiKey(options: { apiKey: ApiKeyRecord; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  /** The key with this hash (revoked ones too: the caller decides). */
  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(memberId: string): Promise<ApiKeyRecord[]>;
  /** ONE transaction: marks the key revoked and appends the entry; false when there was no such unrevoked key. */
  revokeApiKey(options: { memberId: string; keyId: string; at: string; audit: AuditEntryInput }): Promise<boolean>;
}

export type MemberKeyCustody = 'hosted' | 'external';

export interface MemberRecord {
  id: string;
  slug: string;
  name: string;
  /** did:web:<service host>:members:<slug> */
  did: string;
  /** 'hosted': gx-trust holds the private keys and signs as the member; 'external': public keys only. */
  custody: MemberKeyCustody;
  createdAt: string;
}

export type MemberKeyState = 'active' | 'retired' | 'removed';

export interface MemberKeyRecord {
  /** The verification method id: `<member did>#<fragment>`. */
  id: string;
  memberId: string;
  /** 'Ed25519' | 'P-256' | 'RSA' */
  kind: string;
  /** 'Multikey' (hosted) or 'JsonWebKey2020' (registered public keys, with x5c/x5u). */
  methodType: string;
  /** The public part of the verification method: `{publicKeyMultibase}` or `{publicKeyJwk}`. */
  publicKey: Record<string, unknown>;
  /** Hosted keys: the PKCS#8 key sealed with the service's member-key secret; never leaves the service. */
  sealedPrivateKey: string | null;
  state: MemberKeyState;
  createdAt: string;
  retiredAt: string | null;
  /** The latest validUntil among what this key signed (ISO 8601, UTC), or null if nothing dated. */
  signedUntil: string | null;
  /** It signed at least one credential without validUntil. */
  signedUnbounded: boolean;
}

export type ApiKeyRole = 'admin' | 'member' | 'connector' | 'auditor';

export interface ApiKeyRecord {
  id: string;
  memberId: string;
  role: ApiKeyRole;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

/**
 * The database cannot be reached or refuses work (down, locked past the busy timeout, disk full):
 * `STORE_UNAVAILABLE`, which the HTTP layer answers with 503. Nothing has been committed.
 */
export class StoreUnavailableError extends GxTrustError {
  constructor(message: string, options: GxTrustErrorOptions = {}) {
    super('STORE_UNAVAILABLE', message, { hint: 'The database is unavailable; retry later with the same Idempotency-Key', ...options });
  }
}

export function isStoreUnavailable(error: unknown): error is GxTrustError {
  return isGxTrustError(error) && error.code === 'STORE_UNAVAILABLE';
}

/** Bit `index` of a bitstring: index 0 is the left-most bit of byte 0 (W3C Bitstring Status List). */
export function getBit(bits: Uint8Array, index: number): boolean {
  return ((bits[index >> 3] ?? 0) & (0x80 >> (index & 7))) !== 0;
}

export function setBit(bits: Uint8Array, index: number, value: boolean): void {
  const mask = 0x80 >> (index & 7);
  const byte = bits[index >> 3] ?? 0;
  bits[index >> 3] = value ? byte | mask : byte & ~mask;
}

export function assertStatusIndex(list: { id: string; size: number }, index: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= list.size) {
    throw new GxTrustError('INVALID_INPUT', `Status index ${index} is outside list ${list.id} (size ${list.size})`);
  }
}

/** How long a claimed idempotency key may stay in flight before a retry may take it over. */
export const IDEMPOTENCY_IN_FLIGHT_TIMEOUT_MS = 120_000;

/** How many random draws before giving up on a list that is nearly full. */
export const MAX_INDEX_DRAWS = 64;

/**
 * The next audit timestamp: never earlier than the head's, so the log's times do not decrease
 * even when two replicas' clocks disagree.
 */
export function nextAuditTimestamp(now: Date, headTimestamp: string): string {
  const candidate = now.toISOString();
  return headTimestamp !== '' && headTimestamp > candidate ? headTimestamp : candidate;
}

/** The row both stores write for an entry whose index and time were assigned under the head lock. */
export function auditRow(input: AuditEntryInput, index: number, timestamp: string): {
  entry: AuditEntry;
  leaf: string;
  leafHash: string;
} {
  const entry: AuditEntry = {
    index,
    timestamp,
    actor: input.actor,
    action: input.action,
    subject: input.subject,
    digests: input.digests,
    ...(input.details === undefined ? {} : { details: input.details }),
  };
  const leaf = encodeAuditEntry(entry);
  return { entry, leaf, leafHash: Buffer.from(auditLeafHash(leaf)).toString('hex') };
}

/** Store.memberKeysVersion, in SQL both stores run ($1: the member id). */
export const MEMBER_KEYS_VERSION_SQL =
  "SELECT count(*) AS methods, sum(CASE state WHEN 'active' THEN 0 WHEN 'retired' THEN 1 ELSE 2 END) AS progress, sum(revision) AS revisions FROM member_keys WHERE member_id = $1";

/** Store.credentialsOfDid's filter: the subject is the DID or under it (`did#...`: the range ['did#', 'did$')), or the DID issued it. */
export function credentialsOfDidBounds(did: string): { exact: string; from: string; below: string } {
  return { exact: did, from: `${did}#`, below: `${did}$` };
}

export const DEFAULT_CREDENTIALS_OF_DID_LIMIT = 1000;
