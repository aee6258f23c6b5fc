/**
 * did:web: the DID names an https URL; the document there is the DID document.
 *
 * Why not web-did-resolver's driver (and why it is no dependency): web-did-resolver 2.0.32's
 * `getResolver()` takes no argument and fetches through a module-level `cross-fetch` import
 * (node-fetch in Node), so no fetch can be injected: no timeout, size cap, redirect refusal or
 * address check can be put in front of it. It builds the URL with `decodeURIComponent` on the
 * whole method-specific id, so `did:web:trusted.example%40attacker.test` fetches from
 * attacker.test and `%2F`/`%3F`/`%23` inject a path, query or fragment. And when the document's
 * `id` is not the DID it answers `notFound` but still returns the document. Those three are all it
 * does; with our URL construction, fetch and checks in their place nothing of it would run. So
 * did:web here is a did-resolver driver (the `DIDResolver` contract web-did-resolver implements)
 * with the spec's URL construction, our hardened fetch, and the `id` check as a hard failure.
 * @see https://w3c-ccg.github.io/did-method-web/#read-resolve
 */
import { isIP } from 'node:net';
import type { DIDResolutionResult, DIDResolver, ParsedDID } from 'did-resolver';
import { GxTrustError } from '../errors.js';
import { assertJsonInput } from '../json-input.js';
import { hardenedFetch, type HardenedFetchInit } from './hardened-fetch.js';
import type { DidDocument } from './types.js';

const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;
const PATH_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Hosts that are loopback by name (RFC 6761 §6.3), refused like 127.0.0.1 outside test mode. */
function isLoopbackName(host: string): boolean {
  const lower = host.toLowerCase();
  return lower === 'localhost' || lower.endsWith('.localhost');
}

/**
 * The https URL of a did:web DID's document, per the spec's Read steps:
 * "Replace ':' with '/' in the method specific identifier to obtain the fully qualified domain
 * name and optional path. If the domain contains a port percent decode the colon. [...] If no path
 * has been specified in the URL, append /.well-known. Append /did.json".
 * Only the port colon is percent-decoded: the spec decodes nothing else, and decoding more turns
 * `%40`, `%2F`, `%3F`, `%23` into URL syntax an attacker controls.
 * @see https://w3c-ccg.github.io/did-method-web/#read-resolve
 */
export function didWebUrl(did: string, options: { testMode: boolean }): URL {
  if (!did.startsWith('did:web:')) throw new GxTrustError('INVALID_DID', `${did} is not a did:web DID`);
  const [authority = '', ...segments] = did.slice('did:web:'.length).split(':');

  const hostAndPort = authority.replace(/%3A/gi, ':');
  // An IPv6 literal only appears percent-encoded ([ and ]); name it for what it is before the
  // generic escape check, so the refusal says why.
  if (/^%5B/i.test(hostAndPort)) {
    throw new GxTrustError('DID_FORBIDDEN', `${did}: did:web hosts must be domain names, not IP addresses`, {
      hint: 'The did:web spec says the method-specific identifier MUST NOT include IP addresses',
    });
  }
  if (hostAndPort.includes('%') || segments.some((segment) => segment.includes('%'))) {
    throw new GxTrustError('INVALID_DID', `${did}: only the port colon (%3A) may be percent-encoded in did:web`, {
      hint: 'did:web decodes nothing but the colon before a port; %40, %2F, %3F, %23 and the like are refused',
    });
  }
  const portMatch = /^([^:]*)(?::(\d{1,5}))?$/.exec(hostAndPort);
  const host = portMatch?.[1] ?? '';
  const port = portMatch?.[2];
  if (portMatch === null || (port !== undefined && (Number(port) < 1 || Number(port) > 65535))) {
    throw new GxTrustError('INVALID_DID', `${did}: the host may be followed by one %3A and a port number only`);
  }
  // DID syntax allows empty segments (`method-specific-id = *( *idchar ":" ) 1*idchar`), and Gaia-X
  // notaries used them (did:web:registration.lab.gaia-x.eu::development); only the last must not be
  // empty. An empty segment maps to an empty URL path segment, as the Read steps' plain ':' -> '/'
  // replacement gives: `host::path` -> https://host//path/did.json.
  // @see https://www.w3.org/TR/did-core/#did-syntax
  segments.forEach((segment, i) => {
    const empty = segment === '' && i < segments.length - 1;
    if (!empty && (!PATH_SEGMENT.test(segment) || segment === '.' || segment === '..')) {
      throw new GxTrustError('INVALID_DID', `${did}: path segment ${JSON.stringify(segment)} is not allowed`, {
        hint: segment === '' ? 'A DID may not end with a colon' : 'did:web path segments are letters, digits, ".", "_" and "-"; "." and ".." are refused',
      });
    }
  });
  // WHATWG URL parsing turns 2130706433, 0x7f.1, 127.1 into 127.0.0.1: check what it parsed to.
  if (!/^[A-Za-z0-9.-]+$/.test(host)) {
    throw new GxTrustError('INVALID_DID', `${did}: ${JSON.stringify(host)} is not a host name`);
  }
  const loopback = isLoopbackName(host) || host === '127.0.0.1';
  const scheme = options.testMode && loopback ? 'http' : 'https';
  let url: URL;
  try {
    url = new URL(`${scheme}://${host}${port === undefined ? '' : `:${port}`}/`);
  } catch (cause) {
    throw new GxTrustError('INVALID_DID', `${did}: ${JSON.stringify(host)} is not a host name`, { cause });
  }
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(hostname) !== 0) {
    if (!options.testMode) {
      throw new GxTrustError('DID_FORBIDDEN', `${did}: did:web hosts must be domain names, not IP addresses (${hostname})`, {
        hint: 'The did:web spec says the method-specific identifier MUST NOT include IP addresses',
      });
    }
  } else {
    const labels = hostname.split('.');
    if (hostname.length > 253 || labels.length < 1 || !labels.every((label) => DNS_LABEL.test(label))) {
      throw new GxTrustError('INVALID_DID', `${did}: ${JSON.stringify(host)} is not a DNS name`);
    }
    if (!options.testMode && (isLoopbackName(hostname) || labels.length < 2)) {
      throw new GxTrustError('DID_FORBIDDEN', `${did}: ${hostname} is not a public host name`);
    }
  }
  // Not through the pathname setter: a path that begins with '//' must stay a path, never an authority.
  const path = segments.length === 0 ? '/.well-known/did.json' : `/${segments.join('/')}/did.json`;
  return new URL(`${url.origin}${path}`);
}

/**
 * Parses a did:web response body. JSON.parse keeps a `__proto__` key as an own data property, and
 * nothing here merges the result into another object, so it cannot pollute a prototype.
 */
export function parseDidWebDocument(did: string, body: Buffer): DidDocument {
  let document: unknown;
  try {
    document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw new GxTrustError('DID_RESOLUTION_FAILED', `the did.json of ${did} is not UTF-8 JSON`, { cause });
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new GxTrustError('DID_RESOLUTION_FAILED', `the did.json of ${did} is not a DID document (not a JSON object)`);
  }
  try {
    assertJsonInput(document, { what: `the did.json of ${did}` });
  } catch (cause) {
    throw new GxTrustError('DID_RESOLUTION_FAILED', cause instanceof Error ? cause.message : String(cause), { cause });
  }
  const id = (document as { id?: unknown }).id;
  if (id !== did) {
    throw new GxTrustError('DID_RESOLUTION_FAILED', `the DID document served for ${did} has id ${JSON.stringify(id)}: a did:web document's id must equal the DID`);
  }
  return document as DidDocument;
}

export interface DidWebDriverOptions {
  testMode: boolean;
  fetchOptions?: Omit<HardenedFetchInit, 'testMode'>;
}

/**
 * The did:web driver in did-resolver's `DIDResolver` shape. Failures throw GxTrustError (the
 * Resolver passes rejections through), so the caller sees one typed code per failure kind rather
 * than did-resolver's untyped `notFound`.
 */
export function createDidWebDriver(options: DidWebDriverOptions): DIDResolver {
  return async (did: string, _parsed: ParsedDID): Promise<DIDResolutionResult> => {
    const url = didWebUrl(did, { testMode: options.testMode });
    const response = await hardenedFetch(url, {
      accept: 'application/did+json, application/did+ld+json;q=0.9, application/json;q=0.8',
      ...options.fetchOptions,
      testMode: options.testMode,
    });
    const didDocument = parseDidWebDocument(did, response.body);
    return {
      didDocument: didDocument as DIDResolutionResult['didDocument'],
      didDocumentMetadata: {},
      didResolutionMetadata: {
        contentType: didDocument['@context'] === undefined ? 'application/did+json' : 'application/did+ld+json',
      },
    };
  };
}
