/**
 * The status list credential served at `GET /status-lists/{id}`: the list's bitstring, GZIP
 * compressed and multibase-encoded, signed as Data Integrity or as `vc+jwt` by the list's issuer
 * (the service's did:web, a did:key of the service, or a hosted member: issuers.ts).
 *
 * A list of the BLS12-381 did:key is a bbs-2023 credential, and a bbs-2023 base proof is for a
 * holder only: "verifiers only verify derived proofs" (VC DI BBS). So the service is its own
 * holder: it signs the base proof with every statement mandatory and serves the proof it derives
 * from it, which discloses the whole list and verifies for any bbs-2023 verifier.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstringstatuslistcredential
 * @see https://www.w3.org/TR/vc-di-bbs/#add-derived-proof-bbs-2023
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Clock } from '../clock.js';
import { VC_V2_CONTEXT, type JsonObject } from '../credentials/index.js';
import { GxTrustError, type ErrorCode } from '../errors.js';
import type { ScopedSigner, SigningCaller } from '../issuing/signing-policy.js';
import type { StatusListRecord } from '../storage/store.js';
import type { StatusListRepository } from '../storage/repositories.js';
import { parseStatusListId, statusListUrl } from './allocator.js';
import type { StatusListIssuers } from './issuers.js';

/**
 * The largest bitstring a verifier inflates: 2 MiB, i.e. 16,777,216 entries, 128 times the
 * minimum list. A list the service fetched is at most 256 KiB compressed, and GZIP can expand
 * about 1,000-fold, so without this cap a 256 KiB download could become a quarter of a gigabyte
 * in memory (the status-list gzip-bomb case). zlib stops as soon as the output passes the cap.
 */
export const MAX_INFLATED_LIST_BYTES = 2 * 1024 * 1024;

/** How long a verifier may cache a list: revocations reach verifiers within this time. */
export const DEFAULT_STATUS_LIST_TTL_MS = 5 * 60 * 1000;
/** A signed list expires after a day, so an old, validly signed empty list cannot be replayed for long. */
export const DEFAULT_STATUS_LIST_VALIDITY_MS = 24 * 60 * 60 * 1000;

export type StatusListFormat = 'ldp_vc' | 'vc+jwt';

/**
 * "encodedList: ... the Multibase-encoded base64url (with no padding) representation of the
 * GZIP-compressed bitstring". Index 0 is the left-most bit of byte 0, as the store keeps it.
 * @see https://www.w3.org/TR/vc-bitstring-status-list/#bitstring-generation-algorithm
 */
export function encodeStatusList(bits: Uint8Array): string {
  return 'u' + gzipSync(bits).toString('base64url');
}

/**
 * The inverse of encodeStatusList, under a cap on the inflated size. Throws GxTrustError with
 * `code` (the caller's verification-failure code) for anything that is not a well-formed list.
 */
export function decodeStatusList(
  encodedList: unknown,
  options: { maxBytes?: number; code?: ErrorCode } = {},
): Uint8Array {
  const code = options.code ?? 'STATUS_VERIFICATION_ERROR';
  const maxBytes = options.maxBytes ?? MAX_INFLATED_LIST_BYTES;
  if (typeof encodedList !== 'string' || !/^u[A-Za-z0-9_-]+$/.test(encodedList)) {
    throw new GxTrustError(code, 'encodedList is not a multibase base64url (u-prefixed) string');
  }
  const compressed = Buffer.from(encodedList.slice(1), 'base64url');
  try {
    return new Uint8Array(gunzipSync(compressed, { maxOutputLength: maxBytes }));
  } catch (cause) {
    const tooLarge = (cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new GxTrustError(
      code,
      tooLarge ? `encodedList inflates to more than ${maxBytes} bytes` : 'encodedList is not valid GZIP data',
      { cause },
    );
  }
}

export interface StatusListCredentialInput {
  list: Pick<StatusListRecord, 'id' | 'purpose' | 'bits'>;
  url: string;
  issuer: string;
  now: Date;
  ttlMs?: number;
  validityMs?: number;
}

function seconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The unsigned BitstringStatusListCredential for a stored list. */
export function buildStatusListCredential(input: StatusListCredentialInput): JsonObject {
  const ttl = input.ttlMs ?? DEFAULT_STATUS_LIST_TTL_MS;
  const validity = input.validityMs ?? DEFAULT_STATUS_LIST_VALIDITY_MS;
  return {
    '@context': [VC_V2_CONTEXT],
    id: input.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuer,
    validFrom: seconds(input.now),
    validUntil: seconds(new Date(input.now.getTime() + validity)),
    credentialSubject: {
      id: `${input.url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.list.purpose,
      encodedList: encodeStatusList(input.list.bits),
      // "ttl: ... the time to live in milliseconds" (a hint for verifier caches).
      ttl,
    },
  };
}

export type SignedStatusList =
  | { format: 'ldp_vc'; verifiableCredential: JsonObject; ttlMs: number }
  | { format: 'vc+jwt'; jwt: string; ttlMs: number };

export interface StatusListPublisherOptions {
  store: Pick<StatusListRepository, 'getStatusList'>;
  /**
   * The signing policy's status-lists signer: status list credentials, as the service's DIDs or a
   * hosted member, and nothing else.
   */
  signer: Pick<ScopedSigner, 'issueCredential'>;
  /**
   * Who the signer records as asking: the service itself (`SERVICE_CALLER`), since a list is
   * re-signed for a GET on no caller's behalf. Given, not imported, so status-lists needs no value
   * from issuing while issuing takes the allocator's limits from here.
   */
  caller: SigningCaller;
  /** Who signs each list: the DID the store names as its issuer (the service's did:web when none). */
  issuers: Pick<StatusListIssuers, 'forList'>;
  /**
   * The derived proof disclosing every statement of a bbs-2023 base proof (a holder's step, no
   * key): the lists of the BLS12-381 did:key are served in that form. Absent, such a list is 500.
   */
  discloseAll?: ((verifiableCredential: JsonObject) => Promise<JsonObject>) | undefined;
  baseUrl: string;
  clock: Clock;
  ttlMs?: number;
  validityMs?: number;
}

export interface StatusListPublisher {
  /** The signed list, or undefined when no such list exists. */
  signedList(listId: string, format?: StatusListFormat): Promise<SignedStatusList | undefined>;
  /** The same, by URL, for the service's own verifier (no HTTP to itself). */
  signedListByUrl(url: string): Promise<SignedStatusList | undefined>;
  readonly ttlMs: number;
}

/**
 * Signs lists on demand, with the issuer's current key, and keeps the last signature per (list,
 * format) while the list version is unchanged and the signature is younger than the ttl: a hot
 * GET does not re-sign, and a re-signed list always has at least `validity - ttl` of life left.
 * A member's key rotation is picked up at the next re-sign (a retired key stays published as long
 * as the lists it signed are valid); removing its keys bumps the list versions, so the new key
 * signs at once.
 */
export function createStatusListPublisher(options: StatusListPublisherOptions): StatusListPublisher {
  const ttlMs = options.ttlMs ?? DEFAULT_STATUS_LIST_TTL_MS;
  const cache = new Map<string, { version: number; signedAt: number; signed: Promise<SignedStatusList | undefined> }>();
  const urlPrefix = statusListUrl(options.baseUrl, '');

  async function sign(list: StatusListRecord, format: StatusListFormat, now: Date): Promise<SignedStatusList | undefined> {
    // A list of a DID whose key the service no longer holds (a replaced key file) is gone.
    const issuer = await options.issuers.forList(list);
    if (issuer === undefined) return undefined;
    const credential = buildStatusListCredential({
      list,
      url: statusListUrl(options.baseUrl, list.id),
      issuer: issuer.did,
      now,
      ttlMs,
      ...(options.validityMs === undefined ? {} : { validityMs: options.validityMs }),
    });
    if (issuer.cryptosuite === 'bbs-2023') return signedBbs(credential, format, issuer.did);
    // A key with no cryptosuite (P-521) signs its lists in the one form it can: a JSON request gets
    // the vc+jwt (the media type says which), so every verifier that asks still gets a signed list.
    const proof = format === 'vc+jwt' || issuer.cryptosuite === undefined ? { format: 'vc+jwt' as const, alg: issuer.alg } : { format, cryptosuite: issuer.cryptosuite };
    const issued = await options.signer.issueCredential(credential, proof, { caller: options.caller });
    return issued.format === 'vc+jwt'
      ? { format: 'vc+jwt', jwt: issued.jwt, ttlMs }
      : { format: 'ldp_vc', verifiableCredential: issued.verifiableCredential, ttlMs };
  }

  /**
   * A list of the BLS12-381 did:key: the base proof with every member mandatory (the id and types
   * come with any selection), then the derived proof over all of it. One BBS signature on the
   * keyring's signing thread and one derivation per re-signing (per ttl or change of the list).
   */
  async function signedBbs(credential: JsonObject, format: StatusListFormat, did: string): Promise<SignedStatusList> {
    if (format === 'vc+jwt') {
      throw new GxTrustError('UNSUPPORTED_FORMAT', `the lists of ${did} have no vc+jwt form: a BLS12-381 key signs bbs-2023 proofs only, and no JWS algorithm is defined for it`, {
        pointer: '/format',
        hint: 'Ask for the Data Integrity form: leave ?format out (Accept: application/vc+ld+json); it carries a bbs-2023 derived proof',
      });
    }
    if (options.discloseAll === undefined) throw new GxTrustError('INTERNAL', `no derivation is configured for the bbs-2023 lists of ${did}`);
    const mandatoryPointers = Object.keys(credential).filter((member) => !['@context', 'id', 'type'].includes(member)).map((member) => `/${member}`);
    const issued = await options.signer.issueCredential(credential, { format: 'ldp_vc', cryptosuite: 'bbs-2023', mandatoryPointers }, { caller: options.caller });
    const verifiableCredential = await options.discloseAll(issued.verifiableCredential);
    return { format: 'ldp_vc', verifiableCredential, ttlMs };
  }

  /**
   * One re-signing per (list, format) at a time: concurrent GETs of one version share it, and a
   * change made meanwhile waits for it and is signed next, however many changes arrive (the newest
   * version read replaces one not yet begun, and its waiters get that newer list). So the lists of
   * the BLS12-381 did:key, whose signatures go ahead of bbs-2023 issuance and are never shed, put
   * at most one signature per list in the signing thread's queue.
   */
  type Signing = Promise<SignedStatusList | undefined>;
  type Resigning = { next?: { list: StatusListRecord; signed: Signing; settle: (signed: Signing) => void } };
  const resigning = new Map<string, Resigning>();

  function resign(key: string, list: StatusListRecord, format: StatusListFormat): Signing {
    const current = resigning.get(key);
    if (current === undefined) {
      const state: Resigning = {};
      resigning.set(key, state);
      const begin = (record: StatusListRecord): Signing => {
        const signed = sign(record, format, options.clock());
        const done = () => {
          const next = state.next;
          if (next === undefined) {
            resigning.delete(key);
            return;
          }
          delete state.next;
          next.settle(begin(next.list));
        };
        signed.then(done, done);
        return signed;
      };
      return begin(list);
    }
    if (current.next !== undefined) {
      if (list.version > current.next.list.version) current.next.list = list;
      return current.next.signed;
    }
    let settle!: (signed: Signing) => void;
    const signed: Signing = new Promise((resolve) => {
      settle = resolve;
    });
    current.next = { list, signed, settle };
    return signed;
  }

  async function signedList(listId: string, format: StatusListFormat = 'ldp_vc'): Promise<SignedStatusList | undefined> {
    const list = await options.store.getStatusList(listId);
    if (list === undefined) return undefined;
    const now = options.clock();
    const key = `${list.id}\n${format}`;
    const hit = cache.get(key);
    if (hit !== undefined && hit.version === list.version && now.getTime() - hit.signedAt < ttlMs) return hit.signed;
    const signed = resign(key, list, format);
    const entry = { version: list.version, signedAt: now.getTime(), signed };
    cache.set(key, entry);
    // A failure is not kept (the next GET tries again), nor does it drop a newer entry.
    signed.catch(() => {
      if (cache.get(key) === entry) cache.delete(key);
    });
    return signed;
  }

  return {
    ttlMs,
    signedList,
    async signedListByUrl(url) {
      if (!url.startsWith(urlPrefix)) return undefined;
      const id = url.slice(urlPrefix.length);
      return parseStatusListId(id) === undefined ? undefined : signedList(id);
    },
  };
}
