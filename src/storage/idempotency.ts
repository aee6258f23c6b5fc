/**
 * The Idempotency-Key protocol every issuing endpoint shares: the first request with a key claims
 * it; a retry with the same body gets the stored response back; the same key with another body is
 * 422, and a retry while the first is still running is 409.
 * @see https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/
 */
import { createHash } from 'node:crypto';
import { GxTrustError } from '../errors.js';
import { canonicalJson } from '../jcs.js';
import type { IdempotencyRepository } from './repositories.js';

export const MAX_IDEMPOTENCY_KEY_LENGTH = 255;

/**
 * Claims `scopedKey` (the client's key prefixed with its caller and endpoint, so keys never clash
 * across members) for `request`. Returns the stored response of an earlier completed request with
 * the same key and body, or undefined when this request may proceed; it must then complete or
 * abandon the key.
 */
export async function claimIdempotencyKey(
  store: Pick<IdempotencyRepository, 'beginIdempotent'>,
  clientKey: string,
  scopedKey: string,
  request: unknown,
): Promise<string | undefined> {
  if (clientKey.length === 0 || clientKey.length > MAX_IDEMPOTENCY_KEY_LENGTH) {
    throw new GxTrustError('INVALID_INPUT', `Idempotency-Key must have 1 to ${MAX_IDEMPOTENCY_KEY_LENGTH} characters`, { pointer: '' });
  }
  const requestDigest = `sha256:${createHash('sha256').update(canonicalJson(request)).digest('hex')}`;
  const begun = await store.beginIdempotent(scopedKey, requestDigest);
  if (begun === 'new') return undefined;
  if (begun === 'mismatch') {
    throw new GxTrustError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used with another request body', {
      hint: 'Use a new key for a new request; a retry must send the same body',
    });
  }
  if (begun.state === 'in-flight') {
    throw new GxTrustError('IDEMPOTENCY_IN_FLIGHT', 'a request with this Idempotency-Key is still being processed', {
      hint: 'Retry after it has finished',
    });
  }
  return begun.response;
}
