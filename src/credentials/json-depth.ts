/**
 * One depth limit for JSON gx-trust did not write. JSON.parse itself handles any nesting, but the
 * walks that follow it (zod, structuredClone, deepFreeze, JSON-LD expansion, SHACL graphs) recurse
 * and overflow the stack, which surfaces as a RangeError and a 500.
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

/** Throws INVALID_INPUT, pointing at the first value nested deeper than `limit`; walks without recursion. */
export function assertJsonDepth(value: unknown, what = 'the body', limit: number = MAX_JSON_DEPTH): void {
  if (typeof value !== 'object' || value === null) return;
  // One frame per open container: its member names (or array length) and the next index to visit.
  const frames: { value: object; keys: string[] | number; next: number }[] = [];
  const open = (container: object): void => {
    frames.push({ value: container, keys: Array.isArray(container) ? container.length : Object.keys(container), next: 0 });
  };
  open(value);
  while (frames.length > 0) {
    const frame = frames[frames.length - 1]!;
    const size = typeof frame.keys === 'number' ? frame.keys : frame.keys.length;
    if (frame.next >= size) {
      frames.pop();
      continue;
    }
    const index = frame.next++;
    const child: unknown = typeof frame.keys === 'number' ? (frame.value as unknown[])[index] : (frame.value as Record<string, unknown>)[frame.keys[index]!];
    if (typeof child !== 'object' || child === null) continue;
    if (frames.length >= limit) {
      const path = frames.map((f) => (typeof f.keys === 'number' ? f.next - 1 : f.keys[f.next - 1]!));
      throw new GxTrustError('INVALID_INPUT', `${what} nests deeper than ${limit} levels`, {
        pointer: jsonPointer(path),
        hint: `Send JSON nested at most ${limit} levels deep`,
      });
    }
    open(child);
  }
}

