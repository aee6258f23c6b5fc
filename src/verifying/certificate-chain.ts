/**
 * The 'x509' check: when the signing key's JWK carries `x5c` or `x5u` (as Gaia-X issuers' keys do),
 * the JWK must be the leaf certificate's key and the chain must lead to a configured trust anchor.
 * `x5u` is fetched with the same hardened fetch as did:web (the Gaia-X `x5u` case: the Gaia-X
 * compliance service fetches it with no timeout, no cap and an unbounded cache).
 */
import { LRUCache } from 'lru-cache';
import type { VerificationMethod } from '../dids/types.js';
import { hardenedFetch } from '../dids/hardened-fetch.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { settleWithin } from '../settle-within.js';
import { parsePemCertificates, validateCertificateChain } from '../x509/index.js';
import { failed, passed, type Check } from './report.js';
import type { CertificateChainCheck } from './index.js';

export interface CertificateChainCheckOptions {
  trustAnchorsPem: readonly string[];
  testMode: boolean;
  /** How long a fetched x5u chain is reused. */
  x5uTtlMs?: number;
  /** A fetch shared by concurrent verifications settles within this (default 5 s), and failed ones leave the cache. */
  maxPendingMs?: number;
}

export function createCertificateChainCheck(options: CertificateChainCheckOptions): CertificateChainCheck {
  const x5uCache = new LRUCache<string, Promise<string[]>>({ max: 256, ttl: options.x5uTtlMs ?? 10 * 60_000 });

  function fetchChain(url: string): Promise<string[]> {
    let pending = x5uCache.get(url);
    if (pending === undefined) {
      const fetched = hardenedFetch(url, {
        testMode: options.testMode,
        accept: 'application/pem-certificate-chain, application/x-pem-file, text/plain',
        maxBytes: 64 * 1024,
        errorCodes: { forbidden: 'X509_CHAIN', failed: 'X509_CHAIN', timeout: 'X509_CHAIN', notFound: 'X509_CHAIN' },
      }).then((response) => parsePemCertificates(response.body.toString('utf8')));
      // The fetch has its own deadline; the bound makes the shared entry settle whatever it does.
      const bound = options.maxPendingMs ?? 5000;
      const settled = settleWithin(fetched, bound, () => new GxTrustError('X509_CHAIN', `${url} was not fetched within ${bound} ms`));
      // Failures are not cached: the next verification tries again.
      settled.catch(() => {
        if (x5uCache.get(url) === settled) x5uCache.delete(url);
      });
      pending = settled;
      x5uCache.set(url, pending);
    }
    return pending;
  }

  return async (method: VerificationMethod, validity): Promise<Check | undefined> => {
    const jwk = method.publicKeyJwk;
    if (jwk === undefined || (jwk.x5c === undefined && jwk.x5u === undefined)) return undefined;
    try {
      const x5c = jwk.x5c !== undefined ? jwk.x5c : await fetchChain(String(jwk.x5u));
      if (!Array.isArray(x5c) || x5c.length === 0) {
        return failed('x509', 'X509_CHAIN', `${method.id}: x5c is empty`);
      }
      await validateCertificateChain({
        x5c,
        publicJwk: jwk,
        trustAnchorsPem: options.trustAnchorsPem,
        validAt: validity.validAt,
        ...(validity.validUntil === undefined ? {} : { validUntil: validity.validUntil }),
      });
      return passed('x509', `the key of ${method.id} is certified by a trusted anchor`);
    } catch (error) {
      const code = isGxTrustError(error) ? error.code : 'X509_CHAIN';
      return failed('x509', code, error instanceof Error ? error.message : String(error));
    }
  };
}
