/**
 * The closed JSON-LD document loader and the pinned-context check. Contexts come only from
 * `contexts/` (pinned by sha256 in contexts/manifest.json); every other URL is refused, a DID
 * included: the loader resolves nothing, and the one verification method a Data Integrity proof
 * names is handed to jsonld-signatures by the verifier, already bound to the issuer (src/verifying/
 * data-integrity.ts). The service never fetches a context over the network: jsonld@9 in Node would
 * otherwise follow `http:` URLs and unlimited redirects.
 */
import { deepFreeze } from '../freeze.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GxTrustError, type ProblemDetail } from '../errors.js';
import type { VerificationMethod } from '../dids/types.js';
import { jsonInputFaults, type JsonInputOptions, type JsonPosition, type MemberRule } from '../json-input.js';

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
  /**
   * 'static' lets jsonld keep the processed context in its process-wide cache: worth up to 14 %
   * of a verification. Safe only because the set of contexts is closed and pinned.
   */
  tag?: 'static';
}

export interface DocumentLoader {
  (url: string): Promise<RemoteDocument>;
  /**
   * Whether this loader serves `url` as a context, asked by the pinned-context check before any
   * JSON-LD processing (jsonLdInputFaults). Absent: the URLs of contexts/manifest.json.
   */
  readonly serves?: (url: string) => boolean;
}

interface ManifestEntry {
  url: string;
  file: string;
  sha256: string;
}

export const CONTEXTS_DIR = fileURLToPath(new URL('../../contexts/', import.meta.url));

/** Loads every pinned context once, checking each file against its hash. */
export function loadPinnedContexts(dir: string): ReadonlyMap<string, unknown> {
  const manifest = JSON.parse(readFileSync(`${dir}/manifest.json`, 'utf8')) as {
    contexts: ManifestEntry[];
  };
  const contexts = new Map<string, unknown>();
  for (const entry of manifest.contexts) {
    const bytes = readFileSync(`${dir}/${entry.file}`);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== entry.sha256) {
      throw new GxTrustError('CONFIG_INVALID', `context file ${entry.file} does not match its pinned sha256`, {
        hint: 'Restore the file, or run `node scripts/update-contexts-manifest.mjs` after a deliberate change',
      });
    }
    contexts.set(entry.url, deepFreeze(JSON.parse(bytes.toString('utf8'))));
  }
  return contexts;
}

let pinned: ReadonlyMap<string, unknown> | undefined;

/** The pinned contexts of this process (read once; jsonld caches by URL process-wide anyway). */
export function pinnedContexts(): ReadonlyMap<string, unknown> {
  pinned ??= loadPinnedContexts(CONTEXTS_DIR);
  return pinned;
}

let pinnedBytes: ReadonlyMap<string, Buffer> | undefined;

/**
 * The bytes of the file a pinned context is served from (checked against the manifest at start),
 * for a digest a credential states about it (`relatedResource`): those bytes are what every
 * gx-trust process loads for the URL.
 */
export function pinnedContextBytes(url: string): Buffer | undefined {
  if (pinnedBytes === undefined) {
    pinnedContexts();
    const manifest = JSON.parse(readFileSync(`${CONTEXTS_DIR}/manifest.json`, 'utf8')) as { contexts: ManifestEntry[] };
    pinnedBytes = new Map(manifest.contexts.map((entry) => [entry.url, readFileSync(`${CONTEXTS_DIR}/${entry.file}`)]));
  }
  return pinnedBytes.get(url);
}

export function isAllowedContext(url: string): boolean {
  return pinnedContexts().has(url);
}

/**
 * The one context check, run on every document before any JSON-LD processing, in every format
 * (Data Integrity, JsonWebSignature2020 and VC-JOSE payloads, issued and verified, the Danube
 * validator's and compliance input): every `@context` at any depth (the document's own, an embedded
 * node's, a scoped context inside a term definition) and every `@import` is a URL pinned in
 * contexts/manifest.json, an inline object (whose members the walk reaches in turn), null, or an
 * array of these. A DID is never a context: resolved as one, its document's definitions (the DID
 * controller's to choose) would change what a credential says, at the price of one fetch per DID.
 * @see https://www.w3.org/TR/vc-data-integrity/#context-validation
 */
export function pinnedContextRule(serves: (url: string) => boolean = isAllowedContext): MemberRule {
  const contextFault = (value: unknown, where: JsonPosition, key: string): ProblemDetail | undefined => {
    if (value === null || (typeof value === 'object' && !Array.isArray(value))) return undefined;
    if (typeof value === 'string') return serves(value) ? undefined : notPinned(value, where.pointer(key));
    if (!Array.isArray(value)) return notPinned(value, where.pointer(key));
    for (let i = 0; i < value.length; i++) {
      const entry: unknown = value[i];
      if (entry === null || (typeof entry === 'object' && !Array.isArray(entry))) continue;
      if (typeof entry === 'string' && serves(entry)) continue;
      return notPinned(entry, where.pointer(key, i));
    }
    return undefined;
  };
  return (key, value, where) => {
    if (key === '@context') return contextFault(value, where, key);
    if (key === '@import') return typeof value === 'string' && serves(value) ? undefined : notPinned(value, where.pointer(key));
    return undefined;
  };
}

const manifestContextRule = pinnedContextRule();

/** One rule per loader's `serves`, made when first asked for: every JWS payload and proof is checked with it. */
const contextRules = new WeakMap<(url: string) => boolean, MemberRule>();
function contextRuleOf(serves: (url: string) => boolean): MemberRule {
  let rule = contextRules.get(serves);
  if (rule === undefined) {
    rule = pinnedContextRule(serves);
    contextRules.set(serves, rule);
  }
  return rule;
}

function notPinned(value: unknown, pointer: string): ProblemDetail {
  if (typeof value !== 'string') {
    return {
      code: 'CONTEXT_NOT_ALLOWED',
      pointer,
      detail: `a context is a pinned URL, an inline object or null, not ${Array.isArray(value) ? 'a nested array' : typeof value}`,
      hint: 'Use only the contexts listed in contexts/manifest.json, or inline term definitions',
    };
  }
  const shown = JSON.stringify(value.slice(0, 200));
  return {
    code: 'CONTEXT_NOT_ALLOWED',
    pointer,
    detail: value.startsWith('did:') ? `${shown} is a DID, not a JSON-LD context: gx-trust never resolves a DID as a context` : `the context ${shown} is not in the pinned set`,
    hint: 'Use only the contexts listed in contexts/manifest.json, or inline term definitions; gx-trust never fetches a context',
  };
}

/**
 * The faults of a document about to be processed as JSON-LD, in one walk: the prototype keys,
 * depth (and size, when bounded), and the pinned contexts. Empty when it may go on.
 */
export function jsonLdInputFaults(document: unknown, options: JsonInputOptions & { loader?: DocumentLoader } = {}): ProblemDetail[] {
  const { loader, member: extra, ...walk } = options;
  const contexts = loader?.serves === undefined ? manifestContextRule : contextRuleOf(loader.serves);
  const member: MemberRule = extra === undefined ? contexts : (key, value, where) => contexts(key, value, where) ?? extra(key, value, where);
  return jsonInputFaults(document, { ...walk, member });
}

/** The loader jsonld and jsonld-signatures are given: pinned contexts, and nothing else. */
export function createDocumentLoader(): DocumentLoader {
  const contexts = pinnedContexts();
  const load = async (url: string): Promise<RemoteDocument> => {
    const context = contexts.get(url);
    if (context !== undefined) {
      return { contextUrl: null, documentUrl: url, document: context, tag: 'static' };
    }
    throw new GxTrustError('CONTEXT_NOT_ALLOWED', `JSON-LD document ${JSON.stringify(url)} is not in the allowed set`, {
      hint: 'Use only the contexts listed in contexts/manifest.json; gx-trust never fetches a context over the network',
    });
  };
  return Object.assign(load, { serves: isAllowedContext });
}

/**
 * `loader`, plus the one verification method a proof check has already resolved and bound to the
 * issuer (or holder): jsonld-signatures dereferences `proof.verificationMethod` through the loader,
 * and gets exactly that method, with a context so it can be expanded. No other DID URL loads.
 */
export function withVerificationMethod(loader: DocumentLoader, method: VerificationMethod): DocumentLoader {
  const document = {
    '@context': method.type === 'Ed25519VerificationKey2020' ? 'https://w3id.org/security/suites/ed25519-2020/v1' : 'https://w3id.org/security/multikey/v1',
    ...method,
  };
  const load = async (url: string): Promise<RemoteDocument> => {
    if (url === method.id) return { contextUrl: null, documentUrl: url, document };
    if (url.startsWith('did:')) {
      throw new GxTrustError('KEY_BINDING', `${JSON.stringify(url.slice(0, 200))} is not the verification method bound to the proof (${method.id})`);
    }
    return loader(url);
  };
  // The method is served, but never as a context.
  return loader.serves === undefined ? load : Object.assign(load, { serves: loader.serves });
}
