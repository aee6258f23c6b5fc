// The canonical N-Quads and expanded form of each document, from this thread's jsonld with the
// closed contexts of contexts/ (plus the W3C examples context of the test vectors). Run as a worker
// thread by active-context.test.ts, it is jsonld as published: nothing here shares definitions or
// reuses processed contexts by key (and, asked to, it reuses no processed context at all).
import { readFileSync } from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import jsonld from 'jsonld';

const root = new URL('../../', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('contexts/manifest.json', root), 'utf8'));
const contexts = new Map(manifest.contexts.map((entry) => [entry.url, JSON.parse(readFileSync(new URL(`contexts/${entry.file}`, root), 'utf8'))]));
contexts.set('https://www.w3.org/ns/credentials/examples/v2', JSON.parse(readFileSync(new URL('test/vectors/data-integrity/contexts/credentials-examples-v2.jsonld', root), 'utf8')));

const documentLoader = async (url) => {
  const document = contexts.get(url);
  if (document === undefined) throw new Error(`no context ${url}`);
  return { contextUrl: null, documentUrl: url, document, tag: 'static' };
};

// Safe mode as the service runs it, and without it: a sample with a term no context defines
// fails the one (with that error compared) and is still expanded by the other.
// A refusal is a form too: the same error must come out.
const refusal = (error) => `${error.name}: ${error.message} ${error.details?.code ?? ''} ${JSON.stringify(error.details?.event?.details ?? {})}`;

async function formsOf(document, base) {
  const options = base === undefined ? { documentLoader } : { documentLoader, base };
  return {
    safe: await jsonld.canonize(document, { algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: true, ...options }).catch(refusal),
    nquads: await jsonld.canonize(document, { algorithm: 'RDFC-1.0', format: 'application/n-quads', safe: false, ...options }).catch(refusal),
    expanded: await jsonld.expand(document, { safe: false, ...options }).catch(refusal),
  };
}

export async function canonicalForms(documents) {
  const forms = [];
  // Twice each: the second time every context comes processed from jsonld's caches.
  for (const document of [...documents, ...documents]) forms.push(await formsOf(document));
  return forms;
}

/** The forms of `{ document, base? }` entries, in their order: caches filled by one serve the next. */
export async function sequenceForms(entries) {
  const forms = [];
  for (const { document, base } of entries) forms.push(await formsOf(document, base));
  return forms;
}

if (!isMainThread) {
  if (Array.isArray(workerData)) {
    parentPort.postMessage(await canonicalForms(workerData));
  } else {
    // Without any processed context cache: every context is processed again where it is met,
    // which is what the JSON-LD algorithms say (jsonld's caches must change nothing).
    if (workerData.cacheFree) {
      const { createRequire } = await import('node:module');
      const ResolvedContext = createRequire(import.meta.url)('jsonld/lib/ResolvedContext.js');
      ResolvedContext.prototype.getProcessed = () => undefined;
    }
    parentPort.postMessage(await sequenceForms(workerData.entries));
  }
}
