/**
 * What every peer test needs from the service under test: a JSON-LD document loader of the kind a
 * peer's own deployment would write (a security document loader), serving the contexts gx-trust
 * pins, the service's DID document and its verification methods as the service publishes them
 * over loopback HTTP, did:key documents of the peers' own keys, and status list credentials
 * fetched from the service. Nothing here calls gx-trust's verifier: the peer decides on its own.
 */
import { expect } from 'vitest';
import { pinnedContexts } from '../../src/document-loader/index.js';
import { postJson, type RunningService } from '../helpers/service.js';

export const VCDM2 = 'https://www.w3.org/ns/credentials/v2';

export interface PeerDocumentLoader {
  (url: string): Promise<{ contextUrl: null; documentUrl: string; document: any }>;
  /** Makes a did:key document (and its one method) known, as a peer's did:key driver would. */
  addDidKey(did: string, verificationMethod: Record<string, unknown>, context: string[]): void;
}

/** Fetches `didWebUrl` (the service's /.well-known/did.json) once and serves it by DID and by method id. */
export async function peerDocumentLoader(didWebUrl: string): Promise<PeerDocumentLoader> {
  const response = await fetch(didWebUrl);
  if (!response.ok) throw new Error(`${didWebUrl}: ${response.status}`);
  const didDocuments = new Map<string, any>();
  const add = (document: any) => didDocuments.set(document.id, document);
  add(await response.json());
  const contexts = pinnedContexts();

  const loader = (async (url: string) => {
    const answer = (document: unknown) => ({ contextUrl: null, documentUrl: url, document: structuredClone(document) });
    if (contexts.has(url)) return answer(contexts.get(url));
    if (url.startsWith('did:')) {
      const [did = '', fragment] = url.split('#');
      const document = didDocuments.get(did);
      if (document === undefined) throw new Error(`peer loader: unknown DID ${did}`);
      if (fragment === undefined) return answer(document);
      const method = document.verificationMethod.find((vm: { id: string }) => vm.id === url);
      if (method === undefined) throw new Error(`peer loader: ${url} is not in ${did}'s document`);
      return answer({ '@context': document['@context'], ...method });
    }
    // Status list credentials: fetched from the service as any verifier fetches them.
    if (url.startsWith('http://127.0.0.1:') || url.startsWith('http://localhost:')) {
      const fetched = await fetch(url, { headers: { accept: 'application/json' } });
      if (!fetched.ok) throw new Error(`peer loader: ${url} answered ${fetched.status}`);
      return answer(await fetched.json());
    }
    throw new Error(`peer loader: ${url} is neither a pinned context, a known DID nor a loopback URL`);
  }) as PeerDocumentLoader;
  loader.addDidKey = (did, verificationMethod, context) => {
    add({ '@context': context, id: did, verificationMethod: [verificationMethod], assertionMethod: [verificationMethod['id']], authentication: [verificationMethod['id']] });
  };
  return loader;
}

/** A copy of `credential` whose subject says something else than what was signed. */
export function tampered<T>(credential: T): T {
  const copy = structuredClone(credential) as any;
  copy.credentialSubject = { ...copy.credentialSubject, id: 'did:web:mallory.example' };
  return copy;
}

/** A credential body for the service to issue, with a claim a tamperer would change. */
export function credentialBody(issuer?: string): Record<string, unknown> {
  return {
    '@context': [VCDM2],
    type: ['VerifiableCredential'],
    ...(issuer === undefined ? {} : { issuer }),
    credentialSubject: { id: 'did:web:member.example' },
  };
}

/** A credential gx-trust issues over its VC-API, as the admin naming the service's did:web, with these options (201 or the test fails). */
export async function issuedByGxTrust(svc: RunningService, options: Record<string, unknown>): Promise<any> {
  const answer = await postJson(`${svc.url}/credentials/issue`, { credential: credentialBody(svc.service.keyring.did), options }, { authorization: `Bearer ${svc.apiKey}` });
  expect(answer.status, answer.text).toBe(201);
  return answer.body.verifiableCredential;
}
