/**
 * did:key, resolved offline: the DID is the public key. Ed25519 (z6Mk...), P-256 (zDn...),
 * P-384 (z82...) and P-521 (z2J9...).
 * @see https://w3c-ccg.github.io/did-key-spec/#document-creation-algorithm
 */
import { GxTrustError } from '../errors.js';
import { multikeyToKeyObject, publicKeyToMultikey } from './multikey.js';
import type { DidDocument } from './types.js';

/**
 * The DID document of a did:key, per the spec's "Signature Method Creation Algorithm": one
 * Multikey verification method whose fragment is the multibase value itself, referenced from
 * authentication, assertionMethod, capabilityInvocation and capabilityDelegation.
 */
export function resolveDidKey(did: string): DidDocument {
  const match = /^did:key:(z[1-9A-HJ-NP-Za-km-z]+)$/.exec(did);
  const publicKeyMultibase = match?.[1];
  if (publicKeyMultibase === undefined) {
    throw new GxTrustError('INVALID_DID', `${did} is not a did:key of the form did:key:z...`, {
      hint: 'gx-trust resolves did:key for Ed25519 (z6Mk...), P-256 (zDn...), P-384 (z82...) and P-521 (z2J9...) public keys',
    });
  }
  let canonical: string;
  try {
    canonical = publicKeyToMultikey(multikeyToKeyObject(publicKeyMultibase));
  } catch (cause) {
    throw new GxTrustError('INVALID_DID', `${did} does not encode an Ed25519, P-256, P-384 or P-521 public key`, { cause });
  }
  // "If the byte length of rawPublicKeyBytes does not match the expected public key length [...]
  // an invalidPublicKeyLength error MUST be raised": re-encoding catches that and any other
  // non-canonical form (an uncompressed P-256 point, trailing bytes).
  if (canonical !== publicKeyMultibase) {
    throw new GxTrustError('INVALID_DID', `${did} is not the canonical did:key of its public key`);
  }
  const id = `${did}#${publicKeyMultibase}`;
  return {
    '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
    id: did,
    verificationMethod: [{ id, type: 'Multikey', controller: did, publicKeyMultibase }],
    authentication: [id],
    assertionMethod: [id],
    capabilityInvocation: [id],
    capabilityDelegation: [id],
  };
}
