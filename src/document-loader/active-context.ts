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
 * The same installer makes jsonld reuse processed contexts across calls (the second half of this
 * file): jsonld caches them by the identity of the active context, which is a fresh clone at every
 * type-scoped context, so a credential's VerifiableCredential and BitstringStatusListEntry contexts
 * (and every scoped context they define, processed again to be validated) were processed on every
 * call: about 60 of the 95 µs the signing policy's expansion of a credential took. Here they are
 * keyed by what the active context contains; test/document-loader/processed-contexts.test.ts
 * compares every form with jsonld processing each context afresh, over sequences in several orders.
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
  /** Whether these definitions were ever written (jsonld is building a context on them). */
  written = false;

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
    this.written = true;
    this.own().set(term, definition);
    return this;
  }
  delete(term: string): boolean {
    this.written = true;
    return this.own().delete(term);
  }
  keys(): MapIterator<string> {
    return this.entries.keys();
  }
  [Symbol.iterator](): MapIterator<[string, unknown]> {
    return this.entries[Symbol.iterator]();
  }
}

interface TermDefinition {
  protected?: boolean;
}

const SETTLED = Symbol('settled');
const CLONED_FROM = Symbol('clonedFrom');
const PARENT_KEY = Symbol('parentKey');

interface ActiveContext {
  [SETTLED]?: true;
  [CLONED_FROM]?: ActiveContext;
  [PARENT_KEY]?: object;
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

interface CreateTermDefinitionArgs {
  activeCtx: ActiveContext;
  localCtx: Record<string, unknown>;
  term: string;
  defined: Map<string, boolean>;
  overrideProtected?: boolean;
}

interface JsonLdContextApi {
  getInitialContext(options: { processingMode?: string }): ActiveContext;
  createTermDefinition(args: CreateTermDefinitionArgs): void;
}

/** What jsonld caches per resolved context and active context: the processed context and the events to replay. */
interface Processed {
  context: ActiveContext;
  events: unknown[];
}

interface ResolvedContextPrototype {
  document: unknown;
  getProcessed(this: ResolvedContextPrototype, activeCtx: ActiveContext): unknown;
  setProcessed(this: ResolvedContextPrototype, activeCtx: ActiveContext, processed: unknown): void;
}

interface ContextResolverPrototype {
  resolve(this: ContextResolverPrototype, args: { context: unknown }): Promise<ResolvedContextPrototype[]>;
}

const requireJsonLd = createRequire(import.meta.url);
const contextApi = requireJsonLd('jsonld/lib/context.js') as JsonLdContextApi;
const resolvedContextPrototype = (requireJsonLd('jsonld/lib/ResolvedContext.js') as { prototype: ResolvedContextPrototype }).prototype;
const contextResolverPrototype = (requireJsonLd('jsonld/lib/ContextResolver.js') as { prototype: ContextResolverPrototype }).prototype;
const { isAbsolute } = requireJsonLd('jsonld/lib/url.js') as { isAbsolute(value: unknown): boolean };

/** The processing modes jsonld keys its initial contexts by (absent: jsonld's default, 1.1). */
const PROCESSING_MODES = [undefined, 'json-ld-1.0', 'json-ld-1.1'] as const;

/**
 * jsonld reads an active context's `protected` terms only to ask whether there is any (context
 * nullification is refused then, jsonld/lib/context.js `api.process`), and only ever adds to them;
 * so a child carries one of its parent's protected terms, which answers that question alike,
 * instead of a copy of all of them (165 under credentials v2).
 */
function anyOneOf(terms: Record<string, boolean>): Record<string, boolean> {
  // The term found first, remembered: a `for...in` over a context's protected terms enumerates all
  // 165 of credentials v2 first, on each of the clones made per node. Terms are only ever added.
  let term = protectedTermOf.get(terms);
  if (term === undefined) {
    for (const first in terms) {
      term = first;
      protectedTermOf.set(terms, term);
      break;
    }
  }
  return term === undefined ? {} : { [term]: true };
}
const protectedTermOf = new WeakMap<Record<string, boolean>, string>();

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
  const parentKey = keyOf(this);
  if (parentKey !== undefined) {
    child[CLONED_FROM] = this;
    child[PARENT_KEY] = parentKey;
  }
  return child;
}

function initialContexts(): ActiveContext[] {
  return PROCESSING_MODES.map((processingMode) => contextApi.getInitialContext(processingMode === undefined ? {} : { processingMode }));
}

// ---------------------------------------------------------------------------------------------
// Reusing processed contexts across calls.
//
// jsonld caches a processed context per resolved context (a pinned URL's document, an inline
// context) and active context, by the identity of the active context: so it finds again only the
// contexts processed against its initial context or against another cached result, that is the
// top-level `@context` of a document. A type-scoped context (VerifiableCredential's,
// BitstringStatusListEntry's in credentials v2) is processed against a fresh clone (the clone that
// keeps the previous context, made by each call) or against a fresh reverted context: missed every
// time, and processed again with every nested scoped context it defines (about 100 µs of the 110 µs
// a credential's expansion took). Here each active context gets a key that stands for its content:
// the context itself when it can no longer change (an initial context, or a processed result
// jsonld handed to setProcessed), else a token for "an unwritten clone of (the key of) its parent"
// or "that clone holding its parent as previous context". Equal keys, equal content, so the same
// processing result.
//
// Three things jsonld's cache does not key by, and which change the result, are kept out:
// - overrideProtected (a property-scoped context may redefine a protected term, a type-scoped or
//   embedded one may not): a result is kept only when it does not depend on it, that is when no
//   protected term was redefined, or each one identically and protected again (credentials v2's
//   scoped contexts redefine `id` and `type` so). jsonld 9 as published does not check this, and
//   a property-scoped redefinition cached against a cached context is then served to an embedded
//   context that must fail (test/document-loader/processed-contexts.test.ts shows it): here it fails.
// - the base IRI (a relative `@vocab`, `@import` or scoped context URL resolves against it): a
//   context that has one anywhere is processed each time (jsonld 9 as published serves the
//   `@vocab` resolved against the first document's base to every later document).
// - `@import`: jsonld keeps the merged import in the same per-context cache as the processed
//   context, by active context, and either one is then served as the other (jsonld 9 as published
//   fails to expand `{"@context": [{"@import": URL}]}` once URL was processed as a context at the
//   top level, and the other way round). Here the import is merged each time (uncachedView).
// A failed processing stores nothing (jsonld calls setProcessed only on success), so an error is
// never turned into a result: the next call processes the context again and fails again.
// ---------------------------------------------------------------------------------------------

/**
 * Marks on the context objects themselves (symbols: jsonld neither sees nor copies them, and a
 * WeakMap entry per clone cost more than the rest of the clone): SETTLED on the contexts jsonld no
 * longer writes (the initial contexts and processed results); CLONED_FROM and PARENT_KEY on a clone
 * made by shareDefinitions, the parent it copied and that parent's key then.
 */
/** The tokens standing for the clones of a key: `clone` (previous context as the parent's) and `wrap` (the parent as previous context). */
const cloneTokens = new WeakMap<object, { clone?: object; wrap?: object }>();

/** The fields shareDefinitions gives a clone, and the two jsonld adds without changing its content. */
const CLONE_FIELDS = new Set(['mappings', 'clone', 'inverse', 'getInverse', 'protected', 'revertToPreviousContext', 'previousContext', '@base', '@language', '@vocab', 'fastCurieMap']);

const sameField = (a: ActiveContext, b: ActiveContext, field: '@base' | '@language' | '@vocab'): boolean => field in a === field in b && a[field] === b[field];

/** The key standing for this context's content, or undefined when it may have been written since it was made. */
function keyOf(context: ActiveContext): object | undefined {
  if (context[SETTLED] === true) return context;
  const parent = context[CLONED_FROM];
  const parentKey = context[PARENT_KEY];
  if (parent === undefined || parentKey === undefined) return undefined;
  if (!(context.mappings instanceof SharedTermDefinitions) || context.mappings.written) return undefined;
  for (const field in context) if (!CLONE_FIELDS.has(field)) return undefined;
  if (!sameField(context, parent, '@base') || !sameField(context, parent, '@language') || !sameField(context, parent, '@vocab')) return undefined;
  let kind: 'clone' | 'wrap';
  if (context.previousContext === parent.previousContext) kind = 'clone';
  else if (context.previousContext === parent && parent.previousContext === undefined) kind = 'wrap';
  else return undefined;
  let tokens = cloneTokens.get(parentKey);
  if (tokens === undefined) {
    tokens = {};
    cloneTokens.set(parentKey, tokens);
  }
  return (tokens[kind] ??= {});
}

/**
 * Processed contexts per resolved context, by key, the oldest dropped past 16 (jsonld kept 10 per
 * context): a service meets a few top-level context combinations, and each entry holds a context
 * whose definitions were copied when written (credentials v2: about 170 of them).
 */
const processedByKey = new WeakMap<ResolvedContextPrototype, Map<object, Processed>>();
const MAX_PROCESSED_PER_CONTEXT = 16;

/** Results that depend on overrideProtected: never kept by key. */
const dependsOnOverride = new WeakSet<ActiveContext>();

/**
 * The `@import` values of the contexts scanned, and, for each context one of them names, a view of
 * it that caches nothing: what resolving that value answers, so that the merge jsonld looks up and
 * stores on it never meets a processed context (nor the other way round). A context given as that
 * one string elsewhere is processed uncached too; in an array, or imported by no one, it is kept.
 */
const importedValues = new Set<string>();
const uncachedViews = new WeakMap<ResolvedContextPrototype, ResolvedContextPrototype>();
function uncachedView(resolved: ResolvedContextPrototype): ResolvedContextPrototype {
  let view = uncachedViews.get(resolved);
  if (view === undefined) {
    view = Object.create(resolved, { getProcessed: { value: () => undefined }, setProcessed: { value: () => undefined } }) as ResolvedContextPrototype;
    uncachedViews.set(resolved, view);
  }
  return view;
}

/** Whether a context document resolves nothing against the base IRI and imports nothing (recording what it imports). */
const baseFreeDocuments = new WeakMap<object, boolean>();
function baseFree(context: unknown): boolean {
  if (typeof context === 'string') return isAbsolute(context);
  if (Array.isArray(context)) return context.every(baseFree);
  if (context === null || typeof context !== 'object') return true;
  const known = baseFreeDocuments.get(context);
  if (known !== undefined) return known;
  let free = true;
  const definitions = context as Record<string, unknown>;
  if ('@import' in definitions) {
    if (typeof definitions['@import'] === 'string') importedValues.add(definitions['@import']);
    free = false;
  }
  const vocab = definitions['@vocab'];
  if (typeof vocab === 'string' && !isAbsolute(vocab)) free = false;
  for (const key in definitions) {
    const definition = definitions[key];
    if (definition !== null && typeof definition === 'object' && '@context' in definition && !baseFree((definition as Record<string, unknown>)['@context'])) free = false;
  }
  baseFreeDocuments.set(context, free);
  return free;
}

const isProcessed = (value: unknown): value is Processed =>
  typeof value === 'object' && value !== null && 'context' in value && 'events' in value && Array.isArray((value as Processed).events);

/**
 * jsonld's comparison of a protected term's old and new definitions (jsonld/lib/context.js
 * `_deepCompare`, not exported; BSD-3-Clause, Copyright (c) 2017-2019 Digital Bazaar, Inc.),
 * copied so that a redefinition made with overrideProtected is judged as it would be without.
 * test/document-loader/active-context.test.ts pins jsonld's source of it.
 */
function deepCompare(x1: unknown, x2: unknown): boolean {
  if (!(x1 && typeof x1 === 'object') || !(x2 && typeof x2 === 'object')) return x1 === x2;
  const x1Array = Array.isArray(x1);
  if (x1Array !== Array.isArray(x2)) return false;
  if (x1Array) {
    const a2 = x2 as unknown[];
    if (x1.length !== a2.length) return false;
    for (let i = 0; i < x1.length; ++i) if (!deepCompare(x1[i], a2[i])) return false;
    return true;
  }
  const o1 = x1 as Record<string, unknown>;
  const o2 = x2 as Record<string, unknown>;
  if (Object.keys(o1).length !== Object.keys(o2).length) return false;
  for (const k1 in o1) {
    let v1 = o1[k1];
    let v2 = o2[k1];
    if (k1 === '@container' && Array.isArray(v1) && Array.isArray(v2)) {
      v1 = v1.slice().sort();
      v2 = v2.slice().sort();
    }
    if (!deepCompare(v1, v2)) return false;
  }
  return true;
}

/** Whether the local context makes `term` protected by itself (jsonld's rule in createTermDefinition). */
function protectedByItself(localCtx: Record<string, unknown>, term: string, defined: Map<string, boolean>): boolean {
  const raw = Object.prototype.hasOwnProperty.call(localCtx, term) ? localCtx[term] : undefined;
  const value = typeof raw === 'string' || raw === null ? { '@id': raw } : (raw as Record<string, unknown> | undefined);
  if (value === undefined || typeof value !== 'object') return false;
  return value['@protected'] === true || (defined.get('@protected') === true && value['@protected'] !== false);
}

/** A local context that is one frozen object (not an array, not wrapping an `@context`), which jsonld resolves as itself. */
const isFrozenLocalContext = (context: unknown): context is object =>
  typeof context === 'object' && context !== null && !Array.isArray(context) && Object.isFrozen(context) && !('@context' in context);
const resolvedFrozen = new WeakMap<object, ResolvedContextPrototype>();

function installProcessedContextReuse(): void {
  const createTermDefinition = contextApi.createTermDefinition;
  contextApi.createTermDefinition = function createTermDefinitionNotingOverride(args: CreateTermDefinitionArgs): void {
    const { activeCtx, localCtx, term, defined } = args;
    const previous = defined.has(term) ? undefined : (activeCtx.mappings.get(term) as TermDefinition | null | undefined);
    createTermDefinition(args);
    // Without overrideProtected, a protected term's redefinition fails unless identical, and is
    // made protected; with it, neither. The same result either way only when it is identical and
    // protected by itself.
    if (previous?.protected === true && !dependsOnOverride.has(activeCtx)) {
      if (!protectedByItself(localCtx, term, defined) || !deepCompare(previous, activeCtx.mappings.get(term))) dependsOnOverride.add(activeCtx);
    }
  };

  // jsonld's own get/setProcessed are not called: a context either is kept by key here or is
  // processed each time it is met.
  resolvedContextPrototype.getProcessed = function getProcessedByKey(activeCtx) {
    // Scanned here, the importing context's `@import` is known before its value is resolved.
    if (!baseFree(this.document)) return undefined;
    const key = keyOf(activeCtx);
    return key === undefined ? undefined : processedByKey.get(this)?.get(key);
  };
  resolvedContextPrototype.setProcessed = function setProcessedByKey(activeCtx, processed) {
    if (!isProcessed(processed)) return;
    processed.context[SETTLED] = true;
    if (!baseFree(this.document) || dependsOnOverride.has(processed.context)) return;
    const key = keyOf(activeCtx);
    if (key === undefined) return;
    let byKey = processedByKey.get(this);
    if (byKey === undefined) {
      byKey = new Map();
      processedByKey.set(this, byKey);
    }
    if (byKey.size >= MAX_PROCESSED_PER_CONTEXT) byKey.delete(byKey.keys().next().value!);
    byKey.set(key, processed);
  };

  const resolve = contextResolverPrototype.resolve;
  contextResolverPrototype.resolve = async function resolveNotingImports(args) {
    // A scoped context of a pinned context is a frozen object (loadPinnedContexts), resolved by
    // jsonld under its JSON text, serialized again on each call: found by identity instead.
    const { context } = args;
    const frozen = isFrozenLocalContext(context) ? resolvedFrozen.get(context) : undefined;
    if (frozen !== undefined) return [frozen];
    const resolved = await resolve.call(this, args);
    if (isFrozenLocalContext(context) && resolved.length === 1) resolvedFrozen.set(context, resolved[0]!);
    return typeof context === 'string' && importedValues.has(context) ? resolved.map(uncachedView) : resolved;
  };
}

let installed = false;

/**
 * From now on, active contexts share their parents' term definitions, and processed contexts are
 * reused across calls. Idempotent.
 */
export function shareActiveContextDefinitions(): void {
  for (const initial of initialContexts()) {
    initial.clone = shareDefinitions;
    initial[SETTLED] = true;
  }
  if (!installed) {
    installed = true;
    installProcessedContextReuse();
  }
}
