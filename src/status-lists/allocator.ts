/**
 * Status list allocation: every credential gets its own random, never reused index in the current
 * list of a purpose. A shared bit would revoke two credentials, and a sequential index would leak
 * issuance order and volume ("herd privacy", W3C Bitstring Status List §Privacy Considerations).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
import { isGxTrustError } from '../errors.js';
import { isStoreUnavailable, type RandomIndex, type StatusAllocation, type Store } from '../storage/store.js';

/**
 * "The uncompressed bitstring MUST be at least 16KB in size" (131,072 entries), so that a list
 * hides which of its credentials a verifier asks about.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
 */
export const MIN_STATUS_LIST_SIZE = 131_072;

export type StatusListPurpose = 'revocation' | 'suspension';

export const STATUS_LIST_PURPOSES: readonly StatusListPurpose[] = ['revocation', 'suspension'];

/** The `credentialStatus` member a credential carries. */
export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusListPurpose;
  /** "a string value of an integer" (decimal, no sign, no exponent). */
  statusListIndex: string;
  statusListCredential: string;
}

export interface StatusListAllocatorOptions {
  store: Store;
  /** The configured public base URL (https in production); list URLs are built from it. */
  baseUrl: string;
  /** Entries per list; only tests go below MIN_STATUS_LIST_SIZE. */
  listSize?: number;
  /** Tests inject one to force collisions; defaults to crypto.randomInt. */
  random?: RandomIndex;
}

export interface PurposeAllocation extends StatusAllocation {
  purpose: StatusListPurpose;
}

/** The short list id kept in the store: `<purpose>-<n>`; the URL path segment is the same. */
export function statusListId(purpose: StatusListPurpose, sequence: number): string {
  return `${purpose}-${sequence}`;
}

const LIST_ID = /^(revocation|suspension)-(0|[1-9]\d{0,8})$/;

/** Parses a list id from a URL path segment, or undefined for anything that is not one of ours. */
export function parseStatusListId(id: string): { purpose: StatusListPurpose; sequence: number } | undefined {
  const match = LIST_ID.exec(id);
  if (match === null) return undefined;
  return { purpose: match[1] as StatusListPurpose, sequence: Number(match[2]) };
}

export function statusListUrl(baseUrl: string, listId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/status-lists/${listId}`;
}

export class StatusListAllocator {
  readonly listSize: number;
  private readonly store: Store;
  private readonly baseUrl: string;
  private readonly random: RandomIndex | undefined;
  /** The sequence number of the list each purpose allocates from, found lazily in the store. */
  private readonly current = new Map<StatusListPurpose, Promise<number>>();

  constructor(options: StatusListAllocatorOptions) {
    this.store = options.store;
    this.baseUrl = options.baseUrl;
    this.listSize = options.listSize ?? MIN_STATUS_LIST_SIZE;
    this.random = options.random;
    if (!Number.isSafeInteger(this.listSize) || this.listSize < 8 || this.listSize % 8 !== 0) {
      throw new RangeError(`status list size ${this.listSize} must be a positive multiple of 8`);
    }
  }

  listUrl(listId: string): string {
    return statusListUrl(this.baseUrl, listId);
  }

  /**
   * Reserves a fresh index for `credentialId` in the current list of `purpose`. The store draws at
   * random and gives up after a bounded number of collisions, which with uniform draws happens
   * only once a list is mostly full (at 90 % used, 64 draws all collide with p = 0.9^64 ≈ 0.1 %);
   * then this replica, and any other that sees the same, moves on to the next list. Lists are
   * numbered, so replicas agree on "the next one" without talking to each other.
   */
  async allocate(credentialId: string, purpose: StatusListPurpose = 'revocation'): Promise<PurposeAllocation> {
    for (let attempt = 0; attempt < 4; attempt++) {
      const sequence = await this.currentSequence(purpose);
      const listId = statusListId(purpose, sequence);
      try {
        const index = await this.store.reserveStatusIndex({
          listId,
          credentialId,
          ...(this.random === undefined ? {} : { random: this.random }),
        });
        return { listId, index, credentialId, purpose };
      } catch (error) {
        if (!isGxTrustError(error) || error.code !== 'INTERNAL' || isStoreUnavailable(error)) throw error;
        await this.advance(purpose, sequence);
      }
    }
    throw new Error(`no status list of purpose ${purpose} had a free index after moving on four times`);
  }

  statusEntry(allocation: Pick<StatusAllocation, 'listId' | 'index'>, purpose: StatusListPurpose): BitstringStatusListEntry {
    const url = this.listUrl(allocation.listId);
    return {
      id: `${url}#${allocation.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(allocation.index),
      statusListCredential: url,
    };
  }

  private currentSequence(purpose: StatusListPurpose): Promise<number> {
    let found = this.current.get(purpose);
    if (found === undefined) {
      found = this.findLatest(purpose);
      this.current.set(purpose, found);
      // A failed lookup (store down) must not stick: the next call looks again.
      found.catch(() => this.current.delete(purpose));
    }
    return found;
  }

  /** The highest existing list of the purpose (another replica may have moved on), created if none. */
  private async findLatest(purpose: StatusListPurpose): Promise<number> {
    let sequence = 0;
    while ((await this.store.getStatusList(statusListId(purpose, sequence + 1))) !== undefined) sequence++;
    await this.store.ensureStatusList({ id: statusListId(purpose, sequence), purpose, size: this.listSize });
    return sequence;
  }

  private async advance(purpose: StatusListPurpose, full: number): Promise<void> {
    const next = (async () => {
      const current = await this.currentSequence(purpose);
      if (current !== full) return current; // a concurrent call already moved on
      await this.store.ensureStatusList({ id: statusListId(purpose, full + 1), purpose, size: this.listSize });
      return full + 1;
    })();
    this.current.set(purpose, next);
    next.catch(() => this.current.delete(purpose));
    await next;
  }
}
