/**
 * The verification result cache: the part of a credential's report that depends only on the exact
 * input bytes and on slowly changing outside state (the proof, the key binding, the X.509 chain of
 * the signing key) is kept by the sha256 of the input, so a connector that verifies the same
 * credential again does not pay for JSON-LD canonicalization or a signature check again.
 *
 * What is never cached, and so recomputed on every call:
 * - the validity period, against the `now` of the call (an expired credential is reported expired
 *   even when its proof was cached while it was valid);
 * - the status check (revocation, suspension): it runs every time, behind the status lists' own
 *   cache, so a revocation shows as soon as that cache lets it;
 * - any result in which a check failed for a reason that may go away (a DID or chain fetch that
 *   failed or timed out, a status list that could not be read, an internal fault);
 * - a pass past the `expires` of one of its Data Integrity proofs (the entry ends there).
 *
 * A hit whose key binding passed names the verification methods it bound: the verifier binds them
 * again (a DID cache hit, or for the members this service hosts a read of the store) before using
 * it, so a key rotated out, removed or past its `expires` fails at once, not when the entry expires.
 *
 * Bounds: an LRU over entries and over input bytes (refusals in one of their own, a tenth the
 * size), and a TTL no longer than the DID cache's. A call that asks about another instant (`options.now` far from the
 * clock) bypasses the cache: the cached key binding and X.509 results were computed for the present.
 *
 * Entries are frozen and handed out as they are, never copied: a hit is the connectors' hot path,
 * and a structuredClone of each hit (document, checks, signing key with its X.509 chain) was 12 %
 * of the event loop under the cached verification mix. What a hit does not need is not kept: the
 * signing key (its X.509 check is kept instead), and a document that is the input itself (Data
 * Integrity), which the caller hands in again.
 */
import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock } from '../clock.js';
import { deepFreeze } from '../freeze.js';
import type { ErrorCode } from '../errors.js';
import type { Check } from './report.js';
import type { FormatResult } from './types.js';

export interface ResultCacheOptions {
  /** Most entries kept. Default 10,000. */
  max?: number;
  /** Most input bytes kept over all entries. Default 64 MiB. */
  maxBytes?: number;
  /** How long an entry is served. Default 60 s; keep it at or below the DID cache TTL (5 min). */
  ttlMs?: number;
  clock?: Clock;
  /** Told of every lookup, for the hit ratio on /metrics (as the DID cache's onLookup). */
  onLookup?: (hit: boolean) => void;
}

/** What a hit gives: the format module's result (without its signing key) and the X.509 check of that key. */
export interface CachedVerification {
  result: Readonly<Omit<FormatResult, 'verificationMethod'>>;
  /** The 'x509' check, or undefined when the signing key carries no chain. */
  chainCheck: Readonly<Check> | undefined;
  /** The methods the result bound to `controller` (assertionMethod), to be bound again before the hit is used; none when the binding failed. */
  bindings: { controller: string; methods: readonly string[] } | undefined;
}

/** The key of one input: its digest, and its size, which the byte bound counts. */
export interface ResultCacheKey {
  digest: string;
  bytes: number;
}

export interface ResultCache {
  /** The cache key of `input` for a call at `now`, or undefined when this call must not use the cache. */
  keyOf(input: unknown, now: Date): ResultCacheKey | undefined;
  /**
   * The cached entry of `input` (the same input `key` was made of), frozen: the document, checks
   * and warnings are shared by every hit and must not be changed.
   */
  get(key: ResultCacheKey, input: unknown): CachedVerification | undefined;
  /** Keeps the entry unless one of its checks failed for a reason that may go away. */
  set(key: ResultCacheKey, input: unknown, entry: { result: FormatResult; chainCheck: Check | undefined }): void;
  readonly size: number;
  readonly stats: { hits: number; misses: number };
  clear(): void;
}

/**
 * Failures that the same input will always produce again (within the TTL): these may be cached,
 * so a flood of one bad credential costs one verification per TTL. Every other code (DID or chain
 * fetch failures and timeouts, status retrieval, store, internal faults) keeps the result out.
 */
const DETERMINISTIC_FAILURES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_INPUT',
  'INVALID_DATE',
  'UNSUPPORTED_FORMAT',
  'CONTEXT_NOT_ALLOWED',
  'FORBIDDEN_KEY',
  'SAFE_MODE_VIOLATION',
  'INVALID_DID',
  'UNSUPPORTED_DID_METHOD',
  'CANONICALIZATION_LIMIT',
  'INVALID_SIGNATURE',
  'ALG_NOT_ALLOWED',
  'KEY_BINDING',
  'KEY_NOT_FOUND',
  'PROOF_MISSING',
  'BASE_PROOF_PRESENTED',
  'TOKEN_TYPE',
]);

export function isCacheable(entry: { result: Pick<FormatResult, 'checks'>; chainCheck: Check | undefined }): boolean {
  const checks = entry.chainCheck === undefined ? entry.result.checks : [...entry.result.checks, entry.chainCheck];
  const failures = checks.filter((c) => !c.verified);
  // "not run" is cacheable only as the consequence of a deterministic failure beside it.
  const decisive = failures.filter((c) => c.code !== 'CHECK_NOT_RUN');
  if (failures.length > 0 && decisive.length === 0) return false;
  return decisive.every((c) => c.code !== undefined && DETERMINISTIC_FAILURES.has(c.code));
}

/** The methods a result bound, when every key-binding check of it passed. */
function bindingsOf(result: FormatResult, method: FormatResult['verificationMethod']): Kept['bindings'] {
  const bindingChecks = result.checks.filter((c) => c.check === 'key-binding');
  if (result.issuer === undefined || method === undefined || bindingChecks.length === 0 || !bindingChecks.every((c) => c.verified)) return undefined;
  return deepFreeze({ controller: result.issuer, methods: [...(result.verificationMethods ?? [method.id])] });
}

/**
 * The key of an input: the sha256 of a compact JWT as sent ("s" before it), or of an object's JSON
 * serialization ("j" before it), so that no string and object share a key. The tag and the text go
 * to the hash apart: concatenated, a long input was first copied into one flat string.
 */
function keyOfInput(input: unknown): ResultCacheKey | undefined {
  let text: string;
  try {
    // String(): what the template literal before made of an input JSON cannot write (undefined).
    text = typeof input === 'string' ? input : String(JSON.stringify(input));
  } catch {
    return undefined; // cycles or BigInt: not JSON, nothing to key on
  }
  return { digest: createHash('sha256').update(typeof input === 'string' ? 's' : 'j').update(text).digest('base64url'), bytes: text.length + 1 };
}

/** A date-time written without an offset, which VC Data Integrity reads as UTC (as the proof check does). */
const WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;

/**
 * When the first of an input's Data Integrity proofs expires. A hit skips the proof check, which
 * refuses a proof past its `expires`: a pass is served no longer than its proofs hold (without the
 * clock-skew tolerance the check grants, so a miss then verifies afresh, never the other way round).
 */
function proofsExpireAt(input: unknown): number | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const proof = (input as { proof?: unknown }).proof;
  let earliest: number | undefined;
  for (const one of Array.isArray(proof) ? proof : [proof]) {
    const expires = (one as { expires?: unknown } | null | undefined)?.expires;
    if (typeof expires !== 'string') continue;
    const at = Date.parse(WITHOUT_OFFSET.test(expires) ? `${expires}Z` : expires);
    // An unreadable date failed the proof check, and a failed proof is no pass to keep.
    earliest = Number.isNaN(at) ? -Infinity : Math.min(earliest ?? Infinity, at);
  }
  return earliest;
}

/** The document of a kept entry: the input itself, or a frozen copy of what the format decoded. */
type KeptDocument = { is: 'input' } | { is: 'copy'; document: Readonly<Record<string, unknown>> } | undefined;

interface Kept {
  result: Omit<FormatResult, 'verificationMethod' | 'document'>;
  document: KeptDocument;
  chainCheck: Check | undefined;
  bindings: CachedVerification['bindings'];
  passed: boolean;
  expiresAt: number;
  bytes: number;
}

export function createResultCache(options: ResultCacheOptions = {}): ResultCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const max = options.max ?? 10_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  // Expiry on the injected clock (lru-cache's own ttl reads performance.now()).
  const lru = (entries: number, bytes: number) =>
    new LRUCache<string, Kept>({ max: entries, maxSize: bytes, sizeCalculation: (value) => Math.max(1, value.bytes) });
  // Refused inputs are kept apart, in a tenth of the room: a flood of distinct bad inputs (each
  // poison graph differs) then evicts only other refusals, never the results of good credentials.
  const verified = lru(max, maxBytes);
  const refused = lru(Math.max(1, Math.floor(max / 10)), Math.max(1, Math.floor(maxBytes / 10)));
  const stats = { hits: 0, misses: 0 };
  const lookup = (digest: string): Kept | undefined => verified.get(digest) ?? refused.get(digest);
  return {
    keyOf(input, now) {
      if (Math.abs(now.getTime() - clock().getTime()) > ttlMs) return undefined;
      return keyOfInput(input);
    },
    get(key, input) {
      const kept = lookup(key.digest);
      if (kept === undefined || clock().getTime() >= kept.expiresAt) {
        if (kept !== undefined) (kept.passed ? verified : refused).delete(key.digest);
        stats.misses += 1;
        options.onLookup?.(false);
        return undefined;
      }
      stats.hits += 1;
      options.onLookup?.(true);
      const document = kept.document === undefined ? undefined : kept.document.is === 'input' ? (input as Record<string, unknown>) : kept.document.document;
      return { result: document === undefined ? kept.result : { ...kept.result, document }, chainCheck: kept.chainCheck, bindings: kept.bindings };
    },
    set(key, input, { result, chainCheck }) {
      if (!isCacheable({ result, chainCheck })) return;
      const { verificationMethod: method, document, ...rest } = result;
      const keptDocument: KeptDocument = document === undefined ? undefined : document === input ? { is: 'input' } : { is: 'copy', document: deepFreeze(structuredClone(document)) };
      const passed = result.checks.every((c) => c.verified) && chainCheck?.verified !== false;
      const kept: Kept = {
        result: deepFreeze(structuredClone(rest)),
        document: keptDocument,
        chainCheck: chainCheck === undefined ? undefined : deepFreeze({ ...chainCheck }),
        bindings: bindingsOf(result, method),
        passed,
        expiresAt: Math.min(clock().getTime() + ttlMs, passed ? (proofsExpireAt(input) ?? Infinity) : Infinity),
        bytes: key.bytes,
      };
      // A result replacing one of the other kind (a kept pass whose key is no longer bound) takes its place.
      (passed ? refused : verified).delete(key.digest);
      (passed ? verified : refused).set(key.digest, kept);
    },
    get size() {
      return verified.size + refused.size;
    },
    stats,
    clear() {
      verified.clear();
      refused.clear();
    },
  };
}
