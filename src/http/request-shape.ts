/**
 * What a route's request schema says about the body it expects, read from the zod schema itself
 * (so the words never drift from what is parsed): the keys an object may hold at a place, the
 * envelope a route wraps its document in (`{"credential": ...}`), and whether a body is a bare
 * verifiable credential or presentation sent where that envelope was expected.
 */
import type { z } from 'zod';
import { closestTerm } from '../closest-term.js';
import { isObject } from '../credentials/index.js';

/** The parts of zod 4's schema definitions (`schema._zod.def`) walked here. */
interface Def {
  type: string;
  shape?: Readonly<Record<string, z.ZodType>>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  options?: readonly z.ZodType[];
  valueType?: z.ZodType;
  in?: z.ZodType;
  getter?: () => z.ZodType;
}

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'nonoptional', 'readonly', 'catch']);

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema without optional/default/... wrappers, pipes and lazies: what the value must be. */
function core(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 32; depth++) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType !== undefined) current = def.innerType;
    else if (def.type === 'pipe' && def.in !== undefined) current = def.in;
    else if (def.type === 'lazy' && def.getter !== undefined) current = def.getter();
    else return current;
  }
  return current;
}

/** Every alternative a schema allows at its top (the options of unions, flattened). */
function alternatives(schema: z.ZodType): z.ZodType[] {
  const inner = core(schema);
  const def = defOf(inner);
  return def.type === 'union' && def.options !== undefined ? def.options.flatMap(alternatives) : [inner];
}

/** The schemas that may describe the value at `path` (a zod issue's path). */
function schemasAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType[] {
  let current = alternatives(schema);
  for (const token of path) {
    current = current.flatMap((candidate) => {
      const def = defOf(candidate);
      if (def.type === 'object' && typeof token === 'string' && def.shape !== undefined && Object.hasOwn(def.shape, token)) return alternatives(def.shape[token]!);
      if (def.type === 'array' && typeof token === 'number' && def.element !== undefined) return alternatives(def.element);
      if (def.type === 'record' && def.valueType !== undefined) return alternatives(def.valueType);
      return [];
    });
  }
  return current;
}

/** The keys the objects at `path` may hold. */
export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  return schemasAt(schema, path).flatMap((candidate) => {
    const def = defOf(candidate);
    return def.type === 'object' && def.shape !== undefined ? Object.keys(def.shape) : [];
  });
}

/** The known key an unrecognised one is most likely a slip of. */
export function suggestKey(schema: z.ZodType, path: readonly PropertyKey[], key: string): string | undefined {
  return closestTerm(key, knownKeysAt(schema, path));
}

export interface Envelope {
  /** The keys a body of this schema must hold, in the schema's order (`credential`). */
  required: string[];
  optional: string[];
  /** Required keys that hold an array (`credentials`). */
  arrays: Set<string>;
}

/** The top-level object a route's body must be, when its schema is one (the first of a union). */
export function envelopeOf(schema: z.ZodType): Envelope | undefined {
  const object = alternatives(schema).find((candidate) => defOf(candidate).type === 'object');
  const shape = object === undefined ? undefined : defOf(object).shape;
  if (shape === undefined) return undefined;
  const envelope: Envelope = { required: [], optional: [], arrays: new Set() };
  for (const [key, member] of Object.entries(shape)) {
    const optional = (member as unknown as { _zod: { optin?: string } })._zod.optin === 'optional';
    (optional ? envelope.optional : envelope.required).push(key);
    if (!optional && defOf(core(member)).type === 'array') envelope.arrays.add(key);
  }
  return envelope;
}

/** `{"credential": <your credential>, "options": {...}}`: the envelope as a caller writes it. */
export function sketchOf(envelope: Envelope, documentName: string): string {
  const members = envelope.required.map((key, index) => {
    const value = index === 0 ? `<the ${documentName}>` : '...';
    return `"${key}": ${envelope.arrays.has(key) ? `[${value}]` : value}`;
  });
  if (envelope.optional.includes('options')) members.push('"options": {...}');
  return `{${members.join(', ')}}`;
}

const VC_MEMBERS = ['credentialSubject', 'issuer', 'validFrom', 'issuanceDate'];
const VP_MEMBERS = ['holder', 'verifiableCredential'];

/**
 * 'credential' or 'presentation' when `body` is a W3C verifiable credential or presentation
 * itself (it has `@context` or `type` with its members) rather than a request object; else undefined.
 */
export function bareDocumentKind(body: unknown): 'credential' | 'presentation' | undefined {
  if (!isObject(body)) return undefined;
  const types = ([] as unknown[]).concat(body['type'] ?? body['@type'] ?? []);
  const has = (keys: readonly string[]) => keys.some((key) => Object.hasOwn(body, key));
  if (types.includes('VerifiablePresentation') || (Object.hasOwn(body, '@context') && has(VP_MEMBERS))) return 'presentation';
  if (types.includes('VerifiableCredential') || has(VC_MEMBERS) || Object.hasOwn(body, '@context')) return 'credential';
  return undefined;
}
