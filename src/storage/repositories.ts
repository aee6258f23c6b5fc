/**
 * The store by record kind: each domain module asks for the repositories it uses and nothing more
 * (status-lists for lists and allocations, audit for entries and checkpoints, members for members
 * and keys, ...). One implementation, src/storage/sql-store.ts, serves them all on SQLite and
 * PostgreSQL and passes the same contract suite (test/storage/store.contract.test.ts).
 *
 * A write that concerns several kinds (a credential with its allocations and its audit entry) is
 * ONE method of the kind it is about, so it stays one transaction.
 */
import type {
  ApiKeyRecord,
  AuditEntry,
  AuditEntryInput,
  ComplianceDecisionRecord,
  CredentialMetadata,
  CredentialOfferRecord,
  PresentationOutcome,
  PresentationRequestRecord,
  CredentialQuery,
  CredentialRecord,
  CredentialVisibility,
  IdempotencyBegin,
  LabelCoverage,
  MemberKeyRecord,
  MemberRecord,
  OfferedCredential,
  RandomIndex,
  SignedCheckpoint,
  StatusAllocation,
  StatusBitChange,
  StatusExpectation,
  StatusListRecord,
  StatusPurpose,
  AuditFilter,
  StoredAuditEntry,
  StoredCredential,
  WalletSweep,
  WalletTransactionRecord,
} from './records.js';

/** What a recorded issuance writes: the credential, its status allocations, its audit entry and (optionally) the idempotency key's response. */
export interface IssuanceRecord {
  credential: Omit<CredentialRecord, 'createdAt'>;
  /** `reservedAs`: the holder an index was reserved under in a block (`reserveStatusIndexes`), which the credential now takes over. */
  allocations: readonly (StatusAllocation & { reservedAs?: string | undefined })[];
  audit: AuditEntryInput;
  idempotency?: { key: string; response: string };
  /** Owner, visibility and series; absent: no owner, private, no series. */
  metadata?: Omit<CredentialMetadata, 'supersededBy'>;
  /**
   * Onboarding again: the set this one replaces, revoked (each bit with its entry) and marked as
   * superseded by this credential in the same transaction.
   */
  supersede?: { changes: readonly StatusBitChange[]; ids: readonly string[] };
}

export interface CredentialRepository {
  /**
   * ONE transaction per issuance: the credential row, its status allocations (reserved earlier or
   * new) and its audit entry; optionally completes an idempotency key with the response. Nothing
   * of it is written if any part fails. Concurrent calls share a transaction (group commit); each
   * resolves only once its rows are committed, and each caller sees its own error.
   */
  recordIssuance(issuance: IssuanceRecord): Promise<{ auditEntry: AuditEntry }>;
  getCredential(id: string): Promise<CredentialRecord | undefined>;
  /** The credential's owner, visibility and series; undefined when no credential has this id. */
  credentialMetadata(id: string): Promise<CredentialMetadata | undefined>;
  /** A page of the credentials a member owns, newest first (created_at, then id, descending). */
  listCredentials(query: CredentialQuery): Promise<StoredCredential[]>;
  /** ONE transaction: the new visibility and its audit entry; NOT_FOUND for an unknown id. */
  setCredentialVisibility(options: { id: string; visibility: CredentialVisibility; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  /** The current (not superseded) credentials of a series, oldest first. */
  seriesCredentials(series: string): Promise<CredentialRecord[]>;
  /**
   * Credentials about `did` (its subject is `did` or a `did#fragment`) or issued by it, newest
   * first, at most `limit` (default 1000): what a member may present.
   */
  credentialsOfDid(did: string, options?: { limit?: number }): Promise<CredentialRecord[]>;
}

export interface StatusListRepository {
  /**
   * Creates the list (all bits 0; `size` entries of `statusSize` bits, 1 unless given) unless it
   * exists; returns what is stored (the caller compares its issuer and width).
   */
  ensureStatusList(list: { id: string; purpose: StatusPurpose; size: number; statusSize?: number; issuer?: string | null }): Promise<StatusListRecord>;
  getStatusList(id: string): Promise<StatusListRecord | undefined>;
  /**
   * Picks a random free index in the list and reserves it for the credential before anything is
   * signed. An index is never handed out twice, across replicas too: the UNIQUE (list, index)
   * constraint arbitrates and a collision draws again. Concurrent reservations share a statement.
   */
  reserveStatusIndex(options: { listId: string; credentialId: string; random?: RandomIndex }): Promise<number>;
  /**
   * Reserves up to `count` random free indexes at once for `holder` (not a credential: a replica's
   * allocator, which hands them out one by one and names the holder when the credential is
   * recorded), in one transaction. Drawn uniformly at random like single reservations, returned in
   * draw order; throws as `reserveStatusIndex` does when the list has no free index left.
   */
  reserveStatusIndexes(options: { listId: string; holder: string; count: number }): Promise<number[]>;
  getAllocation(listId: string, index: number): Promise<StatusAllocation | undefined>;
  /** ONE transaction: sets the bit (or a wider entry's value), bumps the list version, appends the audit entry. */
  setStatusBit(options: StatusBitChange): Promise<{ version: number; auditEntry: AuditEntry }>;
  /**
   * ONE transaction: every bit change with its own audit entry (a credential and the labels that
   * cover it; the set an onboarding replaces), and, with `supersede`, those credentials marked as
   * replaced by `by`. Nothing is written if any part fails. With `expected`, the entries named
   * must still hold those values once their lists are locked (CONFLICT otherwise, nothing
   * written): a change decided from values read earlier is applied only if they are still current.
   */
  setStatusBits(options: { changes: readonly StatusBitChange[]; supersede?: { ids: readonly string[]; by: string }; expected?: readonly StatusExpectation[] }): Promise<{ auditEntries: AuditEntry[] }>;
}

export interface AuditRepository {
  /** Appends an entry on its own (key and member changes, denied requests). */
  appendAudit(audit: AuditEntryInput): Promise<AuditEntry>;
  auditSize(): Promise<number>;
  /** Entries with from <= index < to, in index order. */
  auditEntries(from: number, to: number): Promise<StoredAuditEntry[]>;
  auditEntriesForSubject(subject: string): Promise<StoredAuditEntry[]>;
  /** Entries with from <= index < to that match every member of `filter`, in index order, at most `limit`. */
  auditEntriesMatching(filter: AuditFilter, from: number, to: number, limit: number): Promise<StoredAuditEntry[]>;
  /** Stores a checkpoint; if one of that size exists (another replica signed it) keeps the first. */
  putCheckpoint(checkpoint: SignedCheckpoint): Promise<SignedCheckpoint>;
  latestCheckpoint(): Promise<SignedCheckpoint | undefined>;
  checkpoints(): Promise<SignedCheckpoint[]>;
}

export interface IdempotencyRepository {
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
}

export interface DecisionRepository {
  /** ONE transaction: the decision, its audit entry and, for an issued label, what it covers. */
  recordDecision(options: {
    id: string;
    decision: Record<string, unknown>;
    audit: AuditEntryInput;
    coverage?: readonly LabelCoverage[];
  }): Promise<{ auditEntry: AuditEntry }>;
  getDecision(id: string): Promise<ComplianceDecisionRecord | undefined>;
}

/**
 * What the labels this service issued cover, as their decisions recorded it (written by
 * recordDecision): a revoked or suspended credential finds the labels that must follow it.
 */
export interface LabelCoverageRepository {
  /** The labels that cover a credential (by its id). */
  labelsCovering(credentialId: string): Promise<LabelCoverage[]>;
  /** What a label covers. */
  labelCoverage(labelId: string): Promise<LabelCoverage[]>;
}

/** Consortium members, their verification methods and their API keys. */
export interface MemberRepository {
  /** ONE transaction: the member, its first verification methods and the 'member.changed' entry. A taken slug is CONFLICT. */
  createMember(options: { member: MemberRecord; keys: readonly MemberKeyRecord[]; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  getMember(id: string): Promise<MemberRecord | undefined>;
  getMemberBySlug(slug: string): Promise<MemberRecord | undefined>;
  listMembers(): Promise<MemberRecord[]>;
  /** Every verification method the member ever had (active, retired, removed), oldest first. */
  memberKeys(memberId: string): Promise<MemberKeyRecord[]>;
  /**
   * A token that changes whenever a method of the member is added, changes state or has its
   * public part replaced: the count of its methods, how far their states have moved (rows are
   * never deleted, and a state only moves forward: active -> retired -> removed) and the sum of
   * their revisions (each replacement adds one). Cheap (one aggregate over the member's index
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
  /** ONE transaction: the API key row (its hash only) and the 'member.changed' entry. */
  createApiKey(options: { apiKey: ApiKeyRecord; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  /** The key with this hash (revoked ones too: the caller decides). */
  apiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(memberId: string): Promise<ApiKeyRecord[]>;
  /** ONE transaction: marks the key revoked and appends the entry; false when there was no such unrevoked key. */
  revokeApiKey(options: { memberId: string; keyId: string; at: string; audit: AuditEntryInput }): Promise<boolean>;
}

/**
 * OpenID4VCI state shared by every replica: offers (a pre-authorized code is redeemed once) and
 * c_nonces (each proves one possession, once).
 */
export interface WalletRepository {
  /** ONE transaction: the offer and its 'credential-offer.created' audit entry. */
  createCredentialOffer(options: { offer: Omit<CredentialOfferRecord, 'txCodeFailures'>; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  credentialOfferByCode(codeHash: string): Promise<CredentialOfferRecord | undefined>;
  getCredentialOffer(id: string): Promise<CredentialOfferRecord | undefined>;
  /** Counts one wrong transaction code; returns the count now. */
  countTxCodeFailure(id: string): Promise<number>;
  /** Marks the offer redeemed at `at`; false when it was redeemed already (by this or another replica). */
  redeemCredentialOffer(options: { id: string; at: string }): Promise<boolean>;
  putWalletNonce(options: { nonce: string; expiresAt: string }): Promise<void>;
  /** Removes the nonce; true only when it existed and had not expired at `at` (each nonce is used once). */
  consumeWalletNonce(options: { nonce: string; at: string }): Promise<boolean>;
  /**
   * ONE transaction: a deferred offer's review decided (approved with the credentials it names,
   * or refused with a reason) and its audit entry; false when the offer is not pending (decided
   * already, by this or another replica), and then nothing is written.
   */
  decideDeferredOffer(options: {
    id: string;
    decision: { state: 'approved'; credentials: readonly OfferedCredential[] } | { state: 'refused'; reason: string };
    audit: AuditEntryInput;
  }): Promise<boolean>;
  createWalletTransaction(transaction: WalletTransactionRecord): Promise<void>;
  walletTransaction(transactionHash: string): Promise<WalletTransactionRecord | undefined>;
  /** Removes the transaction; true only for the one caller that removed it (its credentials are issued once). */
  consumeWalletTransaction(transactionHash: string): Promise<boolean>;
  /**
   * Removes what expired before `at`: nonces, transactions, and offers no live transaction
   * still needs. Plain conditional deletes: replicas sweeping at once remove each row once.
   */
  sweepWallets(options: { at: string }): Promise<WalletSweep>;
}

/**
 * OpenID4VP state shared by every replica: a presentation request is answered once, whichever
 * replica takes the wallet's response.
 */
export interface PresentationRequestRepository {
  /** ONE transaction: the request and its 'presentation-request.created' audit entry. */
  createPresentationRequest(options: { request: Omit<PresentationRequestRecord, 'answeredAt' | 'outcome' | 'result'>; audit: AuditEntryInput }): Promise<{ auditEntry: AuditEntry }>;
  getPresentationRequest(id: string): Promise<PresentationRequestRecord | undefined>;
  /**
   * ONE transaction: closes the request with its outcome and result, and appends the audit entry;
   * false, and nothing written, when it was closed already (by this or another replica).
   */
  closePresentationRequest(options: { id: string; at: string; outcome: PresentationOutcome; result: Record<string, unknown>; audit: AuditEntryInput }): Promise<boolean>;
}
