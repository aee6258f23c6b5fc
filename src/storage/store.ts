/**
 * The store as the composition root holds it: every repository over one database, plus its
 * lifecycle. Domain modules take the repositories they use (src/storage/repositories.ts), not this.
 */
import type {
  AuditRepository,
  CredentialRepository,
  DecisionRepository,
  IdempotencyRepository,
  LabelCoverageRepository,
  MemberRepository,
  StatusListRepository,
  WalletRepository,
  PresentationRequestRepository,
} from './repositories.js';

export type * from './records.js';
export type * from './repositories.js';
export { StoreUnavailableError, isStoreUnavailable } from './records.js';

export interface Store
  extends CredentialRepository,
    StatusListRepository,
    AuditRepository,
    IdempotencyRepository,
    DecisionRepository,
    LabelCoverageRepository,
    MemberRepository,
    WalletRepository,
    PresentationRequestRepository {
  readonly dialect: 'sqlite' | 'postgres';
  /** Applies pending migrations; safe when several processes start at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What storage needs from the domain to write a record it does not interpret: the audit leaf and
 * its hash (src/audit), and the bitstring edit of a status change (src/status-lists). The
 * composition root passes src/record-codecs.ts; storage imports neither module.
 */
export interface RecordCodecs {
  /** The leaf text the Merkle tree hashes, and that hash in hex. */
  auditLeaf(entry: import('./records.js').AuditEntry): { leaf: string; leafHash: string };
  /**
   * Sets entry `index` of `list.bits` in place (a bit, or the `statusSize` bits of a wider entry);
   * throws INVALID_INPUT for an index outside the list or a value the entry cannot hold.
   */
  setStatusBit(list: { id: string; size: number; statusSize?: number; bits: Uint8Array }, index: number, value: boolean | number): void;
  /** The value entry `index` of `list.bits` holds (its `statusSize` bits, most significant first). */
  statusValue(list: { statusSize?: number; bits: Uint8Array }, index: number): number;
  /**
   * The URL of a module that exports these codecs as `recordCodecs`, for a thread that writes
   * records (SQLite's writer thread, sqlite-writer.ts); without it the event loop writes them.
   */
  module?: string;
}
