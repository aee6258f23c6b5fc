/**
 * shareActiveContextDefinitions() (src/document-loader/active-context.ts) changes how jsonld
 * copies active contexts, so it must change nothing jsonld computes: every document below gets
 * the same canonical N-Quads and expanded form as from jsonld as published, computed in a worker
 * thread (its own jsonld, not patched). The documents enter and leave type-scoped contexts
 * (credentials, proofs, presentations holding credentials), nest contexts and protect terms.
 *
 * And it replaces a jsonld internal, so the second group pins what it relies on: the exact jsonld
 * version, one copy of it, the initial context's shape and the clone it replaces, and the ways
 * jsonld touches `mappings` and `protected`. Upgrading jsonld fails here until someone has read the
 * new lib/context.js against the patch and updated both.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { shareActiveContextDefinitions } from '../../src/document-loader/active-context.js';
// @ts-expect-error: a plain ES module helper without types
import { canonicalForms } from './canonical-forms.mjs';

const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const withoutProof = ({ proof: _proof, ...rest }: Record<string, unknown>) => rest;
const sample = (path: string) => `../fixtures/gaiax-samples/${path}`;

const eddsa = read('../vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json');
const ecdsa = read('../vectors/data-integrity/ecdsa-rdfc-2019-p256/signedECDSAP256.json');
const documents: Record<string, unknown>[] = [
  eddsa,
  withoutProof(eddsa),
  read('../vectors/data-integrity/eddsa-rdfc-2022/proofConfigDataInt.json'),
  ecdsa,
  read('../vectors/data-integrity/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json'),
  read(sample('tagus-22.10/participant-vp.json')),
  read(sample('tagus-22.10/service-offering-vp-and-compliance-credential.json'))['selfDescriptionCredential'] as Record<string, unknown>,
  read(sample('tagus-22.10/service-offering-vp-and-compliance-credential.json'))['complianceCredential'] as Record<string, unknown>,
  read(sample('danube-25.11/legal-person-claims.jsonld')),
  read(sample('danube-25.11/data-product-and-service-offering-claims.jsonld')),
  {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiablePresentation'],
    verifiableCredential: [
      { ...withoutProof(eddsa), proof: eddsa['proof'] },
      {
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
        type: ['VerifiableCredential', 'gx:LegalPerson'],
        issuer: 'did:web:issuer.example',
        credentialSubject: { id: 'did:web:member.example#lp', type: 'gx:LegalPerson', 'schema:name': 'Member GmbH', 'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' } },
      },
    ],
  },
  // Nullifying the context where credentials v2 protects its terms is refused; where nothing is
  // protected (a plain inline context), it is allowed.
  { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { '@context': null, id: 'did:web:member.example' } },
  { '@context': { name: 'https://schema.org/name' }, name: 'outer', 'https://schema.org/knows': { '@context': null, 'https://schema.org/name': 'inner' } },
];

function publishedForms(): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./canonical-forms.mjs', import.meta.url), { workerData: documents });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('shareActiveContextDefinitions()', () => {
  it('gives every document the canonical form and expansion of jsonld as published', async () => {
    const published = await publishedForms();
    shareActiveContextDefinitions();
    const initial = createRequire(import.meta.url)('jsonld/lib/context.js').getInitialContext({});
    expect(initial.clone.name).toBe('shareDefinitions');
    const ours = (await canonicalForms(documents)) as { nquads: string }[];
    expect(ours).toHaveLength(documents.length * 2);
    for (const form of ours) expect(form.nquads.length).toBeGreaterThan(0);
    expect(ours.filter((form) => /invalid context nullification/.test(form.nquads))).toHaveLength(2);
    expect(ours).toEqual(published);
  });
});

describe('the jsonld internals shareActiveContextDefinitions() relies on', () => {
  const require = createRequire(import.meta.url);
  const root = new URL('../../', import.meta.url);
  const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { dependencies: Record<string, string> };
  const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { version?: string }> };
  const jsonldLib = join(dirname(require.resolve('jsonld/package.json')), 'lib');

  it('is jsonld 9.0.0 exactly, one copy for every library that uses it', () => {
    const installed = (JSON.parse(readFileSync(join(jsonldLib, '../package.json'), 'utf8')) as { version: string }).version;
    expect(manifest.dependencies['jsonld']).toBe('9.0.0');
    expect(installed).toBe('9.0.0');
    // A second copy (a library pinning another jsonld) would have its own initial contexts,
    // unpatched, and its own process-wide context cache.
    const copies = Object.entries(lock.packages).filter(([path]) => path.endsWith('node_modules/jsonld'));
    expect(copies).toEqual([['node_modules/jsonld', expect.objectContaining({ version: '9.0.0' })]]);
  });

  it('caches one initial context per processing mode, whose clone copies every field and hands itself down', async () => {
    // A thread of its own: this file patches its own jsonld above.
    const initial = await new Promise<Record<string, unknown>>((resolve, reject) => {
      const worker = new Worker(
        `const { parentPort, workerData } = require('node:worker_threads');
         const api = require(workerData);
         const initial = api.getInitialContext({});
         parentPort.postMessage({
           fields: Object.entries(initial).map(([key, value]) => [key, value instanceof Map ? 'Map' : value === null ? 'null' : typeof value]),
           cached: api.getInitialContext({}) === initial && api.getInitialContext({ processingMode: 'json-ld-1.1' }) !== initial,
           cloneName: initial.clone.name,
           clone: initial.clone.toString(),
           childClone: initial.clone().clone === initial.clone,
         });`,
        { eval: true, workerData: join(jsonldLib, 'context.js') },
      );
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(initial['fields']).toEqual([
      ['processingMode', 'undefined'],
      ['mappings', 'Map'],
      ['inverse', 'null'],
      ['getInverse', 'function'],
      ['clone', 'function'],
      ['revertToPreviousContext', 'function'],
      ['protected', 'object'],
    ]);
    expect(initial['cached']).toBe(true);
    expect(initial['childClone']).toBe(true);
    expect(initial['cloneName']).toBe('_cloneActiveContext');
    // The fields shareDefinitions gives a child are exactly these.
    expect(String(initial['clone']).replace(/\s+/g, ' ')).toBe(
      "function _cloneActiveContext() { const child = {}; child.mappings = util.clone(this.mappings); child.clone = this.clone; " +
        "child.inverse = null; child.getInverse = this.getInverse; child.protected = util.clone(this.protected); " +
        "if(this.previousContext) { child.previousContext = this.previousContext.clone(); } " +
        "child.revertToPreviousContext = this.revertToPreviousContext; if('@base' in this) { child['@base'] = this['@base']; } " +
        "if('@language' in this) { child['@language'] = this['@language']; } if('@vocab' in this) { child['@vocab'] = this['@vocab']; } return child; }",
    );
  });

  it('reads term definitions through Map methods SharedTermDefinitions has, and protected terms only to ask whether there is any', () => {
    const sources = readdirSync(jsonldLib, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.js'))
      .map((file) => readFileSync(join(jsonldLib, file), 'utf8'));
    const mappingMethods = new Set(sources.flatMap((text) => [...text.matchAll(/\bmappings\.(\w+)/g)].map((match) => match[1])));
    expect([...mappingMethods].sort()).toEqual(['delete', 'get', 'has', 'keys', 'set']);
    // Iterated directly once (compact.js, `for(const [term, td] of activeCtx.mappings)`).
    expect(sources.join('\n').match(/ of activeCtx\.mappings\b/g)).toHaveLength(1);
    const protectedUses = sources.flatMap((text) => [...text.matchAll(/^.*\b(?:activeCtx|this|child)\.protected\b.*$/gm)].map((match) => match[0].trim()));
    expect(protectedUses).toEqual([
      "if(!overrideProtected && Object.keys(activeCtx.protected).length !== 0) {",
      "activeCtx.protected[term] = true;",
      "activeCtx.protected[term] = true;",
      "child.protected = util.clone(this.protected);",
    ]);
  });
});
