/**
 * The one walk over parsed JSON input, run before anything else reads it: every request body
 * (the request pipeline), every decoded JWT header and payload, every document a
 * proof format or the Danube validator is about to hand to JSON-LD. It is iterative (a 100k-deep
 * array cannot overflow the stack), visits each value once, bounds depth and size, refuses the
 * prototype keys, and applies the caller's rule to every member on the way, so a second check of
 * the same document (the pinned contexts, absolute ids) costs no second walk.
 */
import { GxTrustError, jsonPointer, type ProblemDetail } from './errors.js';

export type JsonObject = Record<string, unknown>;

/** A JSON object: not null, not an array. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Keys refused anywhere in input. JSON.parse (and so the request pipeline and every JWT decoder)
 * keeps `"__proto__"` as an own data property: jsonld skips it without a word, so added to a signed
 * credential it was neither signed nor refused and came back in the verification report; and the
 * first copy by assignment (`copy[key] = value`, Object.assign) turns it into the copy's prototype.
 * `constructor` and `prototype` are the other two names prototype-pollution gadgets go through.
 * @see https://github.com/digitalbazaar/jsonld.js/issues/584
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Nesting beyond this is refused: jsonld and the SHACL engines recurse without a limit. A Gaia-X
 * presentation in a request body is about ten levels deep.
 */
export const MAX_INPUT_DEPTH = 64;

type Token = string | number;

/** A container on the walk; its JSON pointer is worked out only when a fault needs it. */
export class JsonPosition {
  constructor(
    readonly value: object,
    readonly depth: number,
    private readonly parent: JsonPosition | undefined,
    private readonly token: Token,
    private readonly base: readonly Token[],
  ) {}

  /** The JSON pointer of this container, extended by `tokens` (a member key, then deeper tokens). */
  pointer(...tokens: Token[]): string {
    const path: Token[] = [];
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk up the parent chain starts here
    for (let at: JsonPosition | undefined = this; at?.parent !== undefined; at = at.parent) path.push(at.token);
    path.reverse();
    return jsonPointer([...this.base, ...path, ...tokens]);
  }

  /** Whether this container lies, at any depth, inside the value of a member named `key`. */
  under(key: string): boolean {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk up the parent chain starts here
    for (let at: JsonPosition | undefined = this; at?.parent !== undefined; at = at.parent) if (at.token === key) return true;
    return false;
  }
}

/** A rule asked about every member of every object: a fault to report, or undefined. */
export type MemberRule = (key: string, value: unknown, where: JsonPosition) => ProblemDetail | undefined;

export interface JsonInputOptions {
  /** Default MAX_INPUT_DEPTH, counted from the start of `base`. */
  maxDepth?: number;
  /** Most values (members and array items, at every depth) accepted. Default: no bound. */
  maxNodes?: number;
  /** Reference tokens of the input's own place (e.g. ['credential'] in a request body). */
  base?: readonly Token[];
  member?: MemberRule;
  /** Collect every fault (issuing lists them all) instead of stopping at the first. */
  all?: boolean;
  /**
   * Refuse U+0000 in member names and strings: request bodies, which may be stored (PostgreSQL
   * `text` and `jsonb` cannot hold it; no identifier or claim needs it).
   */
  refuseNul?: boolean;
  /** What the input is, for messages: "the body", "the JWS payload". Default "the input". */
  what?: string;
}

/**
 * The faults of `input`, breadth first: forbidden keys, nesting deeper than `maxDepth`, more than
 * `maxNodes` values, and whatever `member` finds. A size fault ends the walk; the others end it
 * unless `all` is set.
 */
export function jsonInputFaults(input: unknown, options: JsonInputOptions = {}): ProblemDetail[] {
  const faults: ProblemDetail[] = [];
  const what = options.what ?? 'the input';
  const refuseNul = options.refuseNul === true;
  if (typeof input === 'string' && refuseNul && input.includes('\0')) return [nul(jsonPointer([...(options.base ?? [])]), what)];
  if (typeof input !== 'object' || input === null) return faults;
  const maxDepth = options.maxDepth ?? MAX_INPUT_DEPTH;
  const maxNodes = options.maxNodes ?? Number.POSITIVE_INFINITY;
  const base = options.base ?? [];
  const rule = options.member;
  const all = options.all === true;
  let nodes = 0;
  const queue: JsonPosition[] = [new JsonPosition(input, base.length, undefined, '', base)];
  for (let head = 0; head < queue.length; head++) {
    const position = queue[head]!;
    const value = position.value;
    const depth = position.depth + 1;
    if (Array.isArray(value)) {
      if (value.length === 0) continue;
      nodes += value.length;
      if (nodes > maxNodes) return [...faults, tooMany(position.pointer(0), maxNodes)];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' && item !== null) {
          // The item is a container at level depth + 1 (the top level is level 1).
          if (depth + 1 > maxDepth) {
            faults.push(tooDeep(position.pointer(i), maxDepth, what));
            if (!all) return faults;
            continue;
          }
          queue.push(new JsonPosition(item, depth, position, i, base));
        } else if (refuseNul && typeof item === 'string' && item.includes('\0')) {
          faults.push(nul(position.pointer(i), what));
          if (!all) return faults;
        }
      }
      continue;
    }
    const keys = Object.keys(value);
    if (keys.length === 0) continue;
    nodes += keys.length;
    if (nodes > maxNodes) return [...faults, tooMany(position.pointer(keys[0]!), maxNodes)];
    for (const key of keys) {
      const child: unknown = (value as Record<string, unknown>)[key];
      if (FORBIDDEN_KEYS.has(key)) {
        faults.push(forbiddenKey(position.pointer(key), key));
        if (all) continue;
        return faults;
      }
      if (refuseNul && (key.includes('\0') || (typeof child === 'string' && child.includes('\0')))) {
        faults.push(nul(position.pointer(key), what));
        if (all) continue;
        return faults;
      }
      const fault = rule?.(key, child, position);
      if (fault !== undefined) {
        faults.push(fault);
        if (!all) return faults;
      }
      if (typeof child === 'object' && child !== null) {
        if (depth + 1 > maxDepth) {
          faults.push(tooDeep(position.pointer(key), maxDepth, what));
          if (!all) return faults;
          continue;
        }
        queue.push(new JsonPosition(child, depth, position, key, base));
      }
    }
  }
  return faults;
}

/** jsonInputFaults, thrown: the first fault is the error, all of them its `errors`. */
export function assertJsonInput(input: unknown, options: JsonInputOptions = {}): void {
  const faults = jsonInputFaults(input, options);
  const first = faults[0];
  if (first !== undefined) throw problemOf(first, faults);
}

export function problemOf(first: ProblemDetail, faults: readonly ProblemDetail[] = [first]): GxTrustError {
  return new GxTrustError(first.code, first.detail, {
    pointer: first.pointer ?? '',
    hint: first.hint ?? 'Fix the input and send it again',
    errors: faults,
  });
}

function forbiddenKey(pointer: string, key: string): ProblemDetail {
  return {
    code: 'FORBIDDEN_KEY',
    pointer,
    detail: `the key ${JSON.stringify(key)} is not accepted anywhere in input`,
    hint: '__proto__, constructor and prototype are refused as keys at every level: rename or remove the member',
  };
}

function tooDeep(pointer: string, maxDepth: number, what: string): ProblemDetail {
  return { code: 'INVALID_INPUT', pointer, detail: `${what} nests deeper than ${maxDepth} levels`, hint: `Send JSON nested at most ${maxDepth} levels deep` };
}

function nul(pointer: string, what: string): ProblemDetail {
  return { code: 'INVALID_INPUT', pointer, detail: `${what} holds the character U+0000`, hint: 'Remove the NUL character (\\u0000): no identifier or claim may contain it' };
}

function tooMany(pointer: string, maxNodes: number): ProblemDetail {
  return { code: 'INVALID_INPUT', pointer, detail: `more than ${maxNodes} values`, hint: 'Send a smaller document' };
}
