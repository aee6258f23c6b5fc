/**
 * shareActiveContextDefinitions() also reuses processed contexts across calls, by a key standing
 * for the active context's content (src/document-loader/active-context.ts). That must change
 * nothing jsonld computes: over sequences of documents in several orders (so that each document
 * meets caches filled by the others), with type-scoped and property-scoped contexts nested in each
 * other, `@propagate`, protected terms redefined (allowed, refused, identical), nullification,
 * inline contexts, `@import`, a relative `@vocab` under two bases, and failures between successes,
 * every canonical form, safe-mode canonical form and expansion equals that of jsonld processing
 * every context afresh (a worker thread whose jsonld reuses no processed context).
 *
 * Not jsonld as published: its own cache, keyed by active context alone, serves a property-scoped
 * redefinition of a protected term (allowed there) to an embedded context that must refuse it. The
 * second test shows that sequence, and that it fails here every time.
 *
 * The third group pins the jsonld internals the reuse relies on.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import jsonld from 'jsonld';
import { beforeAll, describe, expect, it } from 'vitest';
import { shareActiveContextDefinitions } from '../../src/document-loader/active-context.js';
import { createDocumentLoader } from '../../src/document-loader/index.js';
// @ts-expect-error: a plain ES module helper without types
import { sequenceForms } from './canonical-forms.mjs';

type Json = Record<string, unknown>;
interface Entry {
  document: Json;
  base?: string;
}
interface Forms {
  safe: string;
  nquads: string;
  expanded: unknown;
}

const read = (path: string): Json => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Json;
const V2 = 'https://www.w3.org/ns/credentials/v2';
const GX = 'https://w3id.org/gaia-x/development#';
const EX = 'https://ex.org/';

/** A recorded issuance's credential: VerifiableCredential and BitstringStatusListEntry type-scoped contexts, Gaia-X terms. */
const recorded = (i: number): Json => ({
  '@context': [V2, GX],
  type: ['VerifiableCredential'],
  issuer: 'did:web:localhost%3A8080',
  id: `urn:uuid:${i}`,
  credentialStatus: [
    { id: `https://localhost:8080/status/1#${i}`, type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: String(i), statusListCredential: 'https://localhost:8080/status/1' },
  ],
  credentialSubject: { id: `did:web:member-${i}.example`, 'gx:countryCode': 'DE', 'gx:legalName': 'Example Member GmbH' },
});

const eddsa = read('../vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json');
/** A term whose property-scoped context redefines the protected `id`: allowed where the term is used. */
const redefiningTerm = { ex: EX, foo: { '@id': 'ex:foo', '@context': { id: 'ex:evilId' } } };

const documents: Record<string, Json> = {
  recorded: recorded(1),
  recordedAgain: recorded(2),
  eddsa,
  presentation: {
    '@context': [V2, GX],
    type: ['VerifiablePresentation'],
    verifiableCredential: [
      eddsa,
      { '@context': [V2, GX], type: ['VerifiableCredential', 'gx:LegalPerson'], issuer: 'did:web:issuer.example', credentialSubject: { id: 'did:web:m.example#lp', type: 'gx:LegalPerson', 'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' } } },
      recorded(3),
    ],
  },
  // Property-scoped contexts nested in property-scoped contexts, under a type-scoped one.
  nestedPropertyScoped: {
    '@context': [V2, { ex: EX, knows: { '@id': 'ex:knows', '@context': { name: 'ex:knowsName', friend: { '@id': 'ex:friend', '@context': { name: 'ex:friendName' } } } } }],
    type: ['VerifiableCredential'],
    issuer: 'did:web:i.example',
    credentialSubject: { id: 'did:web:s.example', knows: { name: 'A', friend: { name: 'B', knows: { name: 'C' } } } },
  },
  // A type-scoped context that propagates, a property-scoped one that does not.
  propagation: {
    '@context': [
      V2,
      { ex: EX, Thing: { '@id': 'ex:Thing', '@context': { '@propagate': true, label: 'ex:thingLabel' } }, local: { '@id': 'ex:local', '@context': { '@propagate': false, label: 'ex:localLabel' } }, label: 'ex:label' },
    ],
    type: ['VerifiableCredential'],
    issuer: 'did:web:i.example',
    credentialSubject: { id: 'did:web:s.example', type: 'Thing', label: 'x', 'ex:child': { label: 'y' }, local: { label: 'z', 'ex:child': { label: 'w' } } },
  },
  embeddedNoPropagate: { '@context': { ex: EX, name: 'ex:name' }, name: 'top', 'ex:sub': { '@context': { '@propagate': false, name: 'ex:subName' }, name: 'sub', 'ex:deeper': { name: 'deeper' } } },
  // A type-scoped context on a type of the inline context, entered twice with different nodes between.
  typeScopedInline: {
    '@context': [V2, { ex: EX, Widget: { '@id': 'ex:Widget', '@context': { part: { '@id': 'ex:part', '@type': '@id' }, Gear: { '@id': 'ex:Gear', '@context': { teeth: 'ex:teeth' } } } } }],
    type: ['VerifiableCredential'],
    issuer: 'did:web:i.example',
    credentialSubject: [
      { id: 'urn:w:1', type: 'Widget', part: 'urn:p:1', 'ex:has': { type: 'Gear', teeth: 12 } },
      { id: 'urn:w:2', type: ['Widget', 'ex:Other'], part: 'urn:p:2' },
    ],
  },
  protectedRedefinedTopLevel: { '@context': [V2, { id: 'https://ex.org/evil' }], id: 'x' },
  protectedRedefinedByProperty: { '@context': [V2, redefiningTerm], foo: { id: 'x' } },
  protectedRedefinedEmbedded: { '@context': [V2, redefiningTerm], type: ['VerifiableCredential'], credentialSubject: { '@context': { id: 'ex:evilId' }, id: 'x' } },
  protectedRedefinedAfterProperty: { '@context': [V2, redefiningTerm, { id: 'ex:evilId' }], id: 'y' },
  protectedRedefinedInTypeScope: {
    '@context': [V2, { ex: EX, Evil: { '@id': 'ex:Evil', '@context': { type: 'ex:notType' } } }],
    type: ['VerifiableCredential'],
    credentialSubject: { type: 'Evil', id: 'urn:e' },
  },
  identicalProtected: { '@context': [V2, { '@protected': true, id: '@id', type: '@type' }], type: ['VerifiableCredential'], id: 'urn:x' },
  identicalUnprotected: { '@context': [V2, { id: '@id' }], type: ['VerifiableCredential'], id: 'urn:y' },
  nullificationRefused: { '@context': [V2], type: ['VerifiableCredential'], credentialSubject: { '@context': null, id: 'did:web:member.example' } },
  nullificationByProperty: { '@context': [V2, { ex: EX, free: { '@id': 'ex:free', '@context': null } }], free: { 'https://ex.org/p': 'v', id: 'urn:z' } },
  nullificationThenInline: { '@context': { name: 'https://schema.org/name' }, name: 'outer', 'https://schema.org/knows': { '@context': [null, { nick: 'https://ex.org/nick' }], nick: 'inner' } },
  unknownContext: { '@context': [V2, 'https://example.com/not-pinned'], id: 'urn:a' },
  invalidVocab: { '@context': [V2, { '@vocab': 5 }], id: 'urn:b' },
  imported: { '@context': [{ '@import': GX, extra: 'https://ex.org/extra' }], 'gx:legalName': 'n', extra: 'e' },
  gxAfterImport: { '@context': [GX], 'gx:legalName': 'n' },
};

const relativeVocab = { '@context': { '@vocab': 'terms/' }, a: 1, b: { c: 2 } };
const named = Object.entries(documents).map(([name, document]) => ({ name, document }));
const forward: Entry[] = [
  ...named.map(({ document }) => ({ document })),
  { document: relativeVocab, base: 'https://a.example/doc' },
  { document: relativeVocab, base: 'https://b.example/doc' },
];
// Each document meets the caches the others filled, in three orders.
const sequence: Entry[] = [...forward, ...[...forward].reverse(), ...forward.filter((_, i) => i % 2 === 0), ...forward.filter((_, i) => i % 2 === 1)];

function referenceForms(entries: Entry[], cacheFree: boolean): Promise<Forms[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./canonical-forms.mjs', import.meta.url), { workerData: { entries, cacheFree } });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

const jsonldRequire = createRequire(import.meta.url);
const jsonldLib = join(dirname(jsonldRequire.resolve('jsonld/package.json')), 'lib');
const contextApi = jsonldRequire('jsonld/lib/context.js') as { createTermDefinition: (args: unknown) => void };

describe('processed contexts reused across calls', () => {
  beforeAll(() => shareActiveContextDefinitions());

  it('give every document, in every order, the forms of jsonld processing each context afresh', async () => {
    const reference = await referenceForms(sequence, true);
    const ours = (await sequenceForms(sequence)) as Forms[];
    expect(ours).toHaveLength(sequence.length);
    for (let i = 0; i < sequence.length; i++) {
      const name = named.find(({ document }) => document === sequence[i]!.document)?.name ?? `relative @vocab, ${sequence[i]!.base}`;
      expect({ at: i, name, ...ours[i] }).toEqual({ at: i, name, ...reference[i] });
    }
    const refusals = (code: string) => ours.filter((form) => typeof form.expanded === 'string' && form.expanded.includes(code)).length;
    // Each refused document is refused in each of its three runs (forward, reversed, by halves).
    expect(refusals('protected term redefinition')).toBe(4 * 3);
    expect(refusals('invalid context nullification')).toBe(3);
    expect(refusals('loading remote context failed')).toBe(3);
    expect(refusals('invalid vocab mapping')).toBe(3);
    // The relative @vocab resolves against each base, not the first one met.
    const vocabForms = ours.filter((_, i) => sequence[i]!.document === relativeVocab).map((form) => JSON.stringify(form.expanded));
    expect(vocabForms.filter((form) => form.includes('https://a.example/terms/a'))).toHaveLength(3);
    expect(vocabForms.filter((form) => form.includes('https://b.example/terms/a'))).toHaveLength(3);
  });

  it('refuse an embedded redefinition of a protected term every time, after the same redefinition was allowed by a property-scoped context', async () => {
    const bug: Entry[] = [
      { document: documents['protectedRedefinedAfterProperty']! },
      { document: documents['protectedRedefinedByProperty']! },
      { document: documents['protectedRedefinedAfterProperty']! },
      { document: documents['protectedRedefinedAfterProperty']! },
    ];
    const ours = (await sequenceForms(bug)) as Forms[];
    for (const form of ours.filter((_, i) => i !== 1)) expect(form.expanded).toMatch(/protected term redefinition/);
    expect(ours[1]!.expanded).toEqual([{ 'https://ex.org/foo': [{ 'https://ex.org/evilId': [{ '@value': 'x' }] }] }]);
    // jsonld as published keys its cache by active context only, and serves the allowed
    // redefinition to the context that must refuse it.
    const published = await referenceForms(bug, false);
    expect(published[0]!.expanded).toMatch(/protected term redefinition/);
    expect(published[2]!.expanded).toEqual([{ 'https://ex.org/evilId': [{ '@value': 'y' }] }]);
  });

  it('process no context again when a credential with the same contexts is expanded', async () => {
    const documentLoader = createDocumentLoader();
    const original = contextApi.createTermDefinition;
    let definitions = 0;
    contextApi.createTermDefinition = (args: unknown) => {
      definitions++;
      original(args);
    };
    // Contexts no other test here met: the first expansion processes them.
    const credential = (i: number) => ({ ...recorded(i), '@context': [V2, GX, { note: 'https://ex.org/note-only-here' }] });
    try {
      const first = await jsonld.expand(credential(10), { documentLoader, safe: false });
      const processedFirst = definitions;
      definitions = 0;
      const second = await jsonld.expand(credential(11), { documentLoader, safe: false });
      expect({ processedFirst: processedFirst > 0, processedSecond: definitions }).toEqual({ processedFirst: true, processedSecond: 0 });
      expect(JSON.stringify(second).replaceAll('11', '10')).toBe(JSON.stringify(first));
    } finally {
      contextApi.createTermDefinition = original;
    }
  });
});

describe('the jsonld internals processed-context reuse relies on', () => {
  const source = (file: string) => readFileSync(join(jsonldLib, file), 'utf8');
  const flat = (text: string) => text.replace(/\s+/g, ' ');

  it('are these exact files: a change to any of them is read against active-context.ts first', () => {
    const digests = Object.fromEntries(['context.js', 'ContextResolver.js', 'ResolvedContext.js'].map((file) => [file, createHash('sha256').update(source(file)).digest('hex')]));
    expect(digests).toEqual({
      'context.js': 'eaa538a319076e8750299817ae51cd253bcea2a3aa1fdf15c15297aedcf720af',
      'ContextResolver.js': '2f8e65f3d73c5309e4312e7e81da427533745b800030f591a55056c69d1d3bf6',
      'ResolvedContext.js': 'a63af18a67418c8bb49dd34be25a69c9868becfeeb516da96ad7d0dcca6e00ba',
    });
  });

  it('look processed contexts up per resolved context by active context, store only successes, and the import merge in the same cache', () => {
    const resolved = flat(source('ResolvedContext.js'));
    expect(resolved).toContain('getProcessed(activeCtx) { return this.cache.get(activeCtx); }');
    expect(resolved).toContain('setProcessed(activeCtx, processedCtx) { this.cache.set(activeCtx, processedCtx); }');
    const context = flat(source('context.js'));
    // The only lookups and stores: the processing loop (a success, after every term is defined)
    // and the import merge, on the imported context, just after resolving the `@import` value.
    expect(context.match(/\.(?:get|set)Processed\(/g)).toHaveLength(4);
    expect(context).toContain('const processed = resolvedContext.getProcessed(activeCtx); if(processed) {');
    expect(context).toContain('rval = activeCtx = processed.context; continue; }');
    expect(context).toContain('resolvedContext.setProcessed(activeCtx, { context: rval, events }); } return rval; };');
    expect(context).toContain("const resolvedImport = await options.contextResolver.resolve({ activeCtx, context: value, documentLoader: options.documentLoader, base: options.base }); if(resolvedImport.length !== 1) {");
    expect(context).toContain('const processedImport = resolvedImport[0].getProcessed(activeCtx);');
    expect(context).toContain('resolvedImport[0].setProcessed(activeCtx, ctx);');
    // The clone that keeps the previous context, the one made per non-propagating call.
    expect(context).toContain('if(!propagate && !rval.previousContext) { // clone `rval` context before updating rval = rval.clone(); rval.previousContext = activeCtx; }');
    // Term definitions go through `api.` (so the wrapper sees them), overrideProtected reaching them as given.
    expect(context.match(/api\.createTermDefinition\(\{/g)).toHaveLength(4);
    expect(context).toContain('api.createTermDefinition({ activeCtx: rval, localCtx: ctx, term: key, defined, options, overrideProtected });');
    expect(context).toContain('if(previousMapping && previousMapping.protected && !overrideProtected) {');
    // Options the processed result depends on, beside the active context: the base IRI here only.
    expect([...context.matchAll(/options\.base/g)]).toHaveLength(6);
  });

  it('write an active context only while building it in api.process, and the inverse jsonld derives lazily', () => {
    const writes = [...source('context.js').matchAll(/^.*(?:\b(?:activeCtx|rval)(?:\.\w+|\[[^\]]+\])+\s*=(?!=)|\bdelete (?:activeCtx|rval)\b).*$/gm)].map((match) => match[0].trim());
    expect(writes).toEqual([
      'rval.previousContext = activeCtx;',
      "rval.processingMode = 'json-ld-1.1';",
      "rval['@version'] = ctx['@version'];",
      'rval.processingMode =',
      "rval['@base'] = base;",
      "delete rval['@vocab'];",
      "rval['@vocab'] = vocab;",
      "delete rval['@language'];",
      "rval['@language'] = value.toLowerCase();",
      "delete rval['@direction'];",
      "rval['@direction'] = value;",
      'activeCtx.protected[term] = true;',
      'activeCtx.protected[term] = true;',
      'const inverse = activeCtx.inverse = {};',
      'const fastCurieMap = activeCtx.fastCurieMap = {};',
    ]);
    // expand.js and compact.js write no active context (their `rval` is a node being built).
    for (const file of ['expand.js', 'compact.js']) {
      expect(source(file).match(/\b(?:activeCtx|termCtx|typeScopedContext)(?:\.\w+|\[[^\]]+\])+\s*=(?!=)/g)).toBeNull();
    }
  });

  it('resolve one object context to one resolved context, under its JSON text', () => {
    const resolver = flat(source('ContextResolver.js'));
    expect(resolver).toContain('const key = JSON.stringify(ctx); let resolved = this._get(key); if(!resolved) { // create a new static `ResolvedContext` and cache it resolved = new ResolvedContext({document: ctx}); this._cacheResolvedContext({key, resolved, tag: \'static\'}); } allResolved.push(resolved);');
    expect(resolver).toContain("if(context && _isObject(context) && context['@context']) { context = context['@context']; }");
  });

  it('compare a protected term’s definitions with the _deepCompare active-context.ts copies', () => {
    const context = source('context.js');
    // The last function of the file, as it was when copied.
    const start = context.indexOf('function _deepCompare(x1, x2) {');
    expect(createHash('sha256').update(context.slice(start)).digest('hex')).toBe('3278446db79d6eeb406c6b0a59a242dbfbc2f2882408516d51da715c19fa0cd6');
  });
});
