/**
 * The key rules every JOSE-family envelope shares (vc+sd-jwt beside vc+jwt, and vc+cose, whose
 * COSE algorithms map onto the same JOSE names): the key comes only from the controller's DID
 * document, through a `kid` that is a DID URL of that controller, and the algorithm is allow-listed
 * for the key's type before any signature is checked.
 *
 * src/formats/jose/verify.ts applies the same rules inline to vc+jwt; this module is the part the
 * newer envelopes call, so they cannot drift from each other.
 * @see https://www.w3.org/TR/vc-jose-cose/#kid
 */
import { createHash, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { LRUCache } from 'lru-cache';
import type { DidResolver, ProofPurpose, VerificationMethod } from '../../dids/types.js';
import { verificationMethodJwk } from '../../dids/multikey.js';
import { GxTrustError, isGxTrustError } from '../../errors.js';
import { failCheck } from '../../verifying/report.js';

/**
 * The absolute DID URL a `kid` names: `<controller>#<fragment>` as given, or `#<fragment>` resolved
 * against `base` (the `iss` claim, or the credential's issuer where the envelope has no `iss`, as in
 * COSE). Anything else (another DID, a path, a bare thumbprint) is KEY_BINDING: a `kid` never
 * reaches the resolver unless it names a method of the controller.
 */
export function controllerKid(given: unknown, controller: string, base: string | undefined): string {
  if (typeof given !== 'string' || given.length === 0) throw new GxTrustError('KEY_BINDING', 'the header has no kid');
  const kid = given.startsWith('#') && base !== undefined ? `${base}${given}` : given;
  if (!kid.startsWith(`${controller}#`) || kid.length === controller.length + 1) {
    const why = given.startsWith('#') && base === undefined ? ': a relative kid needs an iss to resolve against' : '';
    throw new GxTrustError('KEY_BINDING', `kid ${JSON.stringify(given.slice(0, 200))} is not a verification method of ${controller}${why}`);
  }
  return kid;
}

export interface IssuerKey {
  method: VerificationMethod;
  jwk: JWK;
  key: KeyObject;
}

/** RFC 7638 thumbprint (SHA-256, base64url) of the members the key type requires: the cache key of an imported key. */
export function thumbprint(jwk: JWK): string {
  const required =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }
    : jwk.kty === 'OKP' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x }
    : jwk.kty === 'RSA' ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
    : { kty: jwk.kty };
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

export interface IssuerKeys {
  /**
   * The `key-binding` check of a format's sequence: the header's `kid` (relative ones against
   * `base`, see controllerKid) resolved; a refusal becomes that check's failure (a CheckFailure),
   * anything else is rethrown.
   */
  bind(resolver: DidResolver, request: { kid: unknown; base: string | undefined; controller: string; purpose: ProofPurpose }): Promise<IssuerKey>;
  /**
   * The method `kid` names, bound to `controller` under `purpose`, its key imported. Throws
   * GxTrustError: KEY_BINDING / KEY_NOT_FOUND / DID_* from the resolver. The caller then ties its
   * algorithm to the key with assertAlgorithmAllowed(alg, key.jwk) before it checks a signature.
   */
  resolve(resolver: DidResolver, request: { kid: string; controller: string; purpose: ProofPurpose }): Promise<IssuerKey>;
}

/** Keys are imported once per (method id, published key), as the vc+jwt format does. */
export function createIssuerKeys(options: { cacheSize?: number } = {}): IssuerKeys {
  const keys = new LRUCache<string, IssuerKey>({ max: options.cacheSize ?? 1000 });
  async function resolve(resolver: DidResolver, { kid, controller, purpose }: { kid: string; controller: string; purpose: ProofPurpose }): Promise<IssuerKey> {
      const method = await resolver.resolveVerificationMethod(kid, { purpose, expectedController: controller });
      if (method.id !== kid) throw new GxTrustError('KEY_BINDING', `the resolver returned ${method.id} for ${kid}`);
      const published = method.publicKeyJwk !== undefined ? thumbprint(method.publicKeyJwk) : method.publicKeyMultibase ?? method.publicKeyBase58;
      const cacheKey = published === undefined ? undefined : `${method.id}\n${published}`;
      let imported = cacheKey === undefined ? undefined : keys.get(cacheKey);
      if (imported === undefined) {
        const jwk = verificationMethodJwk(method);
        imported = { method, jwk, key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) };
        if (cacheKey !== undefined) keys.set(cacheKey, imported);
      }
      return { ...imported, method };
  }
  return {
    resolve,
    async bind(resolver, { kid, base, controller, purpose }) {
      try {
        return await resolve(resolver, { kid: controllerKid(kid, controller, base), controller, purpose });
      } catch (error) {
        if (isGxTrustError(error)) failCheck('key-binding', error.code, error.message);
        throw error;
      }
    },
  };
}
