/**
 * DID resolution for gx-trust: did:web (hardened fetch), did:key and did:jwk (offline), behind
 * did-resolver's `Resolver`, with a bounded single-flight cache and the key-binding checks a proof
 * verifier needs.
 */
import { LRUCache } from 'lru-cache';
import { Resolver, parse, type DIDCache, type DIDResolver, type ResolverRegistry } from 'did-resolver';
import { systemClock, type Clock } from '../clock.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { deepFreeze } from '../freeze.js';
import { createResolutionCache, type ResolutionCacheOptions } from './cache.js';
import { isHostBusy, type HardenedFetchInit } from './hardened-fetch.js';
import { resolveDidJwk } from './jwk.js';
import { resolveDidKey } from './key.js';
import type { DidDocument, DidResolver, ProofPurpose, VerificationMethod } from './types.js';
import { createDidWebDriver } from './web.js';
import { isObject } from '../json-input.js';

export { hardenedFetch, isForbiddenAddress, type HardenedFetchInit, type HardenedFetchOptions, type HardenedResponse } from './hardened-fetch.js';
export { didWebUrl } from './web.js';
export type { DidDocument, DidResolver, ProofPurpose, VerificationMethod } from './types.js';

/** DIDs and DID URLs longer than this are refused before any parsing. */
export const MAX_DID_URL_LENGTH = 2048;

export interface DidResolverOptions {
  /** Allows plain http and loopback hosts for did:web (tests and local development only). */
  testMode: boolean;
  /** Documents resolved without HTTP, by bare DID: the service's own did:web. */
  localDocuments?: ReadonlyMap<string, DidDocument>;
  /**
   * DIDs this service hosts and resolves itself, bypassing the cache: its members' did:web, read
   * from the store on every resolution (src/members/hosted-dids.ts), so a removed key fails at once.
   */
  hosted?: { hosts(did: string): boolean; resolve(did: string): Promise<DidDocument> };
  cache?: Omit<ResolutionCacheOptions, 'clock'>;
  clock?: Clock;
  fetchOptions?: Omit<HardenedFetchInit, 'testMode'>;
}

export interface ParsedDidUrl {
  /** The bare DID: `did:<method>:<method-specific-id>`. */
  did: string;
  method: string;
  path?: string;
  query?: string;
  fragment?: string;
}

/**
 * Parses a DID or DID URL against the DID Core ABNF (did-resolver's strict `parse`). Legacy DID
 * parameters (`;name=value`, removed from DID Core 1.0) are stripped first: gx-trust gives them no
 * meaning, and in particular `;no-cache=true` never bypasses the cache.
 * @see https://www.w3.org/TR/did-core/#did-url-syntax
 */
export function parseDidUrl(input: unknown): ParsedDidUrl {
  if (typeof input !== 'string') throw new GxTrustError('INVALID_DID', 'a DID must be a string');
  if (input.length > MAX_DID_URL_LENGTH) {
    throw new GxTrustError('INVALID_DID', `a DID URL may be at most ${MAX_DID_URL_LENGTH} characters`);
  }
  const withoutParams = input.replace(/^(did:[^;/?#]*);[^/?#]*/, '$1');
  const parsed = parse(withoutParams);
  if (parsed === null) {
    throw new GxTrustError('INVALID_DID', `${JSON.stringify(input.slice(0, 120))} is not a DID URL`, {
      hint: 'A DID is did:<method>:<method-specific-id> with a lower-case method name',
    });
  }
  return {
    did: parsed.did,
    method: parsed.method,
    ...(parsed.path === undefined ? {} : { path: parsed.path }),
    ...(parsed.query === undefined ? {} : { query: parsed.query }),
    ...(parsed.fragment === undefined ? {} : { fragment: parsed.fragment }),
  };
}

/** Offline methods are not cached: they cost less than a lookup and would evict did:web entries. */
const OFFLINE_METHODS = new Set(['key', 'jwk']);

function offlineDriver(resolve: (did: string) => DidDocument): DIDResolver {
  return async (did) => ({
    didDocument: resolve(did) as never,
    didDocumentMetadata: {},
    didResolutionMetadata: { contentType: 'application/did+ld+json' },
  });
}

export function createDidResolver(options: DidResolverOptions): DidResolver {
  const clock = options.clock ?? systemClock;
  const drivers: Record<string, DIDResolver> = {
    web: createDidWebDriver({ testMode: options.testMode, ...(options.fetchOptions ? { fetchOptions: options.fetchOptions } : {}) }),
    key: offlineDriver(resolveDidKey),
    jwk: offlineDriver(resolveDidJwk),
  };
  // did-resolver looks the method up with `registry[method]`: on a plain object,
  // did:constructor:x would call Object. A null-prototype registry plus the Object.hasOwn guard in
  // resolve() keep prototype names out.
  const registry: ResolverRegistry = Object.assign(Object.create(null) as ResolverRegistry, drivers);
  // A fetch refused because its host had too many in flight says nothing about the DID: not kept.
  const cache = createResolutionCache<Awaited<ReturnType<DIDCache>>>({ keepFailure: (error) => !isHostBusy(error), ...options.cache, clock });
  // The `no-cache` option a DID URL or caller may carry is deliberately ignored: see cache.ts.
  // did:key and did:jwk resolve deterministically from the DID itself (no I/O: their promises
  // settle at once, so this cache cannot hold one that never does), so their results may be
  // kept without a TTL; in an LRU of their own, so a flood of made-up did:keys cannot evict the
  // did:web documents (and decoding the key, createPublicKey included, happens once per DID).
  const offline = new LRUCache<string, Promise<Awaited<ReturnType<DIDCache>>>>({ max: options.cache?.max ?? 1000 });
  const didCache: DIDCache = (parsed, resolve) => {
    if (!OFFLINE_METHODS.has(parsed.method)) return cache.get(parsed.did, resolve);
    let result = offline.get(parsed.did);
    if (result === undefined) {
      result = resolve();
      offline.set(parsed.did, result);
    }
    return result;
  };
  const resolver = new Resolver(registry, { cache: didCache });

  /** The shared (cached) document: callers inside this module only read it. */
  async function resolveShared(didUrl: string): Promise<DidDocument> {
    const { did, method } = parseDidUrl(didUrl);
    if (!Object.hasOwn(drivers, method)) {
      throw new GxTrustError('UNSUPPORTED_DID_METHOD', `did:${method} is not supported`, {
        hint: 'gx-trust resolves did:web, did:key and did:jwk',
      });
    }
    const local = options.localDocuments?.get(did);
    if (local !== undefined) return local;
    if (options.hosted?.hosts(did) === true) return options.hosted.resolve(did);
    let result;
    try {
      result = await resolver.resolve(did);
    } catch (error) {
      if (isGxTrustError(error)) throw error;
      throw new GxTrustError('DID_RESOLUTION_FAILED', `${did} could not be resolved`, { cause: error });
    }
    const error = result.didResolutionMetadata.error;
    if (error !== undefined || result.didDocument === null) {
      const code = error === 'invalidDid' ? 'INVALID_DID' : error === 'unsupportedDidMethod' ? 'UNSUPPORTED_DID_METHOD' : 'DID_RESOLUTION_FAILED';
      throw new GxTrustError(code, `${did} could not be resolved: ${String(error ?? 'no document')}`);
    }
    return result.didDocument as DidDocument;
  }

  // The cached document is shared: every outside caller gets its own copy to do with as it likes.
  const resolve = async (didUrl: string): Promise<DidDocument> => structuredClone(await resolveShared(didUrl));

  async function resolveVerificationMethod(
    didUrl: string,
    { purpose, expectedController }: { purpose: ProofPurpose; expectedController: string },
  ): Promise<VerificationMethod> {
    const parsed = parseDidUrl(didUrl);
    const { did } = parsed;
    if (parsed.path !== undefined || parsed.query !== undefined) {
      throw new GxTrustError('INVALID_DID', `${didUrl}: a verification method reference has no path or query`);
    }
    if (parsed.fragment === undefined || parsed.fragment === '') {
      throw new GxTrustError('INVALID_DID', `${didUrl} does not name a verification method (no #fragment)`);
    }
    if (did !== expectedController) {
      throw new GxTrustError('KEY_BINDING', `verification method ${didUrl} belongs to ${did}, not to ${expectedController}`, {
        hint: 'The proof must be made with a key of the issuer (or holder) DID document',
      });
    }
    const document = await resolveShared(did);
    if (document.id !== did) {
      throw new GxTrustError('KEY_BINDING', `the DID document of ${did} has id ${JSON.stringify(document.id)}`);
    }
    const method = sharedBinding(document, `${did}#${parsed.fragment}`, purpose);
    assertInLifetime(method, clock);
    return method;
  }

  // A cached document's bindings are worked out once (finding the method, its relationships, the
  // duplicate check, a copy with x5c chains was 5 % of a vc+jwt verification) and handed out frozen;
  // only the lifetime is checked on each call. Failed bindings are not kept (each is worked out again).
  const bindings = new WeakMap<DidDocument, Map<string, VerificationMethod>>();
  function sharedBinding(document: DidDocument, methodId: string, purpose: ProofPurpose): VerificationMethod {
    let perDocument = bindings.get(document);
    if (perDocument === undefined) {
      perDocument = new Map();
      bindings.set(document, perDocument);
    }
    const key = `${purpose} ${methodId}`;
    let method = perDocument.get(key);
    if (method === undefined) {
      method = deepFreeze(boundMethod(document, methodId, purpose));
      perDocument.set(key, method);
    }
    return method;
  }

  return { resolve, resolveVerificationMethod };
}

const RELATIONSHIPS = ['assertionMethod', 'authentication', 'keyAgreement', 'capabilityInvocation', 'capabilityDelegation'] as const;

/**
 * Finds the verification method `methodId` (absolute) in `document` and checks it may be used for
 * `purpose`, as jsonld-signatures' ControllerProofPurpose does: the method is the document's own
 * (`<did>#<fragment>`, controller = the DID) and the document lists it under the relationship.
 * @see https://www.w3.org/TR/did-core/#verification-relationships
 * @see https://www.w3.org/TR/cid-1.0/#retrieve-verification-method
 */
export function bindVerificationMethod(document: DidDocument, methodId: string, purpose: ProofPurpose, clock: Clock = systemClock): VerificationMethod {
  const method = boundMethod(document, methodId, purpose);
  assertInLifetime(method, clock);
  return structuredClone(method);
}

/** A method's `revoked` and `expires` instants against the clock: a method past either may not be used. */
function assertInLifetime(method: VerificationMethod, clock: Clock): void {
  const now = clock().getTime();
  for (const field of ['revoked', 'expires'] as const) {
    const value = method[field];
    if (value === undefined) continue;
    const at = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(at) || at <= now) {
      throw new GxTrustError('KEY_BINDING', `${method.id} ${field === 'revoked' ? 'was revoked' : 'expired'} at ${String(value)}`);
    }
  }
}

/** bindVerificationMethod's checks of the document alone (no clock): the method, a copy with its absolute id. */
function boundMethod(document: DidDocument, methodId: string, purpose: ProofPurpose): VerificationMethod {
  const did = document.id;
  const absolute = (id: unknown): unknown => (typeof id === 'string' && id.startsWith('#') ? did + id : id);

  const candidates: Record<string, unknown>[] = [];
  const listedUnder = new Set<string>();
  for (const vm of Array.isArray(document.verificationMethod) ? document.verificationMethod : []) {
    if (isObject(vm) && absolute(vm.id) === methodId) candidates.push(vm);
  }
  for (const relationship of RELATIONSHIPS) {
    const entries: unknown = document[relationship];
    if (!Array.isArray(entries)) continue;
    for (const entry of entries) {
      if (absolute(entry) === methodId) listedUnder.add(relationship);
      if (isObject(entry) && absolute(entry.id) === methodId) {
        candidates.push(entry);
        listedUnder.add(relationship);
      }
    }
  }
  const [method, ...others] = candidates;
  if (method === undefined) {
    // The Tagus compliance DID document gives its key the DID itself as id (no fragment) and
    // references it as `#JWK2020-RSA`: say that the document is malformed, not that a key is gone.
    const unnamed = (Array.isArray(document.verificationMethod) ? document.verificationMethod : []).find(
      (vm) => isObject(vm) && !String(absolute(vm.id)).startsWith(`${did}#`),
    );
    if (unnamed !== undefined) {
      throw new GxTrustError('KEY_BINDING', `${methodId} is not declared; ${did} declares a verification method with id ${JSON.stringify(unnamed.id)}, which is not ${did}#<fragment>`);
    }
    throw new GxTrustError('KEY_NOT_FOUND', `${methodId} is not a verification method of ${did}`, {
      hint: 'The proof must name a verification method listed in the DID document',
    });
  }
  if (others.some((other) => JSON.stringify(other) !== JSON.stringify(method))) {
    throw new GxTrustError('KEY_BINDING', `${did} declares ${methodId} more than once, differently`);
  }
  const id = absolute(method.id);
  // A method id without a fragment (the Tagus compliance DID document gives its key the DID
  // itself as id) cannot be told apart from the document.
  if (typeof id !== 'string' || !id.startsWith(`${did}#`) || id.length === did.length + 1) {
    throw new GxTrustError('KEY_BINDING', `${did} declares a verification method with id ${JSON.stringify(method.id)}, which is not ${did}#<fragment>`);
  }
  if (method.controller !== did) {
    throw new GxTrustError('KEY_BINDING', `${methodId} is controlled by ${JSON.stringify(method.controller)}, not by ${did}`);
  }
  if (!listedUnder.has(purpose)) {
    const where = [...listedUnder];
    throw new GxTrustError(
      'KEY_BINDING',
      `${methodId} is ${where.length === 0 ? 'not listed under any verification relationship' : `listed under ${where.join(', ')}`}, not ${purpose}`,
      { hint: `List the method under ${purpose} in the DID document` },
    );
  }
  return { ...structuredClone(method), id } as VerificationMethod;
}
