/**
 * RFC 8785 JSON Canonicalization Scheme: the one place gx-trust turns a value into canonical JSON
 * (audit leaves, compliance digests, idempotency digests).
 * @see https://www.rfc-editor.org/rfc/rfc8785
 */
import canonicalizeModule from 'canonicalize';
import { GxTrustError } from './errors.js';

type Canonicalize = (input: unknown) => string | undefined;
// canonicalize 2 is CommonJS (`module.exports = serialize`) with an ESM-style `export default` in
// its typings; under NodeNext the runtime default import is the function itself.
const canonicalize = ((canonicalizeModule as unknown as { default?: Canonicalize }).default ??
  canonicalizeModule) as unknown as Canonicalize;

/** The canonical JSON text of `value`; a value with no JSON form (undefined, a function) is a fault. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new GxTrustError('INTERNAL', 'the value has no JSON form to canonicalize');
  return text;
}
