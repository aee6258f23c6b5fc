/**
 * Member DIDs this service hosts (`<service did>:members:<slug>`) are resolved from the store, never
 * over HTTP and never from the DID cache. Served by this very service, the document changes only
 * through the store (a rotation, a retired key reaching its `expires`), and the store is what every
 * replica shares: with a 5-minute DID cache, a key removed after a compromise went on verifying
 * for up to 5 minutes here, and on each other replica for as long as it had it cached.
 *
 * Each resolution asks the store for the member's keys version (Store.memberKeysVersion: one
 * aggregate over the member's index entries, 1.4 µs on SQLite against 27 µs to read 12 key records),
 * and reads that began before the caller asked are never reused: a verification that starts after
 * a rotation committed sees it, on whichever replica. Concurrent resolutions of one member share
 * reads (at most one in flight and one queued per member). The key records are read again only when
 * the version moved, and the document object stays the same until then (or until a retired key
 * reaches its `expires`), so what the resolver works out per document (the key binding) stays cached.
 */
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { DidDocument } from '../dids/types.js';
import { GxTrustError } from '../errors.js';
import { deepFreeze } from '../freeze.js';
import type { MemberKeyRecord, MemberRecord } from '../storage/store.js';
import type { MemberRepository } from '../storage/repositories.js';
import { SLUG_PATTERN, type MemberRegistry } from './registry.js';

export interface HostedDids {
  /** Whether `did` names a member of this service, whatever the case of its letters. */
  hosts(did: string): boolean;
  /** The member's DID document as the store has it now. DID_NOT_FOUND for no such member. */
  resolve(did: string): Promise<DidDocument>;
}

export interface HostedDidsDependencies {
  store: Pick<MemberRepository, 'getMemberBySlug' | 'memberKeys' | 'memberKeysVersion'>;
  registry: Pick<MemberRegistry, 'memberDid' | 'documentOf'>;
  clock: Clock;
  /** Members kept (their record, last document and read queue). Default 1000. */
  max?: number;
}

/**
 * Reads that start after the call: a caller joins a read only if it had not begun yet. While one is
 * in flight, later callers share the one queued behind it.
 */
class FreshReads<T> {
  private inFlight: Promise<T> | undefined;
  private queued: Promise<T> | undefined;

  constructor(private readonly read: () => Promise<T>) {}

  next(): Promise<T> {
    if (this.inFlight === undefined) return this.start();
    this.queued ??= this.inFlight.then(
      () => this.startQueued(),
      () => this.startQueued(),
    );
    return this.queued;
  }

  private startQueued(): Promise<T> {
    this.queued = undefined;
    return this.start();
  }

  private start(): Promise<T> {
    const started = this.read().finally(() => {
      if (this.inFlight === started) this.inFlight = undefined;
    });
    this.inFlight = started;
    return started;
  }
}

interface HostedMember {
  /** Members are never deleted and their DID never changes: the record is read once. */
  member: MemberRecord;
  versions: FreshReads<string>;
  /** The key records of one version, read once for every resolution that saw that version. */
  records?: { version: string; keys: Promise<MemberKeyRecord[]> } | undefined;
  /** The last document handed out: its version, and the instant a retired key of it expires. */
  document?: { version: string; value: DidDocument; until: number };
}

export function createHostedDids(deps: HostedDidsDependencies): HostedDids {
  const prefix = deps.registry.memberDid('');
  const lowerPrefix = prefix.toLowerCase();
  const members = new LRUCache<string, HostedMember>({ max: deps.max ?? 1000 });

  async function hostedMember(did: string): Promise<HostedMember> {
    // The canonical spelling: a member DID written with other letter cases gets the document of the
    // member it names, whose `id` then differs from it, and so binds no key.
    const slug = did.slice(prefix.length).toLowerCase();
    let hosted = members.get(slug);
    if (hosted !== undefined) return hosted;
    const member = SLUG_PATTERN.test(slug) ? await deps.store.getMemberBySlug(slug) : undefined;
    if (member === undefined) {
      throw new GxTrustError('DID_NOT_FOUND', `${did} is not a member of this service`, {
        hint: 'Member DIDs are listed by GET /members',
      });
    }
    hosted = members.get(slug) ?? { member, versions: new FreshReads(() => deps.store.memberKeysVersion(member.id)) };
    members.set(slug, hosted);
    return hosted;
  }

  function keysOf(hosted: HostedMember, version: string): Promise<MemberKeyRecord[]> {
    if (hosted.records?.version !== version) {
      const records = { version, keys: deps.store.memberKeys(hosted.member.id) };
      records.keys.catch(() => {
        if (hosted.records === records) hosted.records = undefined;
      });
      hosted.records = records;
    }
    return hosted.records.keys;
  }

  return {
    hosts: (did) => did.toLowerCase().startsWith(lowerPrefix),

    async resolve(did) {
      const hosted = await hostedMember(did);
      const version = await hosted.versions.next();
      const now = deps.clock();
      const kept = hosted.document;
      if (kept !== undefined && kept.version === version && now.getTime() < kept.until) return kept.value;
      const keys = await keysOf(hosted, version);
      // Shared with every caller, as the DID cache's documents are: frozen.
      const document = deepFreeze(deps.registry.documentOf(hosted.member, keys, now.toISOString()));
      hosted.document = { version, value: document, until: expiryOf(document) };
      return document;
    },
  };
}

/** The first instant a method of the document expires (and so leaves it). */
function expiryOf(document: DidDocument): number {
  let until = Number.POSITIVE_INFINITY;
  for (const method of document.verificationMethod ?? []) {
    const at = typeof method.expires === 'string' ? Date.parse(method.expires) : Number.NaN;
    if (!Number.isNaN(at) && at < until) until = at;
  }
  return until;
}
