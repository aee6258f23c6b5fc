/**
 * did:jwk, resolved offline: the method-specific id is the base64url of a public JWK.
 * @see https://github.com/quartzjer/did-jwk/blob/main/spec.md
 */
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import { GxTrustError } from '../errors.js';
import type { DidDocument } from './types.js';

/** JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4.1). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * The DID document of a did:jwk. The spec's Read steps: "Decode the remaining string using
 * base64url; parse the decoded string as UTF-8 JSON; validate the JWK properties" and its Security
 * section: "a JWK for a private key must never be used and must be rejected by all
 * implementations when encountered". The method is `#0`; a key with `use: "enc"` is listed only
 * under keyAgreement, one with `use: "sig"` never under it.
 */
export function resolveDidJwk(did: string): DidDocument {
  const match = /^did:jwk:([A-Za-z0-9_-]+)$/.exec(did);
  const encoded = match?.[1];
  if (encoded === undefined) {
    throw new GxTrustError('INVALID_DID', `${did} is not a did:jwk (did:jwk:<base64url of a JWK>)`);
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(encoded, 'base64url')));
  } catch (cause) {
    throw new GxTrustError('INVALID_DID', `${did}: the method-specific id is not base64url-encoded JSON`, { cause });
  }
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk)) {
    throw new GxTrustError('INVALID_DID', `${did}: the method-specific id does not encode a JWK object`);
  }
  const privateMember = PRIVATE_MEMBERS.find((member) => Object.hasOwn(jwk, member));
  if (privateMember !== undefined) {
    throw new GxTrustError('INVALID_DID', `${did} encodes a private key (JWK member "${privateMember}")`, {
      hint: 'did:jwk must carry a public key only; the private key has leaked and must be replaced',
    });
  }
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch (cause) {
    throw new GxTrustError('INVALID_DID', `${did} does not encode a usable public JWK`, { cause });
  }
  const publicKeyJwk = jwk as JWK;
  const id = `${did}#0`;
  const signing = publicKeyJwk.use !== 'enc';
  const agreement = publicKeyJwk.use !== 'sig';
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: [{ id, type: 'JsonWebKey', controller: did, publicKeyJwk }],
    ...(signing ? { assertionMethod: [id], authentication: [id], capabilityInvocation: [id], capabilityDelegation: [id] } : {}),
    ...(agreement ? { keyAgreement: [id] } : {}),
  };
}
