/**
 * The records gx-trust keeps, by kind, as the store reads and writes them. The domain modules give
 * them meaning (src/audit hashes entries, src/status-lists reads bits, src/access knows the roles);
 * storage only keeps them, so it imports none of those modules.
 */
import { GxTrustError, isGxTrustError, type GxTrustErrorOptions } from '../errors.js';

// Credentials --------------------------------------------------------------------------------

export interface StatusEntryRecord {
  listId: string;
  index: number;
  purpose: StatusPurpose;
  /** Bits of the entry, its list's width; absent: 1 (every entry recorded before wider ones existed). */
  statusSize?: number;
  /** What each value means, as the credential carries it (the status route answers with it). */
  statusMessage?: { status: string; message: string }[];
}

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

export type CredentialVisibility = 'private' | 'public';

/** Who a stored credential belongs to and who may read it (kept beside the credential row). */
export interface CredentialMetadata {
  /** The member whose record it is (one of its API keys asked for it); null: an admin's or the service's. */
  ownerMemberId: string | null;
  /** 'public': anyone may fetch it (GET /credentials/{id}), so a connector can check what a label covers. */
  visibility: CredentialVisibility;
  /** What onboarding the same party again replaces: 'participant:<did>', 'service-offering:<id>'; null otherwise. */
  series: string | null;
  /** The onboarding that replaced it (the id of a credential of the new set); null while current. */
  supersededBy: string | null;
}

export interface StoredCredential extends CredentialRecord {
  metadata: CredentialMetadata;
}

/** One page of a member's credentials, newest first; `after` is the last row of the previous page. */
export interface CredentialQuery {
  ownerMemberId: string;
  /** A `type` value as the credential writes it (e.g. `gx:LegalPerson`). */
  type?: string;
  /** ISO 8601 (UTC, as toISOString writes it): issued strictly after / before. */
  issuedAfter?: string;
  issuedBefore?: string;
  after?: { createdAt: string; id: string };
  limit: number;
}

/** A credential a label covers, as the compliance decision recorded it: the reverse index of labels. */
export interface LabelCoverage {
  labelId: string;
  credentialId: string;
  digestSRI: string;
}

// Status lists -------------------------------------------------------------------------------

export type StatusPurpose = 'revocation' | 'suspension' | 'message' | 'refresh' | (string & {});

export interface StatusListRecord {
  id: string;
  purpose: StatusPurpose;
  /** Number of entries (of `statusSize` bits each). */
  size: number;
  /** Bits per entry: every entry of a list has the same width; 1 for every list made before wider ones. */
  statusSize: number;
  /**
   * The raw bitstring, `size x statusSize` bits: entry i holds bits i x statusSize onwards, the
   * first the most significant, bit 0 the left-most (most significant) bit of byte 0.
   */
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

/**
 * One status entry to change, with the audit entry that records it: a bit set or cleared (a
 * one-bit entry), or the value a wider entry takes (0 to 2^statusSize - 1).
 */
export interface StatusBitChange {
  listId: string;
  index: number;
  value: boolean | number;
  audit: AuditEntryInput;
}

/** The value an entry must still hold when its list is locked for a change (compare-and-set). */
export interface StatusExpectation {
  listId: string;
  index: number;
  value: boolean | number;
}

/** Draws a status index below `size`. Injected so tests can force collisions. */
export type RandomIndex = (size: number) => number;

// Audit log ----------------------------------------------------------------------------------

/** An audit entry before the store gives it its place in the log. src/audit owns its meaning. */
export interface AuditEntryInput {
  actor: string;
  action: string;
  subject: string;
  digests: Record<string, string>;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends AuditEntryInput {
  /** Position in the log, assigned under the head lock. */
  index: number;
  /** RFC 3339 UTC; never earlier than the previous entry's. */
  timestamp: string;
}

export interface StoredAuditEntry {
  index: number;
  leaf: string;
  leafHash: string;
  /**
   * The columns stored beside the leaf for queries (an evidence bundle finds a credential's
   * entries by `subject`). The leaf is what the tree signs, so these must say what it says:
   * `verifyAuditLog` checks them when the store gives them.
   */
  columns?: { subject: string; action: string; createdAt: string; actor?: string };
}

/** What GET /audit/entries may filter on; every given member must match (exact values; times as instants). */
export interface AuditFilter {
  actor?: string | undefined;
  action?: string | undefined;
  subject?: string | undefined;
  /** Entries at or after this instant. */
  since?: Date | undefined;
  /** Entries strictly before this instant. */
  until?: Date | undefined;
}

export interface SignedCheckpoint {
  treeSize: number;
  /** Base64 of MTH(D[0:treeSize]). */
  rootHash: string;
  timestamp: string;
  keyId: string;
  /** Base64 signature over the checkpoint's signed bytes (src/audit/log.ts). */
  signature: string;
}

// Idempotency keys ---------------------------------------------------------------------------

export type IdempotencyBegin =
  | 'new'
  | 'mismatch'
  | { state: 'in-flight' }
  | { state: 'done'; response: string };

// Compliance decisions -----------------------------------------------------------------------

export interface ComplianceDecisionRecord {
  id: string;
  decision: Record<string, unknown>;
  createdAt: string;
}

// Members, their verification methods and API keys --------------------------------------------

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

export interface ApiKeyRecord {
  id: string;
  memberId: string;
  /**
   * The role's name as stored (the table's CHECK constraint holds the list); src/access owns the
   * roles and reads this through its own parser, so a stored value is never trusted as a Role.
   */
  role: string;
  /** Hex SHA-256 of the key; the key itself is never stored. */
  hash: string;
  createdAt: string;
  revokedAt: string | null;
}

// Wallets (OpenID4VCI) ------------------------------------------------------------------------

/** One offered credential: the configuration the wallet asks for, and the stored credential it copies. */
export interface OfferedCredential {
  configurationId: string;
  credentialId: string;
}

/** A credential offer of the pre-authorized code flow. Code and PIN are SHA-256 digests (hex). */
export interface CredentialOfferRecord {
  id: string;
  memberId: string;
  codeHash: string;
  txCodeHash: string | null;
  /** Wrong transaction codes sent so far: past a few the offer is dead (a 6-digit PIN is not guessed by trying). */
  txCodeFailures: number;
  credentials: readonly OfferedCredential[];
  /** Who made the offer (the audit actor), and as which role: the wallet's issuance runs as them. */
  createdBy: string;
  createdByRole: string;
  createdAt: string;
  expiresAt: string;
  redeemedAt: string | null;
  /**
   * An offer of credentials not issued yet (onboarding waiting for an admin's review): the
   * configurations promised, and the review's state. Null for an offer of stored credentials.
   * `credentials` is empty until the review approves and names them.
   */
  deferred: DeferredOffer | null;
}

export type ReviewState = 'pending' | 'approved' | 'refused';

export interface DeferredOffer {
  configurationIds: readonly string[];
  state: ReviewState;
  /** Why the review refused (told to the wallet), or null. */
  reason: string | null;
}

/**
 * A deferred issuance transaction (OpenID4VCI §9): a credential request that arrived before the
 * credentials existed, with the keys its proofs proved, waiting for the offer's review. The
 * transaction_id is kept as a SHA-256 digest (hex), as codes are.
 */
export interface WalletTransactionRecord {
  transactionHash: string;
  offerId: string;
  configurationId: string;
  /** The wallet keys (DID URLs) the proofs bound, one copy each once issued. */
  bindings: readonly string[];
  createdAt: string;
  expiresAt: string;
}

/** What one sweep removed. */
export interface WalletSweep {
  offers: number;
  nonces: number;
  transactions: number;
}

// Wallets (OpenID4VP) ------------------------------------------------------------------------

/** How a presentation request was closed: the wallet's answer verified and met the query, or not. */
export type PresentationOutcome = 'answered' | 'refused';

/** A connector's OpenID4VP presentation request (gx-trust the verifier). The state is a SHA-256 digest (hex). */
export interface PresentationRequestRecord {
  id: string;
  /** Who asked (the audit actor) and as which role: only they read the result. */
  createdBy: string;
  createdByRole: string;
  clientId: string;
  nonce: string;
  stateHash: string;
  dcqlQuery: Record<string, unknown>;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
  outcome: PresentationOutcome | null;
  /** The verification reports and the DCQL evaluation, once answered. */
  result: Record<string, unknown> | null;
}

// Failures -----------------------------------------------------------------------------------

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
