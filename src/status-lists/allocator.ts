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

export interface PurposeAllocation extends StatusAllocation {
  purpose: StatusListPurpose;
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
 * service's did:web, `<scope>.<purpose>-<n>` for another issuer (issuers.ts).
 */
export function statusListId(purpose: StatusListPurpose, sequence: number, scope = ''): string {
  return scope === '' ? `${purpose}-${sequence}` : `${scope}.${purpose}-${sequence}`;
}

/**
 * A member slug (a DNS label) or a did:key's base58btc multibase key: neither holds a dot. The key
 * is 47-49 characters after the `z` for Ed25519 and P-256, 69-70 for P-384 (51 bytes), 95 for
 * P-521 (69 bytes).
 */
const LIST_ID = /^(?:((?:member\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)|(?:key\.z[1-9A-HJ-NP-Za-km-z]{40,96}))\.)?(revocation|suspension)-(0|[1-9]\d{0,8})$/;

/** Parses a list id from a URL path segment, or undefined for anything that is not one of ours. */
export function parseStatusListId(id: string): { scope: string; purpose: StatusListPurpose; sequence: number } | undefined {
  const match = LIST_ID.exec(id);
  if (match === null) return undefined;
  return { scope: match[1] ?? '', purpose: match[2] as StatusListPurpose, sequence: Number(match[3]) };
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
   * Reserves a fresh index for `credentialId` in the current list of `purpose` of the credential's
   * issuer (undefined: the service's did:web); refuses (400 at `pointer`) an issuer whose lists
   * gx-trust cannot sign. The store draws at random and gives up after a bounded number of
   * collisions, which with uniform draws happens only once a list is mostly full (at 90 % used,
   * 64 draws all collide with p = 0.9^64 ≈ 0.1 %); then this replica, and any other that sees the
   * same, moves on to the next list. Lists are numbered, so replicas agree on "the next one"
   * without talking to each other.
   */
  async allocate(
    credentialId: string,
    purpose: StatusListPurpose = 'revocation',
    issuer?: string,
    pointer = '/options/credentialStatus',
  ): Promise<PurposeAllocation> {
    const owner = await this.issuers.forCredential(issuer, pointer);
    for (let attempt = 0; attempt < 4; attempt++) {
      const sequence = await this.currentSequence(owner, purpose);
      const listId = statusListId(purpose, sequence, owner.scope);
      try {
        if (this.useBlocks) return { listId, index: await this.fromBlock(listId), credentialId, purpose, reservedAs: this.holder };
        const index = await this.store.reserveStatusIndex({
          listId,
          credentialId,
          ...(this.random === undefined ? {} : { random: this.random }),
        });
        return { listId, index, credentialId, purpose };
      } catch (error) {
        if (!isGxTrustError(error) || error.code !== 'INTERNAL' || isStoreUnavailable(error)) throw error;
        await this.advance(owner, purpose, sequence);
      }
    }
    throw new Error(`no status list of purpose ${purpose} of ${owner.did} had a free index after moving on four times`);
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

  private currentSequence(owner: StatusListIssuer, purpose: StatusListPurpose): Promise<number> {
    const key = `${owner.scope} ${purpose}`;
    let found = this.current.get(key);
    if (found === undefined) {
      found = this.findLatest(owner, purpose);
      this.current.set(key, found);
      // A failed lookup (store down) must not stick: the next call looks again.
      found.catch(() => this.current.delete(key));
    }
    return found;
  }

  /** The highest existing list of the issuer and purpose (another replica may have moved on), created if none. */
  private async findLatest(owner: StatusListIssuer, purpose: StatusListPurpose): Promise<number> {
    let sequence = 0;
    while ((await this.store.getStatusList(statusListId(purpose, sequence + 1, owner.scope))) !== undefined) sequence++;
    await this.ensure(owner, purpose, sequence);
    return sequence;
  }

  /** Creates the list unless it exists, and checks that an existing one is this issuer's. */
  private async ensure(owner: StatusListIssuer, purpose: StatusListPurpose, sequence: number): Promise<void> {
    const id = statusListId(purpose, sequence, owner.scope);
    const list = await this.store.ensureStatusList({ id, purpose, size: this.listSize, issuer: owner.stored });
    if (list.issuer !== owner.stored) {
      // An index here would be published under another DID's signature.
      throw new GxTrustError('INTERNAL', `status list ${id} belongs to ${list.issuer ?? 'the service'}, not to ${owner.did}`);
    }
  }

  private async advance(owner: StatusListIssuer, purpose: StatusListPurpose, full: number): Promise<void> {
    const key = `${owner.scope} ${purpose}`;
    const next = (async () => {
      const current = await this.currentSequence(owner, purpose);
      if (current !== full) return current; // a concurrent call already moved on
      await this.ensure(owner, purpose, full + 1);
      return full + 1;
    })();
    this.current.set(key, next);
    next.catch(() => this.current.delete(key));
    await next;
  }
}
