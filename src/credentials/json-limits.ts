/**
 * Limits on JSON gx-trust did not write, checked in one walk right after parsing.
 *
 * Depth: JSON.parse itself handles any nesting, but the walks that follow it (zod, structuredClone,
 * deepFreeze, JSON-LD expansion, SHACL graphs) recurse and overflow the stack, which surfaces as a
 * RangeError and a 500.
 *
 * U+0000 (request bodies): PostgreSQL `text` and `jsonb` cannot hold it (SQLSTATE 22021 / 22P05),
 * so an id, a slug or a claim carrying one failed with a 500 on PostgreSQL and was stored on
 * SQLite. No identifier or claim needs it; refusing it where the request arrives makes both stores
 * answer the same 400.
 */
import { GxTrustError, jsonPointer } from '../errors.js';

/**
 * How deep JSON from outside may nest: a request body, a JWT payload, a fetched document. A
 * credential nests 32 levels at most (src/credentials/index.ts); a body wraps one in a
 * presentation and a request object, so 64 leaves room for every accepted input. Deeper JSON is
 * refused as it is parsed, before any recursive walk can overflow the stack on it: a body of
 * 100,000 `[` is 200 KB, under the body limit, and made POST /danube/validate answer 500.
 */
export const MAX_JSON_DEPTH = 64;

interface Fault {
  path: (string | number)[];
  kind: 'depth' | 'nul';
}

const hasNul = (text: string): boolean => text.includes('\0');

/**
 * The path to the first fault below `value`: a container nested deeper than `limit`, or (with
 * `refuseNul`) a member name or string holding U+0000. The recursion is bounded by `limit` itself,
 * so it cannot overflow the stack it protects, and costs less than an explicit stack: 0.5-2 µs for
 * a 3 KB document, against 5 µs for JSON.parse of it.
 */
function firstFault(value: object, limit: number, refuseNul: boolean): Fault | undefined {
  if (limit === 0) return { path: [], kind: 'depth' };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const child: unknown = value[i];
      if (refuseNul && typeof child === 'string' && hasNul(child)) return { path: [i], kind: 'nul' };
      if (typeof child !== 'object' || child === null) continue;
      const below = firstFault(child, limit - 1, refuseNul);
      if (below !== undefined) return { path: [i, ...below.path], kind: below.kind };
    }
    return undefined;
  }
  for (const key in value) {
    const child: unknown = (value as Record<string, unknown>)[key];
    if (refuseNul && (hasNul(key) || (typeof child === 'string' && hasNul(child)))) return { path: [key], kind: 'nul' };
    if (typeof child !== 'object' || child === null) continue;
    const below = firstFault(child, limit - 1, refuseNul);
    if (below !== undefined) return { path: [key, ...below.path], kind: below.kind };
  }
  return undefined;
}

export interface JsonLimits {
  /** What the value is, for the message: "the body", "the JWS payload", ... */
  what?: string;
  /** Refuse U+0000 in member names and strings (request bodies, which may be stored). */
  refuseNul?: boolean;
  limit?: number;
}

/** Throws INVALID_INPUT pointing at the first value nested deeper than the limit (the top level is level 1), or holding U+0000. */
export function assertJsonLimits(value: unknown, { what = 'the body', refuseNul = false, limit = MAX_JSON_DEPTH }: JsonLimits = {}): void {
  if (typeof value === 'string' && refuseNul && hasNul(value)) return refuseNulAt([], what);
  if (typeof value !== 'object' || value === null) return;
  const fault = firstFault(value, limit, refuseNul);
  if (fault === undefined) return;
  if (fault.kind === 'nul') return refuseNulAt(fault.path, what);
  throw new GxTrustError('INVALID_INPUT', `${what} nests deeper than ${limit} levels`, {
    pointer: jsonPointer(fault.path),
    hint: `Send JSON nested at most ${limit} levels deep`,
  });
}

function refuseNulAt(path: (string | number)[], what: string): never {
  throw new GxTrustError('INVALID_INPUT', `${what} holds the character U+0000`, {
    pointer: jsonPointer(path),
    hint: 'Remove the NUL character (\\u0000): no identifier or claim may contain it',
  });
}
