/**
 * `digestSRI` of a compliant credential: `sha256-` + base64 of SHA-256 over the RFC 8785 (JCS)
 * form of the credential as its proof covers it (a JWT's decoded payload). Older labels wrote hex
 * after the same prefix (Tagus `integrity`); a connector accepts either encoding.
 * @see https://www.w3.org/TR/vc-data-model-2.0/#integrity-of-related-resources
 * @see https://www.rfc-editor.org/rfc/rfc8785
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../jcs.js';

/** RFC 8785 canonical JSON (the digests' normalization, `RFC8785:JCS`). */
export const jcs = canonicalJson;

export function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

export function digestSRI(document: unknown): string {
  return `sha256-${sha256(jcs(document)).toString('base64')}`;
}

/**
 * The 32 digest bytes of `sha256-<base64 | base64url | hex>` (the prefix is optional for hex), or
 * undefined when the value is not a SHA-256 digest in any of those spellings.
 */
export function parseSha256Digest(value: unknown): Buffer | undefined {
  if (typeof value !== 'string') return undefined;
  const body = value.replace(/^sha256[-:]/, '');
  if (/^[0-9a-fA-F]{64}$/.test(body)) return Buffer.from(body, 'hex');
  if (!value.startsWith('sha256')) return undefined;
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(body)) return undefined;
  const bytes = Buffer.from(body.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === 32 ? bytes : undefined;
}

export function digestMatches(expected: unknown, document: unknown): boolean {
  const bytes = parseSha256Digest(expected);
  return bytes !== undefined && timingSafeEqual(bytes, sha256(jcs(document)));
}

/**
 * What a digest of a presented credential covers: the document its proof signs, so an embedded
 * Data Integrity or JsonWebSignature2020 `proof` is left out (a JWT payload has none). Connectors
 * compare against the verifier's document, which is the same proof-less form.
 */
export function securedDocument<T extends Record<string, unknown>>(document: T): Omit<T, 'proof'> {
  const { proof: _proof, ...rest } = document;
  return rest;
}
