/**
 * The closed JSON-LD document loader. Contexts come only from `contexts/` (pinned by sha256 in
 * contexts/manifest.json); DID URLs go to the DID resolver; every other URL is refused. The
 * service never fetches a context over the network: jsonld@9 in Node would otherwise follow
 * `http:` URLs and unlimited redirects.
 */
import { deepFreeze } from '../freeze.js';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { GxTrustError } from '../errors.js';
import type { DidResolver } from '../dids/types.js';

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

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

interface ManifestEntry {
  url: string;
  file: string;
  sha256: string;
}

export const CONTEXTS_DIR = fileURLToPath(new URL('../../contexts/', import.meta.url));

/** Loads every pinned context once, checking each file against its hash. */
function loadPinnedContexts(dir: string): ReadonlyMap<string, unknown> {
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

export function isAllowedContext(url: string): boolean {
  return pinnedContexts().has(url);
}

export interface DocumentLoaderOptions {
  /** Resolves `did:` URLs (a DID to its document, a DID URL with a fragment to its verification method). */
  resolver?: DidResolver;
}

export function createDocumentLoader(options: DocumentLoaderOptions = {}): DocumentLoader {
  const contexts = pinnedContexts();
  return async (url: string): Promise<RemoteDocument> => {
    const context = contexts.get(url);
    if (context !== undefined) {
      return { contextUrl: null, documentUrl: url, document: context, tag: 'static' };
    }
    if (url.startsWith('did:') && options.resolver !== undefined) {
      return { contextUrl: null, documentUrl: url, document: await dereferenceDidUrl(options.resolver, url) };
    }
    throw new GxTrustError('CONTEXT_NOT_ALLOWED', `JSON-LD document ${JSON.stringify(url)} is not in the allowed set`, {
      hint: 'Use only the contexts listed in contexts/manifest.json; gx-trust never fetches a context over the network',
    });
  };
}

/**
 * A DID resolves to its document; a DID URL with a fragment to the verification method it names,
 * with the document's @context so the Data Integrity libraries can expand it.
 */
async function dereferenceDidUrl(resolver: DidResolver, didUrl: string): Promise<unknown> {
  const hash = didUrl.indexOf('#');
  const did = (hash === -1 ? didUrl : didUrl.slice(0, hash)).split(/[;?]/)[0] ?? '';
  const document = await resolver.resolve(did);
  if (hash === -1) return document;
  const fragment = didUrl.slice(hash);
  const method = document.verificationMethod?.find((vm) => vm.id === didUrl || vm.id === fragment);
  if (method === undefined) {
    throw new GxTrustError('KEY_NOT_FOUND', `${didUrl} is not a verification method of ${did}`, {
      hint: 'The proof must name a verification method listed in the issuer DID document',
    });
  }
  return {
    '@context': method.type === 'Ed25519VerificationKey2020'
      ? 'https://w3id.org/security/suites/ed25519-2020/v1'
      : 'https://w3id.org/security/multikey/v1',
    ...method,
    id: method.id.startsWith('#') ? did + method.id : method.id,
  };
}
