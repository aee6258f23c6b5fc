/**
 * Reading a request body, for every route that takes one: JSON (application/json,
 * application/ld+json, application/*+json) parsed strictly, a compact JWT (its media types) or an
 * SD-JWT (on the routes that list its media type) as text, anything else left unread. It does what Express's body-parser did for gx-trust, without
 * its request and response objects (most of the time of a vc+jwt verification, measured: see
 * app.ts): the limit on the wire and after decoding (GX_BODY_LIMIT_BYTES, body-limit.ts), the
 * content codings gzip, deflate and br (RFC 9110 §8.4.1; any other is 415 naming these in
 * Accept-Encoding, RFC 9110 §15.5.16), a UTF charset for JSON (RFC 8259 §8.1), and a byte-order
 * mark skipped.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { GxTrustError } from '../errors.js';
import { findJsonSyntaxError } from '../json-syntax.js';
import { declaresBodyOver } from './body-limit.js';
import { JWT_MEDIA_TYPES, SD_JWT_MEDIA_TYPES } from './parse.js';
import { ACCEPTED_CONTENT_CODINGS, bodyNotJson, bodyTooLarge } from './problem.js';

type BodyKind = 'json' | 'jwt' | 'form';

/** Which routes read a media type that is not JSON (`application/vc+jwt` -> `POST /credentials/verify`), for a 415's hint. */
export type MediaTypeReaders = ReadonlyMap<string, readonly string[]>;

/** The readers of each non-JSON media type the routes list. */
export function mediaTypeReaders(routes: readonly { method: string; path: string; request?: { mediaTypes?: readonly string[] | undefined } | undefined }[]): MediaTypeReaders {
  const readers = new Map<string, string[]>();
  for (const route of routes) {
    for (const type of route.request?.mediaTypes ?? []) {
      if (type === 'application/json') continue;
      readers.set(type, [...(readers.get(type) ?? []), `${route.method.toUpperCase()} ${route.path}`]);
    }
  }
  return readers;
}

/** OAuth 2.0 token requests (RFC 6749 §4.1.3, OpenID4VCI's token endpoint): read only where a route lists it. */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

const JSON_TYPES = new Set(['application/json', 'application/ld+json']);
/** application/*+json (RFC 6839 structured syntax suffix), e.g. application/vc+ld+json. */
const JSON_SUFFIX = /^application\/[^/\s]+\+json$/;
const JWT_TYPES = new Set(JWT_MEDIA_TYPES);
const SD_JWT_TYPES = new Set(SD_JWT_MEDIA_TYPES);
const CHARSET = /(?:^|;)\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

interface MediaType {
  kind: BodyKind;
  /** Lower case; undefined when the Content-Type names none. */
  charset: string | undefined;
}

/** What a Content-Type makes of a body: JSON, a JWT, or (undefined) nothing gx-trust reads. */
function mediaTypeOf(contentType: string | undefined, accepted: readonly string[]): MediaType | undefined {
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  const type = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  const form = type === FORM_MEDIA_TYPE && accepted.includes(FORM_MEDIA_TYPE);
  // A JWT or an SD-JWT (its disclosures and key binding JWT follow the issuer's JWT, joined by ~)
  // is text, read only by a route that lists its type: elsewhere it is 415, not a 400 from a JSON
  // schema handed a string.
  const text = (JWT_TYPES.has(type) || SD_JWT_TYPES.has(type)) && accepted.includes(type);
  const kind: BodyKind | undefined = JSON_TYPES.has(type) ? 'json' : text ? 'jwt' : JSON_SUFFIX.test(type) ? 'json' : form ? 'form' : undefined;
  if (kind === undefined) return undefined;
  if (semicolon === -1) return { kind, charset: undefined };
  const match = CHARSET.exec(contentType.slice(semicolon + 1));
  const charset = (match?.[1] ?? match?.[2])?.toLowerCase();
  return { kind, charset: charset === '' ? undefined : charset };
}

/** RFC 9112 §6.3: a request has a body when it says how it is framed. */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
}

function unsupportedCharset(charset: string): GxTrustError {
  return new GxTrustError('UNSUPPORTED_MEDIA_TYPE', `unsupported charset "${charset.toUpperCase()}"`, {
    hint: 'Send the body as UTF-8 (charset=utf-8, or no charset at all)',
  });
}

/** The text of the body's bytes in its charset (UTF-8 unless the Content-Type says otherwise). */
function decodeText(bytes: Buffer, media: MediaType): string {
  let text: string;
  if (media.charset === undefined || media.charset === 'utf-8' || media.charset === 'utf8') {
    text = bytes.toString('utf8');
  } else {
    // JSON is UTF-8 (RFC 8259 §8.1); other UTF encodings are still read, nothing else is.
    if (media.kind === 'json' && !media.charset.startsWith('utf-')) throw unsupportedCharset(media.charset);
    let decoder: TextDecoder;
    try {
      decoder = new TextDecoder(media.charset);
    } catch {
      throw unsupportedCharset(media.charset);
    }
    text = decoder.decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Strict JSON: an object or an array; an empty body is `{}`. */
function parseJson(text: string): unknown {
  if (text.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch {
    // JSON.parse names the place of some faults only: the scan names it for every one.
    throw bodyNotJson(findJsonSyntaxError(text) ?? { problem: 'Invalid JSON', line: 1, column: 1, byteOffset: 0 });
  }
  if (value === null || typeof value !== 'object') throw bodyNotJson();
  return value;
}

function decoderFor(coding: string): Transform | undefined {
  switch (coding) {
    case 'gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}

/** The error of a request stream that broke off (the client went away, or sent less than announced). */
function unreadable(): GxTrustError {
  return new GxTrustError('INVALID_INPUT', 'the request body could not be read', { pointer: '', hint: 'Send a complete body of the length Content-Length announces' });
}

/**
 * The body's bytes as sent (no content coding), refused as soon as they pass `limit`. On a refusal
 * the request is left flowing: the answer (answerThenClose) discards a bounded rest. The hot path
 * (every verification): one listener and one promise per request.
 */
function readIdentity(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        req.off('data', onData);
        reject(bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', () => reject(unreadable()));
  });
}

/** The same for a body in a content coding: refused past `limit` on the wire or once decoded. */
function readDecoded(req: IncomingMessage, limit: number, coding: string, decoder: Transform): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let received = 0;
    let settled = false;
    const settle = (error: GxTrustError | undefined): void => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      decoder.destroy();
      if (error === undefined) resolve(Buffer.concat(chunks, size));
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) settle(bodyTooLarge());
      else decoder.write(chunk);
    };
    decoder.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(bodyTooLarge());
      else chunks.push(chunk);
    });
    decoder.once('end', () => settle(undefined));
    decoder.once('error', () => {
      // zlib's message (e.g. "incorrect header check") says nothing a caller needs; the coding does.
      settle(new GxTrustError('INVALID_INPUT', `the request body is not valid ${coding} data`, {
        pointer: '',
        hint: `Compress the body as Content-Encoding: ${coding} says, or send it uncompressed`,
      }));
    });
    req.on('data', onData);
    req.once('end', () => decoder.end());
    req.once('error', () => settle(unreadable()));
  });
}

/**
 * A body in a media type gx-trust does not read, or with no Content-Type at all (curl -d sends
 * application/x-www-form-urlencoded, fetch with a string body text/plain): one 415 for every route,
 * naming the header to send. The body is not read (RFC 9110 §15.5.16).
 */
function unsupportedMediaType(contentType: string | undefined, accepted: readonly string[], readers: MediaTypeReaders): GxTrustError {
  const json = accepted.find((type) => type === 'application/json');
  const jwts = accepted.filter((type) => JWT_TYPES.has(type));
  const sdJwts = accepted.filter((type) => SD_JWT_TYPES.has(type));
  const send = [
    ...(json === undefined ? [] : ['`Content-Type: application/json` with a JSON body']),
    ...jwts.map((type) => `\`Content-Type: ${type}\` with a compact JWT`),
    ...sdJwts.map((type) => `\`Content-Type: ${type}\` with an SD-JWT (compact, ~-separated)`),
  ];
  const sent = contentType?.split(';')[0]!.trim().toLowerCase() ?? '';
  const said = sent === '' ? 'the request has a body but no Content-Type' : `Content-Type ${sent} is not read here`;
  const elsewhere = readers.get(sent) ?? [];
  return new GxTrustError('UNSUPPORTED_MEDIA_TYPE', `${said}; send ${accepted.join(' or ')}`, {
    pointer: '',
    hint: `Send ${send.join(', or ') || accepted.join(' or ')} (curl: -H 'Content-Type: ${accepted[0] ?? 'application/json'}')${elsewhere.length === 0 ? '' : `; ${sent} is read by ${elsewhere.join(', ')}`}`,
  });
}

/**
 * The body of a request as a route gets it: parsed JSON, or a JWT's text; undefined when there is
 * no body. A body of another media type is 415 naming `accepted` (the route's media types); a
 * content coding gx-trust does not decode is 415 with Accept-Encoding (set on `res`).
 */
export async function readRequestBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  accepted: readonly string[] = ['application/json'],
  readers: MediaTypeReaders = new Map(),
): Promise<unknown> {
  if (!hasBody(req)) return undefined;
  const contentType = req.headers['content-type'];
  const media = mediaTypeOf(contentType, accepted);
  if (media === undefined) {
    if (req.headers['content-length'] === '0') return undefined;
    throw unsupportedMediaType(contentType, accepted, readers);
  }
  if (declaresBodyOver(req.headers, limit)) throw bodyTooLarge();
  if (media.kind === 'json' && media.charset !== undefined && !media.charset.startsWith('utf')) throw unsupportedCharset(media.charset);
  const encoding = req.headers['content-encoding'];
  const coding = encoding === undefined ? 'identity' : encoding.trim().toLowerCase() || 'identity';
  const decoder = coding === 'identity' ? undefined : decoderFor(coding);
  if (coding !== 'identity' && decoder === undefined) {
    res.setHeader('Accept-Encoding', ACCEPTED_CONTENT_CODINGS);
    throw new GxTrustError('UNSUPPORTED_MEDIA_TYPE', `unsupported content encoding "${coding}"`, {
      hint: `Send the body uncompressed, or with Content-Encoding ${ACCEPTED_CONTENT_CODINGS.replaceAll(', ', ', or ')}`,
    });
  }
  const bytes = decoder === undefined ? await readIdentity(req, limit) : await readDecoded(req, limit, coding, decoder);
  const text = decodeText(bytes, media);
  return media.kind === 'jwt' ? text : media.kind === 'form' ? parseForm(text) : parseJson(text);
}

/** A form body as an object of strings; a parameter sent twice is refused, not silently picked (RFC 6749 §3.1). */
function parseForm(text: string): Record<string, string> {
  const form = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(text)) {
    if (form.has(name)) {
      throw new GxTrustError('INVALID_INPUT', `the form parameter "${name}" is sent more than once`, { pointer: `/${name}`, hint: 'Send each parameter once' });
    }
    form.set(name, value);
  }
  // fromEntries defines own properties (a `__proto__` parameter too), which the input walk then refuses.
  return Object.fromEntries(form);
}
