/**
 * A self-description arrives in any of the shapes members send: unsigned credentials, a VP, a
 * VP-JWT, a list of JWTs. This turns each into the list of credential documents the validator
 * merges into one graph, remembering where each came from so findings point into what was sent.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { isObject, type JsonObject } from '../credentials/index.js';
import { GxTrustError } from '../errors.js';
import { assertJsonLimits } from '../credentials/json-limits.js';

export interface SubmittedCredential {
  document: JsonObject;
  /** JSON pointer of this credential in the request body; for a JWT, of the JWT string. */
  origin: string;
  /** True when the document was decoded from a JWT or a data: URL (its proof is not checked here). */
  decoded: boolean;
}

const JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const DATA_URL = /^data:application\/(vc|vp)(\+ld\+json|\+ld)?\+jwt,/;
const MAX_CREDENTIALS = 64;

function decodeCompact(value: string, origin: string): JsonObject {
  const jwt = value.replace(DATA_URL, '');
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
  try {
    assertJsonLimits(payload, { what: 'the JWT payload' });
  } catch (error) {
    // The pointer is into the request body: the JWT string, not a member of its payload.
    throw new GxTrustError('INVALID_INPUT', error instanceof Error ? error.message : String(error), { pointer: origin, cause: error });
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

export function submittedCredentials(body: unknown, base = ''): SubmittedCredential[] {
  let items: { item: unknown; origin: string }[];
  if (Array.isArray(body)) {
    items = body.map((item, i) => ({ item, origin: `${base}/${i}` }));
  } else if (typeof body === 'string' || (isObject(body) && body['type'] === 'EnvelopedVerifiablePresentation')) {
    const vp = typeof body === 'string' ? decodeCompact(body, base) : decodeCompact(String(body['id']), `${base}/id`);
    return submittedCredentials(isPresentation(vp) ? vp : [vp], base).map((c) => ({ ...c, decoded: true }));
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
  if (items.length > MAX_CREDENTIALS) {
    throw new GxTrustError('INVALID_INPUT', `a submission holds at most ${MAX_CREDENTIALS} credentials`, { pointer: base });
  }
  return items.map(({ item, origin }) => credentialOf(item, origin));
}
