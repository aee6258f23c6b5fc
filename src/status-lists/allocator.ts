/**
 * Status list allocation: every credential gets its own random, never reused index in the current
 * list of a purpose. A shared bit would revoke two credentials, and a sequential index would leak
 * issuance order and volume ("herd privacy", W3C Bitstring Status List §Privacy Considerations).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
import { randomUUID } from 'node:crypto';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { isStoreUnavailable, type RandomIndex, type StatusAllocation } from '../storage/store.js';
import type { StatusListRepository } from '../storage/repositories.js';
import type { StatusListIssuer, StatusListIssuers } from './issuers.js';

/**
 * "The uncompressed bitstring MUST be at least 16KB in size" (131,072 entries), so that a list
 * hides which of its credentials a verifier asks about.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
 */
export const MIN_STATUS_LIST_SIZE = 131_072;

/**
 * The purposes the specification names: revocation and suspension are what gx-trust's status
 * route sets (revoked, suspended, active); message and refresh carry a value the issuer sets.
 */
export type StatusListPurpose = 'revocation' | 'suspension' | 'message' | 'refresh';

export const STATUS_LIST_PURPOSES: readonly StatusListPurpose[] = ['revocation', 'suspension', 'message', 'refresh'];

/**
 * The widest entry gx-trust allocates on its own lists: 8 bits, 256 values, each with its own
 * statusMessage in every credential that has such an entry (the verifier reads up to
 * MAX_STATUS_SIZE, 16, from lists published elsewhere).
 */
export const MAX_ALLOCATED_STATUS_SIZE = 8;

/** "`status`, a string representing the hexadecimal value of the status prefixed with `0x`", and its `message`. */
export interface StatusMessage {
  status: string;
  message: string;
}

/**
 * What an entry gx-trust allocates is: its purpose and width (statusSize, 1 unless said), and
 * what the issuer commits to at issuance for a wider entry: a message for each value, and where
 * to read more about them (statusReference).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
export interface StatusSlot {
  purpose: StatusListPurpose;
  statusSize: number;
  statusMessage?: StatusMessage[] | undefined;
  statusReference?: string | string[] | undefined;
}

/** The `credentialStatus` member a credential carries. */
export interface BitstringStatusListEntry {
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusListPurpose;
  /** "a string value of an integer" (decimal, no sign, no exponent). */
  statusListIndex: string;
  statusListCredential: string;
  /** Present when the entry is wider than one bit. */
  statusSize?: number;
  statusMessage?: StatusMessage[];
  statusReference?: string | string[];
}

export interface StatusListAllocatorOptions {
  store: StatusListRepository;
  /** Whose lists a credential gets: its issuer's own (src/status-lists/issuers.ts). */
  issuers: StatusListIssuers;
  /** The configured public base URL (https in production); list URLs are built from it. */
  baseUrl: string;
  /** Entries per list; only tests go below MIN_STATUS_LIST_SIZE. */
  listSize?: number;
  /** Tests inject one to force collisions; defaults to crypto.randomInt. */
  random?: RandomIndex;
}

export interface PurposeAllocation extends StatusAllocation, StatusSlot {
  /** The holder the index was reserved under, when it came from this allocator's block. */
  reservedAs?: string;
}

/**
 * Indexes reserved per transaction. A recorded issuance then commits once instead of twice; a
 * block left unused when the process stops is skipped for good (never reused), which costs at most
 * this many of a list's 131,072 entries per replica start.
 */
export const STATUS_INDEX_BLOCK = 64;

/**
 * The list id kept in the store and used as the URL path segment: `<purpose>-<n>` for the
 * service's did:web, `<scope>.<purpose>-<n>` for another issuer (issuers.ts); a list of entries
 * wider than one bit names its width, `<purpose>-<statusSize>bit-<n>` (`message-2bit-0`), so
 * lists of each width are numbered apart.
 */
export function statusListId(purpose: StatusListPurpose, sequence: number, scope = '', statusSize = 1): string {
  const name = statusSize === 1 ? `${purpose}-${sequence}` : `${purpose}-${statusSize}bit-${sequence}`;
  return scope === '' ? name : `${scope}.${name}`;
}

/**
 * A width of 2 to 8 bits (MAX_ALLOCATED_STATUS_SIZE) after the purpose of a wider list.
 * A member slug (a DNS label) or a did:key's base58btc multibase key: neither holds a dot. The key
 * is 47-49 characters after the `z` for Ed25519 and P-256, 69-70 for P-384 (51 bytes), 95 for
 * P-521 (69 bytes), 133-134 for BLS12-381 G2 (98 bytes).
 */
const LIST_ID = /^(?:((?:member\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)|(?:key\.z[1-9A-HJ-NP-Za-km-z]{40,134}))\.)?(revocation|suspension|message|refresh)(?:-([2-8])bit)?-(0|[1-9]\d{0,8})$/;

/** Parses a list id from a URL path segment, or undefined for anything that is not one of ours. */
export function parseStatusListId(id: string): { scope: string; purpose: StatusListPurpose; sequence: number; statusSize: number } | undefined {
  const match = LIST_ID.exec(id);
  if (match === null) return undefined;
  return { scope: match[1] ?? '', purpose: match[2] as StatusListPurpose, sequence: Number(match[4]), statusSize: match[3] === undefined ? 1 : Number(match[3]) };
}

export function statusListUrl(baseUrl: string, listId: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/status-lists/${listId}`;
}

export class StatusListAllocator {
  readonly listSize: number;
  private readonly store: StatusListRepository;
  private readonly baseUrl: string;
  private readonly random: RandomIndex | undefined;
  private readonly issuers: StatusListIssuers;
  /** The sequence number of the list each issuer and purpose allocates from (key `<scope> <purpose>`), found lazily in the store. */
  private readonly current = new Map<string, Promise<number>>();
  /**
   * Indexes reserved in the store under `holder` and not yet handed out, per list. They were drawn
   * uniformly at random and are handed out in draw order, so a list's indexes are still assigned
   * in random order, never sequentially (the Bitstring Status List privacy rule above).
   */
  private readonly blocks = new Map<string, { free: number[]; refill: Promise<void> | undefined }>();
  /** Who holds this allocator's blocks in the store: unique per process, so a replica only ever hands out its own. */
  private readonly holder = `urn:gx-trust:reserved:${randomUUID()}`;
  /** Blocks only on full-size lists with crypto draws: small lists and injected draws (tests) reserve one index at a time. */
  private readonly useBlocks: boolean;

  constructor(options: StatusListAllocatorOptions) {
    this.store = options.store;
    this.issuers = options.issuers;
    this.baseUrl = options.baseUrl;
    this.listSize = options.listSize ?? MIN_STATUS_LIST_SIZE;
    this.random = options.random;
    this.useBlocks = this.random === undefined && this.listSize >= MIN_STATUS_LIST_SIZE;
    if (!Number.isSafeInteger(this.listSize) || this.listSize < 8 || this.listSize % 8 !== 0) {
      throw new RangeError(`status list size ${this.listSize} must be a positive multiple of 8`);
    }
  }

  listUrl(listId: string): string {
    return statusListUrl(this.baseUrl, listId);
  }

  /**
   * Reserves a fresh index for `credentialId` in the current list of `slot` (a purpose, or a
   * purpose and width: a list holds entries of one width) of the credential's issuer (undefined:
   * the service's did:web); refuses (400 at `pointer`) an issuer whose lists gx-trust cannot sign.
   * The store draws at random and gives up after a bounded number of collisions, which with
   * uniform draws happens only once a list is mostly full (at 90 % used, 64 draws all collide with
   * p = 0.9^64 ≈ 0.1 %); then this replica, and any other that sees the same, moves on to the next
   * list. Lists are numbered, so replicas agree on "the next one" without talking to each other.
   */
  async allocate(
    credentialId: string,
    slot: StatusListPurpose | StatusSlot = 'revocation',
    issuer?: string,
    pointer = '/options/credentialStatus',
  ): Promise<PurposeAllocation> {
    const wanted: StatusSlot = typeof slot === 'string' ? { purpose: slot, statusSize: 1 } : slot;
    const { purpose, statusSize } = wanted;
    if (!Number.isSafeInteger(statusSize) || statusSize < 1 || statusSize > MAX_ALLOCATED_STATUS_SIZE) {
      throw new RangeError(`statusSize ${statusSize} is not between 1 and ${MAX_ALLOCATED_STATUS_SIZE}`);
    }
    const owner = await this.issuers.forCredential(issuer, pointer);
    for (let attempt = 0; attempt < 4; attempt++) {
      const sequence = await this.currentSequence(owner, wanted);
      const listId = statusListId(purpose, sequence, owner.scope, statusSize);
      try {
        if (this.useBlocks) return { ...wanted, listId, index: await this.fromBlock(listId), credentialId, reservedAs: this.holder };
        const index = await this.store.reserveStatusIndex({
          listId,
          credentialId,
          ...(this.random === undefined ? {} : { random: this.random }),
        });
        return { ...wanted, listId, index, credentialId };
      } catch (error) {
        if (!isGxTrustError(error) || error.code !== 'INTERNAL' || isStoreUnavailable(error)) throw error;
        await this.advance(owner, wanted, sequence);
      }
    }
    throw new Error(`no status list of purpose ${purpose} (${statusSize} bit) of ${owner.did} had a free index after moving on four times`);
  }

  /**
   * The entry a credential carries; a wider one names its width and the messages the issuer
   * committed to (statusSize, statusMessage, statusReference), which a one-bit entry leaves out
   * unless it was given them.
   */
  statusEntry(allocation: Pick<StatusAllocation, 'listId' | 'index'> & Partial<StatusSlot>, purpose: StatusListPurpose): BitstringStatusListEntry {
    const url = this.listUrl(allocation.listId);
    const size = allocation.statusSize ?? 1;
    return {
      id: `${url}#${allocation.index}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: purpose,
      statusListIndex: String(allocation.index),
      statusListCredential: url,
      ...(size === 1 ? {} : { statusSize: size }),
      ...(allocation.statusMessage === undefined ? {} : { statusMessage: allocation.statusMessage.map((m) => ({ ...m })) }),
      ...(allocation.statusReference === undefined ? {} : { statusReference: allocation.statusReference }),
    };
  }

  /** The next index of the list's block; concurrent callers share one refill when it runs out. */
  private async fromBlock(listId: string): Promise<number> {
    let block = this.blocks.get(listId);
    if (block === undefined) {
      block = { free: [], refill: undefined };
      this.blocks.set(listId, block);
    }
    for (;;) {
      const index = block.free.shift();
      if (index !== undefined) return index;
      const current = block;
      current.refill ??= this.store
        .reserveStatusIndexes({ listId, holder: this.holder, count: STATUS_INDEX_BLOCK })
        .then((indexes) => void current.free.push(...indexes))
        .finally(() => (current.refill = undefined));
      await current.refill;
    }
  }

  private currentSequence(owner: StatusListIssuer, slot: StatusSlot): Promise<number> {
    const key = `${owner.scope} ${slot.purpose} ${slot.statusSize}`;
    let found = this.current.get(key);
    if (found === undefined) {
      found = this.findLatest(owner, slot);
      this.current.set(key, found);
      // A failed lookup (store down) must not stick: the next call looks again.
      found.catch(() => this.current.delete(key));
    }
    return found;
  }

  /** The highest existing list of the issuer, purpose and width (another replica may have moved on), created if none. */
  private async findLatest(owner: StatusListIssuer, slot: StatusSlot): Promise<number> {
    let sequence = 0;
    while ((await this.store.getStatusList(statusListId(slot.purpose, sequence + 1, owner.scope, slot.statusSize))) !== undefined) sequence++;
    await this.ensure(owner, slot, sequence);
    return sequence;
  }

  /**
   * Creates the list unless it exists, and checks that an existing one is this issuer's and of
   * this width. Its `size` entries are as many at every width ("the length of the bitstring divided
   * by statusSize" is what the verifier compares with the minimum), so a wide list is that many
   * times longer.
   */
  private async ensure(owner: StatusListIssuer, slot: StatusSlot, sequence: number): Promise<void> {
    const id = statusListId(slot.purpose, sequence, owner.scope, slot.statusSize);
    const list = await this.store.ensureStatusList({ id, purpose: slot.purpose, size: this.listSize, statusSize: slot.statusSize, issuer: owner.stored });
    if (list.issuer !== owner.stored) {
      // An index here would be published under another DID's signature.
      throw new GxTrustError('INTERNAL', `status list ${id} belongs to ${list.issuer ?? 'the service'}, not to ${owner.did}`);
    }
    if (list.statusSize !== slot.statusSize) {
      // The credential would read bits of its neighbour's entry.
      throw new GxTrustError('INTERNAL', `status list ${id} holds ${list.statusSize}-bit entries, not ${slot.statusSize}-bit ones`);
    }
  }

  private async advance(owner: StatusListIssuer, slot: StatusSlot, full: number): Promise<void> {
    const key = `${owner.scope} ${slot.purpose} ${slot.statusSize}`;
    const next = (async () => {
      const current = await this.currentSequence(owner, slot);
      if (current !== full) return current; // a concurrent call already moved on
      await this.ensure(owner, slot, full + 1);
      return full + 1;
    })();
    this.current.set(key, next);
    next.catch(() => this.current.delete(key));
    await next;
  }
}
