/**
 * jsonld 9 deep-copies the whole active context (every term definition of credentials v2, data
 * integrity and the Gaia-X contexts) each time a type-scoped or embedded context is entered or
 * left: every VerifiableCredential, every proof node. Profiled on an eddsa-rdfc-2022
 * verification, that copy (`util.clone` under `_cloneActiveContext`) took 35 % of the time and
 * drove most of the 23 % spent in GC. Known upstream and open: digitalbazaar/jsonld.js#414.
 *
 * The copy protects nothing that can change. A term definition is a new object each time
 * createTermDefinition makes one, and is never written to once it is in a context (a redefinition
 * replaces it); a processed context is never written to either, since jsonld caches and reuses
 * processed contexts across calls, and its `previousContext` is already kept by reference when
 * first set. So a child shares its parent's definitions, copied only when either side writes
 * (SharedTermDefinitions), and its previous context; and of the protected terms it carries just
 * one (anyOneOf). Otherwise it gets exactly the fields jsonld's own clone gives it, so expansion,
 * and thus every canonical form and signature, is unchanged:
 * test/document-loader/active-context.test.ts compares canonical N-Quads and expansions with
 * those of jsonld as published over the W3C vectors, the Gaia-X samples, a presentation and
 * context nullifications.
 *
 * Installed on jsonld's cached initial contexts, from which every active context descends (it
 * copies its `clone` to each child). Per process and per worker thread: each has its own jsonld.
 *
 * This reaches into jsonld/lib/context.js, which is not jsonld's API, so package.json pins jsonld
 * to one exact version (a caret range would let a fresh install take a release whose internals
 * moved), and the second group of tests in active-context.test.ts pins what the patch relies on:
 * that version and a single copy of jsonld, the initial context's fields, the source of the
 * `_cloneActiveContext` it replaces, and the Map methods and `protected` reads jsonld makes. An
 * upgrade fails there until someone has read the new context.js against this file. (An open pull
 * request upstream already changes that clone: digitalbazaar/jsonld.js#587 copies `@direction`,
 * which this clone would then have to copy too.)
 *
 * What would make the patch unnecessary, upstream (digitalbazaar/jsonld.js#414, open since 2020:
 * "The patch clones the active context. This could in theory lead to performance issues"): an
 * active context with structural sharing, term definitions in a persistent or copy-on-write map
 * and `previousContext` held by reference, as here; or, short of that, a supported hook to supply
 * the active-context clone (an option of expand/toRDF/canonize, or a public factory for initial
 * contexts), so that a caller could do this without touching internals.
 * @see https://github.com/digitalbazaar/jsonld.js/issues/414
 */
import { createRequire } from 'node:module';

/**
 * The term definitions of an active context, shared with its clones until one of them writes: a
 * write first copies the entries, on whichever side (a context jsonld is still building is cloned
 * too, to validate a scoped context, and goes on being written). Map's methods, the ones jsonld
 * calls on `mappings`.
 */
class SharedTermDefinitions {
  private entries: Map<string, unknown>;
  private shared: boolean;

  constructor(entries: Map<string, unknown>, shared: boolean) {
    this.entries = entries;
    this.shared = shared;
  }

  share(): SharedTermDefinitions {
    this.shared = true;
    return new SharedTermDefinitions(this.entries, true);
  }

  private own(): Map<string, unknown> {
    if (this.shared) {
      this.entries = new Map(this.entries);
      this.shared = false;
    }
    return this.entries;
  }

  get(term: string): unknown {
    return this.entries.get(term);
  }
  has(term: string): boolean {
    return this.entries.has(term);
  }
  set(term: string, definition: unknown): this {
    this.own().set(term, definition);
    return this;
  }
  delete(term: string): boolean {
    return this.own().delete(term);
  }
  keys(): MapIterator<string> {
    return this.entries.keys();
  }
  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries[Symbol.iterator]();
  }
}

interface ActiveContext {
  mappings: Map<string, unknown> | SharedTermDefinitions;
  protected: Record<string, boolean>;
  inverse: unknown;
  previousContext?: ActiveContext;
  clone(this: ActiveContext): ActiveContext;
  getInverse: unknown;
  revertToPreviousContext: unknown;
  '@base'?: unknown;
  '@language'?: unknown;
  '@vocab'?: unknown;
}

interface JsonLdContextApi {
  getInitialContext(options: { processingMode?: string }): ActiveContext;
}

const contextApi = createRequire(import.meta.url)('jsonld/lib/context.js') as JsonLdContextApi;

/** The processing modes jsonld keys its initial contexts by (absent: jsonld's default, 1.1). */
const PROCESSING_MODES = [undefined, 'json-ld-1.0', 'json-ld-1.1'] as const;

/**
 * jsonld reads an active context's `protected` terms only to ask whether there is any (context
 * nullification is refused then, jsonld/lib/context.js `api.process`), and only ever adds to them;
 * so a child carries one of its parent's protected terms, which answers that question alike,
 * instead of a copy of all of them (165 under credentials v2).
 */
function anyOneOf(terms: Record<string, boolean>): Record<string, boolean> {
  for (const term in terms) return { [term]: true };
  return {};
}

function shareDefinitions(this: ActiveContext): ActiveContext {
  const { mappings } = this;
  const child = {
    mappings: mappings instanceof SharedTermDefinitions ? mappings.share() : new SharedTermDefinitions(new Map(mappings), false),
    clone: this.clone,
    inverse: null,
    getInverse: this.getInverse,
    protected: anyOneOf(this.protected),
    revertToPreviousContext: this.revertToPreviousContext,
  } as ActiveContext;
  if (this.previousContext) child.previousContext = this.previousContext;
  if ('@base' in this) child['@base'] = this['@base'];
  if ('@language' in this) child['@language'] = this['@language'];
  if ('@vocab' in this) child['@vocab'] = this['@vocab'];
  return child;
}

function initialContexts(): ActiveContext[] {
  return PROCESSING_MODES.map((processingMode) => contextApi.getInitialContext(processingMode === undefined ? {} : { processingMode }));
}

/** From now on, active contexts share their parents' term definitions. Idempotent. */
export function shareActiveContextDefinitions(): void {
  for (const initial of initialContexts()) initial.clone = shareDefinitions;
}
