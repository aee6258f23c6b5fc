import type { z } from 'zod';
import type { RequestSpec } from './route.js';
import { GxTrustError, jsonPointer, type ProblemDetail } from '../errors.js';
import { bareDocumentKind, envelopeOf, knownKeysAt, sketchOf, suggestKey } from './request-shape.js';

/** The compact-JWT media types accepted as a raw body. */
export const JWT_MEDIA_TYPES = [
  'application/vc+jwt',
  'application/vp+jwt',
  'application/vc+ld+json+jwt',
  'application/vp+ld+json+jwt',
  'application/vc+ld+jwt',
  'application/vp+ld+jwt',
  'application/jwt',
];

/**
 * The SD-JWT media types accepted as a raw body (the compact serialization, RFC 9901 §4), each
 * read as text only by a route that lists it; another route answers 415.
 */
export const SD_JWT_MEDIA_TYPES = ['application/vc+sd-jwt', 'application/vp+sd-jwt'];

/**
 * zod issues become one problem with every fault's JSON pointer. Two mistakes get words of their
 * own: a bare credential or presentation sent where the route wraps it (`{"credential": ...}`),
 * named with the envelope; and an unknown key, pointed at itself and, when one known key of that
 * object is a likely slip of it, named ("did you mean `legalAddress`?").
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, hint?: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const bare = bareDocumentError(schema, body);
  if (bare !== undefined) throw bare;
  const errors: ProblemDetail[] = parsed.error.issues.flatMap((issue): ProblemDetail[] => {
    const path = issue.path as (string | number)[];
    if (issue.code !== 'unrecognized_keys') return [{ code: 'INVALID_INPUT', pointer: jsonPointer(path), detail: issue.message }];
    return issue.keys.map((key) => {
      const known = suggestKey(schema, path, key);
      const pointer = jsonPointer([...path, key]);
      return known === undefined
        ? { code: 'INVALID_INPUT', pointer, detail: `unknown key "${key}"`, hint: `Remove "${key}"; ${knownKeysHint(schema, path)}` }
        : { code: 'INVALID_INPUT', pointer, detail: `unknown key "${key}": did you mean "${known}"?`, hint: `Rename "${key}" to "${known}"` };
    });
  });
  const first = errors[0];
  throw new GxTrustError('INVALID_INPUT', first ? `${first.pointer || '/'}: ${first.detail}` : 'invalid request body', {
    pointer: first?.pointer ?? '',
    hint: first?.hint ?? hint ?? 'See the request schema in docs/api.md or /openapi.json',
    errors,
  });
}

function knownKeysHint(schema: z.ZodType, path: readonly (string | number)[]): string {
  const keys = [...new Set(knownKeysAt(schema, path))];
  return keys.length === 0 ? 'this object takes no other keys' : `this object takes ${keys.map((key) => `"${key}"`).join(', ')}`;
}

/** The refusal of a bare verifiable credential or presentation where the schema wants an envelope. */
function bareDocumentError(schema: z.ZodType, body: unknown): GxTrustError | undefined {
  const kind = bareDocumentKind(body);
  const envelope = envelopeOf(schema);
  if (kind === undefined || envelope === undefined || envelope.required.length === 0) return undefined;
  if (envelope.required.some((key) => Object.hasOwn(body as object, key))) return undefined;
  const wrapper = envelope.required[0]!;
  return new GxTrustError('INVALID_INPUT', `the body is a bare verifiable ${kind}; this route takes it wrapped in {"${wrapper}": ${envelope.arrays.has(wrapper) ? '[...]' : '...'}}`, {
    pointer: '',
    hint: `Send ${sketchOf(envelope, `verifiable ${kind}`)}`,
  });
}

/**
 * A request without a body on a route that needs one (a POST with `curl -X POST` and no `-d`):
 * what to send, sketched from the route's schema.
 */
export function missingBody(method: string, path: string, spec: RequestSpec): GxTrustError {
  const envelope = envelopeOf(spec.schema);
  const types = spec.mediaTypes ?? ['application/json'];
  const json = types.includes('application/json') && envelope !== undefined ? ` such as ${sketchOf(envelope, 'document')}` : '';
  return new GxTrustError('INVALID_INPUT', `${method} ${path} needs a request body`, {
    pointer: '',
    hint: `Send a body${json} with Content-Type: ${types.join(' or ')}`,
  });
}

/** A body the route reads itself (parse: 'handler'): the pipeline refused a missing one already. */
export function requireBody(body: unknown): unknown {
  if (body === undefined) throw new GxTrustError('INVALID_INPUT', 'the request needs a body', { pointer: '', hint: 'Send a JSON body with Content-Type: application/json' });
  return body;
}

/**
 * No `%00` in the path or query of any request: route parameters would decode it to U+0000 and
 * carry it to the store (PostgreSQL `text` and `jsonb` cannot hold it: it failed with a 500 there
 * and was stored by SQLite). Bodies get the same rule in their walk (json-input.ts, refuseNul),
 * with prototype keys and nesting deeper than jsonld or the SHACL engines should be asked to recurse.
 */
export function assertRequestTarget(target: string): void {
  if (target.includes('%00')) {
    throw new GxTrustError('INVALID_INPUT', 'the request path or query holds %00 (U+0000)', {
      hint: 'Remove the NUL character: no identifier may contain it',
    });
  }
}
