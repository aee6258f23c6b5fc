/**
 * A self-description arrives in any of the shapes members send: unsigned credentials, a VP, a
 * VP-JWT, a list of JWTs. This turns each into the list of credential documents the validator
 * merges into one graph, remembering where each came from so findings point into what was sent.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { dataUrlContent } from '../credentials/enveloped.js';
import { isObject, type JsonObject } from '../credentials/index.js';
import { jsonLdInputFaults } from '../document-loader/index.js';
import { GxTrustError } from '../errors.js';
import { problemOf } from '../json-input.js';
import { graphTooLarge, SUBMISSION_LIMITS } from './submission-limits.js';

export interface SubmittedCredential {
  document: JsonObject;
  /** JSON pointer of this credential in the request body; for a JWT, of the JWT string. */
  origin: string;
  /** True when the document was decoded from a JWT or a data: URL (its proof is not checked here). */
  decoded: boolean;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
/**
 * The media types of an envelope's data: URL that hold a compact JWT: the VC-JOSE-COSE ones, their
 * older `+ld+json` spellings, and RFC 7519's generic one, which the VCDM 2.0 suite's `vp_jwt`
 * envelope uses (read as POST /compliance reads it, compliance/submission.ts).
 */
const JWT_DATA_TYPES = ['application/vc+jwt', 'application/vp+jwt', 'application/vc+ld+json+jwt', 'application/vp+ld+json+jwt', 'application/vc+ld+jwt', 'application/vp+ld+jwt', 'application/jwt'];

function decodeCompact(value: string, origin: string): JsonObject {
  const content = value.startsWith('data:') ? dataUrlContent(value, JWT_DATA_TYPES) : undefined;
  const jwt = content === undefined ? value : content.base64 ? content.bytes.toString('utf8') : content.text;
  if (!JWT.test(jwt)) {
    throw new GxTrustError('UNSUPPORTED_FORMAT', 'not a compact JWT or a data: URL holding one', { pointer: origin });
  }
  let payload: JsonObject;
  try {
    decodeProtectedHeader(jwt);
    payload = decodeJwt(jwt) as JsonObject;
  } catch (cause) {
    throw new GxTrustError('INVALID_INPUT', 'the JWT does not decode to a JSON payload', { pointer: origin, cause });
  }
  // What the body-level check saw was a string: the payload gets the same check, and the pinned
  // contexts, here. The pointer names the JWT; the detail says where inside its payload.
  const fault = jsonLdInputFaults(payload)[0];
  if (fault !== undefined) {
    throw problemOf({ ...fault, pointer: origin, detail: `in the JWT payload at ${fault.pointer || '/'}: ${fault.detail}` });
  }
  return payload;
}

function credentialOf(item: unknown, origin: string): SubmittedCredential {
  if (typeof item === 'string') return { document: decodeCompact(item, origin), origin, decoded: true };
  if (isObject(item) && item['type'] === 'EnvelopedVerifiableCredential' && typeof item['id'] === 'string') {
    return { document: decodeCompact(item['id'], `${origin}/id`), origin, decoded: true };
  }
  if (isObject(item)) return { document: item, origin, decoded: false };
  throw new GxTrustError('INVALID_INPUT', 'a credential is a JSON object, a compact JWT or an enveloped credential', { pointer: origin });
}

function isPresentation(document: JsonObject): boolean {
  const type = document['type'];
  return type === 'VerifiablePresentation' || (Array.isArray(type) && type.includes('VerifiablePresentation'));
}

/**
 * Every credential of the submission, with where it came from. Contexts are checked here, in the
 * body as sent, before anything is expanded: a `did:` or any other unpinned context anywhere is a
 * 400 CONTEXT_NOT_ALLOWED pointing at it (the validator, given documents, reports it as a finding).
 */
export function submittedCredentials(body: unknown, base = ''): SubmittedCredential[] {
  if (typeof body === 'object' && body !== null) {
    const fault = jsonLdInputFaults(body)[0];
    if (fault !== undefined) throw problemOf({ ...fault, pointer: base + (fault.pointer ?? '') });
  }
  return collect(body, base);
}

function collect(body: unknown, base: string): SubmittedCredential[] {
  let items: { item: unknown; origin: string }[];
  if (Array.isArray(body)) {
    items = body.map((item, i) => ({ item, origin: `${base}/${i}` }));
  } else if (typeof body === 'string' || (isObject(body) && body['type'] === 'EnvelopedVerifiablePresentation')) {
    const vp = typeof body === 'string' ? decodeCompact(body, base) : decodeCompact(String(body['id']), `${base}/id`);
    return collect(isPresentation(vp) ? vp : [vp], base).map((c) => ({ ...c, decoded: true }));
  } else if (isObject(body) && isPresentation(body)) {
    const held = body['verifiableCredential'];
    const list = Array.isArray(held) ? held : held === undefined ? [] : [held];
    items = list.map((item, i) => ({ item, origin: Array.isArray(held) ? `${base}/verifiableCredential/${i}` : `${base}/verifiableCredential` }));
  } else if (isObject(body)) {
    items = [{ item: body, origin: base }];
  } else {
    throw new GxTrustError('INVALID_INPUT', 'send credentials, a presentation, a VP-JWT or a list of JWTs', { pointer: base });
  }
  if (items.length === 0) {
    throw new GxTrustError('INVALID_INPUT', 'the submission holds no credential', { pointer: base });
  }
  const over = items[SUBMISSION_LIMITS.credentials];
  if (over !== undefined) throw graphTooLarge('credentials', items.length, over.origin);
  return items.map(({ item, origin }) => credentialOf(item, origin));
}
