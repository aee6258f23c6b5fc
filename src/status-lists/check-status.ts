/**
 * The 'status' check of a credential that carries `credentialStatus`: fetch the status list
 * credential, verify it, and read the credential's bit. It fails closed: a list that cannot be
 * fetched, verified or decoded is a failed check, never "not revoked" (the status-list SSRF,
 * gzip-bomb, bad-index and substituted-list cases).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm
 */
import type { Clock } from '../clock.js';
import { isObject, issuerId, type JsonObject } from '../credentials/index.js';
import { hardenedFetch, type HardenedFetchInit } from '../dids/hardened-fetch.js';
import { GxTrustError, isGxTrustError, type ErrorCode } from '../errors.js';
import { getStatusValue } from './bitstring.js';
import { failed, passed, type Check, type StatusEntryResult } from '../verifying/report.js';
import { isDeadlinePassed, withinDeadline, type Deadline } from '../verifying/deadline.js';
import type { CredentialStatusCheck, StatusCheckContext } from '../verifying/index.js';
import { MIN_STATUS_LIST_SIZE } from './allocator.js';
import { decodeStatusList, MAX_INFLATED_LIST_BYTES } from './credential.js';

/**
 * Every code this check reports, in one place (the W3C Bitstring Status List error names).
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#processing-errors
 */
export const STATUS_ERROR_CODES = {
  retrieval: 'STATUS_RETRIEVAL_ERROR',
  verification: 'STATUS_VERIFICATION_ERROR',
  length: 'STATUS_LIST_LENGTH_ERROR',
  range: 'RANGE_ERROR',
  revoked: 'CREDENTIAL_REVOKED',
  suspended: 'CREDENTIAL_SUSPENDED',
  unsupported: 'CHECK_NOT_RUN',
} as const satisfies Record<string, ErrorCode>;

/** Compressed list credentials larger than this are not downloaded (the huge-response and gzip-bomb cases). */
export const MAX_STATUS_LIST_RESPONSE_BYTES = 256 * 1024;
/** However long a list says it may be cached, a verifier looks again after this. */
export const MAX_STATUS_LIST_CACHE_MS = 5 * 60 * 1000;
const DEFAULT_CACHE_ENTRIES = 1000;
/**
 * Lists may inflate to 2 MiB each, so the entry count alone would let 1000 large lists hold 2 GiB;
 * the cache also stops at this many bitstring bytes (the status-list cache-busting case: 10k unique URLs cannot grow memory).
 */
const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

/**
 * "statusListIndex: ... an arbitrary size integer greater than or equal to 0, expressed as a
 * string in base 10". Anything else ("-1", "12abc", "1e3", " 7") is refused: `parseInt` would
 * read "12abc" as 12 and check someone else's bit.
 */
const STATUS_LIST_INDEX = /^(0|[1-9]\d{0,15})$/;

const ENTRY_TYPES = {
  BitstringStatusListEntry: 'BitstringStatusListCredential',
  StatusList2021Entry: 'StatusList2021Credential',
} as const;

/** The verifier that asks, verifying a list credential (StatusCheckContext). */
type VerifyListCredential = StatusCheckContext['verifyListCredential'];

/** A signed list as the service itself holds it: a JSON-LD credential or a compact JWT. */
export type SignedListDocument = JsonObject | string;

export interface StatusCheckOptions {
  /** Allows http and loopback/private list URLs (tests and local development only). */
  testMode: boolean;
  /** The service's own lists, read without HTTP and never cached (a revocation shows at once). */
  resolveLocally?: (url: string) => Promise<SignedListDocument | undefined>;
  clock: Clock;
  /** Upper bound on caching a fetched list, whatever its ttl says. */
  maxCacheMs?: number;
  maxCacheEntries?: number;
  maxCacheBytes?: number;
  /** Fetch overrides for tests (a DNS resolver); limits and codes are fixed here. */
  fetch?: Pick<HardenedFetchInit, 'lookup'>;
}

/** A fetched list that passed every check that does not depend on the credential. */
interface VerifiedList {
  url: string;
  issuer: string;
  purposes: string[];
  credentialType: string;
  bits: Uint8Array;
  expiresAt: number;
}

/**
 * statusSize is "an integer greater than zero" with no upper bound, but an entry wider than one
 * bit needs a statusMessage for each of its 2^statusSize values; past 16 bits (65,536 messages)
 * no credential gx-trust accepts could hold them, so such an entry is not read (fail closed).
 */
export const MAX_STATUS_SIZE = 16;

/** A statusMessage entry: "`status`, a string representing the hexadecimal value of the status prefixed with `0x`". */
const STATUS_VALUE = /^0x[0-9a-fA-F]{1,4}$/;

interface EntryLayout {
  statusSize: number;
  /** The entry's statusMessage, each status read as a number; undefined when the entry has none. */
  messages: { value: number; message: string }[] | undefined;
}

/**
 * statusSize and statusMessage of an entry, or the failed check that says why they cannot be
 * read. "If statusSize is not present ... MUST be processed as 1 ... If statusSize is provided and
 * is greater than 1, then the property credentialStatus.statusMessage MUST be present, and the
 * number of status messages MUST equal the number of possible values." A malformed entry is the
 * specification's MALFORMED_VALUE_ERROR; gx-trust's report calls it STATUS_VERIFICATION_ERROR
 * ("Validation of the status entry failed").
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistentry
 */
function entryLayout(entry: JsonObject, pointer: string): EntryLayout | Check {
  const size = entry['statusSize'] ?? 1;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    return failed('status', STATUS_ERROR_CODES.verification, `statusSize ${JSON.stringify(size)} is not an integer greater than zero`, `${pointer}/statusSize`);
  }
  if (size > MAX_STATUS_SIZE) {
    return failed('status', STATUS_ERROR_CODES.unsupported, `statusSize ${size} is wider than the ${MAX_STATUS_SIZE} bits gx-trust reads`, `${pointer}/statusSize`);
  }
  const raw = entry['statusMessage'];
  if (raw === undefined) {
    return size === 1
      ? { statusSize: size, messages: undefined }
      : failed('status', STATUS_ERROR_CODES.verification, `statusSize ${size} needs statusMessage, one message for each of its ${2 ** size} values`, `${pointer}/statusMessage`);
  }
  if (!Array.isArray(raw) || raw.length !== 2 ** size) {
    return failed('status', STATUS_ERROR_CODES.verification, `statusMessage must be an array of ${2 ** size} messages, one for each value of statusSize ${size}`, `${pointer}/statusMessage`);
  }
  const messages: { value: number; message: string }[] = [];
  for (const [i, item] of raw.entries()) {
    if (!isObject(item) || typeof item['status'] !== 'string' || !STATUS_VALUE.test(item['status']) || typeof item['message'] !== 'string') {
      return failed('status', STATUS_ERROR_CODES.verification, 'each statusMessage is an object with a status (hexadecimal prefixed with 0x, "0x2") and a message', `${pointer}/statusMessage/${i}`);
    }
    messages.push({ value: Number.parseInt(item['status'].slice(2), 16), message: item['message'] });
  }
  return { statusSize: size, messages };
}

/**
 * The entry's value: the statusSize bits from statusListIndex x statusSize, the first the most
 * significant ("the first index ... is located at the left-most bit in the bitstring").
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
 */
export function readStatus(bits: Uint8Array, index: number, statusSize: number): number {
  return getStatusValue(bits, index, statusSize);
}

/** What the value of each purpose gx-trust evaluates means for the credential; any other purpose is CHECK_NOT_RUN (fail closed). */
const PURPOSES = {
  // "Used to cancel the validity of a verifiable credential": any value but 0 revokes, whatever its message.
  revocation: (r: StatusEntryResult, messages: boolean) =>
    r.valid ? passed('status', messages ? `not revoked (${r.status}: ${r.message})` : 'not revoked') : failed('status', STATUS_ERROR_CODES.revoked, messages ? `the credential is revoked (${r.status}: ${r.message})` : 'the credential is revoked', r.pointer),
  // "Used to temporarily prevent the acceptance of a verifiable credential."
  suspension: (r: StatusEntryResult, messages: boolean) =>
    r.valid ? passed('status', messages ? `not suspended (${r.status}: ${r.message})` : 'not suspended') : failed('status', STATUS_ERROR_CODES.suspended, messages ? `the credential is suspended (${r.status}: ${r.message})` : 'the credential is suspended', r.pointer),
  // "Used to convey an arbitrary message related to the status of the verifiable credential", and
  // "Rules for how to handle various status messages are outside the scope of normative
  // requirements": the message is reported (with the algorithm's `valid`), a verifier's own rules
  // decide on it; the check passes.
  message: (r: StatusEntryResult) => passed('status', `message ${r.status}: ${r.message}`),
  // "Used to signal that an updated verifiable credential is available via the credential's refresh
  // service feature. This status does not invalidate the verifiable credential."
  refresh: (r: StatusEntryResult) => passed('status', r.valid ? `no refresh (${r.status}: ${r.message})` : `refresh available (${r.status}: ${r.message}): an updated credential can be had from its refreshService`),
} as const satisfies Record<string, (result: StatusEntryResult, messages: boolean) => Check>;

function fail(code: ErrorCode, message: string): never {
  throw new GxTrustError(code, message);
}

export function createStatusCheck(options: StatusCheckOptions): CredentialStatusCheck {
  const maxCacheMs = options.maxCacheMs ?? MAX_STATUS_LIST_CACHE_MS;
  const maxEntries = options.maxCacheEntries ?? DEFAULT_CACHE_ENTRIES;
  /** URL -> the list or its pending fetch; Map order is recency, so the first key is evicted. */
  const cache = new Map<string, Promise<VerifiedList>>();
  const maxBytes = options.maxCacheBytes ?? DEFAULT_CACHE_BYTES;
  /** Bitstring bytes of each settled entry, to keep the whole cache under maxBytes. */
  const sizes = new Map<string, number>();
  let cachedBytes = 0;

  function forget(url: string): void {
    cache.delete(url);
    cachedBytes -= sizes.get(url) ?? 0;
    sizes.delete(url);
  }

  function evict(): void {
    while (cache.size > maxEntries || cachedBytes > maxBytes) {
      const oldest = cache.keys().next().value;
      if (oldest === undefined) break;
      forget(oldest);
    }
  }

  async function download(url: string): Promise<SignedListDocument> {
    const response = await hardenedFetch(url, {
      testMode: options.testMode,
      timeoutMs: 3000,
      maxBytes: MAX_STATUS_LIST_RESPONSE_BYTES,
      accept: 'application/vc+ld+json, application/vc+jwt;q=0.9, application/json;q=0.8',
      ...options.fetch,
      errorCodes: {
        forbidden: STATUS_ERROR_CODES.retrieval,
        failed: STATUS_ERROR_CODES.retrieval,
        timeout: STATUS_ERROR_CODES.retrieval,
        notFound: STATUS_ERROR_CODES.retrieval,
      },
    });
    const text = response.body.toString('utf8');
    if (/jwt/i.test(String(response.headers['content-type'] ?? ''))) return text.trim();
    try {
      const parsed: unknown = JSON.parse(text);
      if (isObject(parsed)) return parsed;
    } catch {
      // reported below
    }
    return fail(STATUS_ERROR_CODES.retrieval, `${url} did not answer with a status list credential (JSON or a compact JWT)`);
  }

  async function verifyList(url: string, signed: SignedListDocument, now: Date, deadline: Deadline | undefined, verify: VerifyListCredential): Promise<VerifiedList> {
    // The list's own credentialStatus is not followed. The Bitstring Status List validate algorithm
    // asks that "all proofs verify successfully" and nothing of the list's own status; following it
    // (even once) would cost a fetch for every list, and a list naming itself, or two lists naming
    // each other, would wait on their own pending verification. To withdraw a list, its issuer
    // publishes another at the same URL.
    // @see https://www.w3.org/TR/vc-bitstring-status-list/#validate-algorithm
    const report = await verify(signed, { followCredentialStatus: false, ...(deadline === undefined ? {} : { deadline }) });
    if (!report.verified) {
      const reasons = report.checks.filter((c) => !c.verified).map((c) => `${c.check}: ${c.message ?? c.code}`);
      fail(STATUS_ERROR_CODES.verification, `the status list credential ${url} does not verify (${reasons.join('; ')})`);
    }
    const document = report.document ?? (isObject(signed) ? signed : undefined);
    if (document === undefined) return fail(STATUS_ERROR_CODES.verification, `the status list credential ${url} has no readable content`);
    // Binding the list to its URL stops a validly signed list of another URL (an empty one, say)
    // from being served in place of this one.
    if (document['id'] !== url) {
      fail(STATUS_ERROR_CODES.verification, `the status list credential's id ${JSON.stringify(document['id'])} is not its URL ${url}`);
    }
    const types = Array.isArray(document['type']) ? document['type'] : [document['type']];
    const credentialType = Object.values(ENTRY_TYPES).find((t) => types.includes(t));
    if (credentialType === undefined) fail(STATUS_ERROR_CODES.verification, `${url} is not a BitstringStatusListCredential`);
    const subject = document['credentialSubject'];
    if (!isObject(subject)) return fail(STATUS_ERROR_CODES.verification, `${url} has no single credentialSubject`);
    const purpose = subject['statusPurpose'];
    const purposes = (Array.isArray(purpose) ? purpose : [purpose]).filter((p): p is string => typeof p === 'string');
    if (purposes.length === 0) fail(STATUS_ERROR_CODES.verification, `${url} names no statusPurpose`);
    const bits = decodeStatusList(subject['encodedList'], { maxBytes: MAX_INFLATED_LIST_BYTES, code: STATUS_ERROR_CODES.verification });
    // "If the length of the uncompressed bitstring is less than the minimum [131,072 bits],
    // a STATUS_LIST_LENGTH_ERROR MUST be raised" (a short list would identify its holders).
    if (bits.length * 8 < MIN_STATUS_LIST_SIZE) {
      fail(STATUS_ERROR_CODES.length, `${url} holds ${bits.length * 8} entries, fewer than the ${MIN_STATUS_LIST_SIZE} required`);
    }
    const ttl = typeof subject['ttl'] === 'number' && subject['ttl'] >= 0 ? subject['ttl'] : maxCacheMs;
    const issuer = report.issuer ?? issuerId(document) ?? fail(STATUS_ERROR_CODES.verification, `${url} names no issuer`);
    return { url, issuer, purposes, credentialType, bits, expiresAt: now.getTime() + Math.min(ttl, maxCacheMs) };
  }

  /**
   * The verified list at `url`, from the cache, from a fetch already in flight, or fetched now. A
   * caller waits no longer than its verification's `deadline`; and an in-flight entry leaves the
   * cache when it settles or when the deadline of the verification that started it passes, so no
   * later verification joins work that may not answer in time (the fetch itself ends by its own
   * 3 s deadline).
   */
  async function listAt(url: string, now: Date, deadline: Deadline | undefined, verify: VerifyListCredential): Promise<VerifiedList> {
    const local = await options.resolveLocally?.(url);
    if (local !== undefined) return verifyList(url, local, now, deadline, verify);

    const hit = cache.get(url);
    if (hit !== undefined) {
      const list = await withinDeadline(hit, deadline).catch((error: unknown) => {
        if (isDeadlinePassed(error, deadline)) throw error;
        return undefined;
      });
      if (list !== undefined && list.expiresAt > now.getTime()) {
        cache.delete(url);
        cache.set(url, hit);
        return list;
      }
      if (cache.get(url) === hit) forget(url);
    }
    const pending = download(url).then((signed) => verifyList(url, signed, now, deadline, verify));
    cache.set(url, pending);
    evict();
    const dropUnsettled = (): void => {
      if (cache.get(url) === pending) forget(url);
    };
    const unsubscribe = deadline?.onExpiry(dropUnsettled);
    pending.then(
      (list) => {
        unsubscribe?.();
        if (cache.get(url) !== pending) return;
        sizes.set(url, list.bits.length);
        cachedBytes += list.bits.length;
        evict();
      },
      // Only verified lists stay: a failure is retried by the next verification.
      () => {
        unsubscribe?.();
        dropUnsettled();
      },
    );
    return withinDeadline(pending, deadline);
  }

  async function checkEntry(credential: JsonObject, entry: JsonObject, pointer: string, now: Date, deadline: Deadline | undefined, verify: VerifyListCredential): Promise<Check> {
    const type = entry['type'] as keyof typeof ENTRY_TYPES;
    const index = entry['statusListIndex'];
    if (typeof index !== 'string' || !STATUS_LIST_INDEX.test(index)) {
      return failed('status', STATUS_ERROR_CODES.range, `statusListIndex ${JSON.stringify(index)} is not a base-10 integer string`, `${pointer}/statusListIndex`);
    }
    const purpose = entry['statusPurpose'];
    if (typeof purpose !== 'string' || !Object.hasOwn(PURPOSES, purpose)) {
      return failed('status', STATUS_ERROR_CODES.unsupported, `statusPurpose ${JSON.stringify(purpose)} is not one gx-trust can evaluate`, `${pointer}/statusPurpose`);
    }
    // Read before anything is fetched: a malformed entry is refused without asking its list's host.
    const layout = entryLayout(entry, pointer);
    if ('verified' in layout) return layout;
    const { statusSize, messages } = layout;
    const url = entry['statusListCredential'];
    if (typeof url !== 'string') {
      return failed('status', STATUS_ERROR_CODES.retrieval, 'statusListCredential is not a URL', `${pointer}/statusListCredential`);
    }
    let list: VerifiedList;
    try {
      list = await listAt(url, now, deadline, verify);
    } catch (error) {
      const code = isGxTrustError(error) ? error.code : STATUS_ERROR_CODES.retrieval;
      return failed('status', code, error instanceof Error ? error.message : String(error), `${pointer}/statusListCredential`);
    }
    if (list.credentialType !== ENTRY_TYPES[type]) {
      return failed('status', STATUS_ERROR_CODES.verification, `a ${type} must point at a ${ENTRY_TYPES[type]}`, pointer);
    }
    // "the issuer of the status list credential MUST be the same as the issuer of the credential"
    // (otherwise anyone could publish a list that says a credential is not revoked).
    if (list.issuer !== issuerId(credential)) {
      return failed('status', STATUS_ERROR_CODES.verification, `the status list ${url} is issued by ${list.issuer}, not by the credential's issuer`, pointer);
    }
    if (!list.purposes.includes(purpose)) {
      return failed('status', STATUS_ERROR_CODES.verification, `the status list ${url} is for ${list.purposes.join(', ')}, not ${purpose}`, `${pointer}/statusPurpose`);
    }
    const length = list.bits.length * 8;
    // "If the length of the revocation bitstring divided by statusSize is less than
    // minimumNumberOfEntries, raise a STATUS_LIST_LENGTH_ERROR": a list of wider entries must be
    // longer to hide its holders among as many others.
    if (length < MIN_STATUS_LIST_SIZE * statusSize) {
      return failed('status', STATUS_ERROR_CODES.length, `${url} holds ${length} bits, ${Math.floor(length / statusSize)} entries of ${statusSize} bits, fewer than the ${MIN_STATUS_LIST_SIZE} required`, `${pointer}/statusListCredential`);
    }
    // "If the credentialIndex multiplied by the size is a value outside of the range of the
    // bitstring, a RANGE_ERROR MUST be raised"; the entry's last bit as well as its first: a list
    // whose length is not a multiple of statusSize has no whole entry in its last bits.
    const position = Number(index);
    if ((position + 1) * statusSize > length) {
      const bits = statusSize === 1 ? '' : ` (bits ${position * statusSize} to ${(position + 1) * statusSize - 1})`;
      return failed('status', STATUS_ERROR_CODES.range, `statusListIndex ${index}${bits} is beyond the ${length} bits of ${url}`, `${pointer}/statusListIndex`);
    }
    const value = readStatus(list.bits, position, statusSize);
    const status = `0x${value.toString(16)}`;
    const matched = messages === undefined ? [value === 0 ? 'unset' : 'set'] : messages.filter((m) => m.value === value).map((m) => m.message);
    if (matched.length !== 1) {
      return failed('status', STATUS_ERROR_CODES.verification, `the value ${status} at statusListIndex ${index} has ${matched.length === 0 ? 'no statusMessage' : `${matched.length} statusMessage entries`}: the issuer gave no single meaning to it`, `${pointer}/statusMessage`);
    }
    const result: StatusEntryResult = { pointer, purpose, statusListCredential: url, statusListIndex: index, statusSize, status, valid: value === 0, message: matched[0]! };
    const outcome = PURPOSES[purpose as keyof typeof PURPOSES](result, messages !== undefined);
    return { ...outcome, statuses: [result] };
  }

  return async (credential, { now, deadline, verifyListCredential }) => {
    const status = credential['credentialStatus'];
    if (status === undefined) return undefined;
    const entries = Array.isArray(status) ? status : [status];
    const understood = entries.filter((e) => isObject(e) && typeof e['type'] === 'string' && Object.hasOwn(ENTRY_TYPES, e['type']));
    if (understood.length === 0) return undefined;
    if (understood.length !== entries.length) {
      return failed('status', STATUS_ERROR_CODES.unsupported, 'the credentialStatus holds entries of types gx-trust cannot evaluate', '/credentialStatus');
    }
    const checks = await Promise.all(
      entries.map((entry, i) => checkEntry(credential, entry as JsonObject, Array.isArray(status) ? `/credentialStatus/${i}` : '/credentialStatus', now, deadline, verifyListCredential)),
    );
    const statuses = checks.flatMap((c) => c.statuses ?? []);
    const failure = checks.find((c) => !c.verified);
    const check = failure ?? passed('status', checks.map((c) => c.message).join(', '));
    return statuses.length === 0 ? { ...check } : { ...check, statuses };
  };
}
