import type { z } from 'zod';
import { GxTrustError, jsonPointer } from '../errors.js';

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

/** zod issues become one problem with every fault's JSON pointer. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown, hint?: string): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const errors = parsed.error.issues.map((issue) => ({
    code: 'INVALID_INPUT' as const,
    pointer: jsonPointer(issue.path as (string | number)[]),
    detail: issue.message,
  }));
  const first = errors[0];
  throw new GxTrustError('INVALID_INPUT', first ? `${first.pointer || '/'}: ${first.detail}` : 'invalid request body', {
    pointer: first?.pointer ?? '',
    hint: hint ?? 'See the request schema in docs/api.md or /openapi.json',
    errors,
  });
}

/** A body that must be JSON or a compact JWT; undefined means the Content-Type was neither. */
export function requireBody(body: unknown): unknown {
  if (body === undefined) {
    throw new GxTrustError('UNSUPPORTED_MEDIA_TYPE', 'send application/json, or a compact JWT as application/vc+jwt or application/vp+jwt', {
      hint: 'Set the Content-Type header',
    });
  }
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
