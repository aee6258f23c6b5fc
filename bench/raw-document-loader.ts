/**
 * The document loader the raw @digitalbazaar/vc baseline runs with: gx-trust's pinned contexts plus
 * the issuer's DID document and its verification methods, resolved once before the measurement.
 *
 * Why: gx-trust's own loader resolves no DID (the verifier hands jsonld-signatures the one method a
 * proof names, already bound to the issuer), so given to @digitalbazaar/vc alone it refuses the
 * proof's `verificationMethod` URL with CONTEXT_NOT_ALLOWED and the baseline "verifies" nothing.
 * A deployment of @digitalbazaar/vc resolves DIDs through a cached resolver; serving the resolved
 * documents from memory is that resolver's warm path, so the baseline stays the library's own work.
 */
import type { DocumentLoader, RemoteDocument } from '../src/document-loader/index.js';

interface DidDocument {
  '@context'?: unknown;
  id: string;
  verificationMethod?: { id: string }[];
}

export function rawDocumentLoader(contexts: DocumentLoader, didDocument: DidDocument): (url: string) => Promise<RemoteDocument> {
  const documents = new Map<string, unknown>([[didDocument.id, didDocument]]);
  for (const method of didDocument.verificationMethod ?? []) {
    // Relative ids (`#key-1`) are resolved against the DID, as a DID URL dereferencer does.
    const id = method.id.startsWith('#') ? `${didDocument.id}${method.id}` : method.id;
    documents.set(id, { '@context': didDocument['@context'], ...method, id });
  }
  return async (url) => {
    const document = documents.get(url);
    if (document !== undefined) return { contextUrl: null, documentUrl: url, document };
    return contexts(url);
  };
}
