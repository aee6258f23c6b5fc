/**
 * did:key, resolved offline: the DID is the public key. Ed25519 (z6Mk...), P-256 (zDn...),
 * P-384 (z82...), P-521 (z2J9...), and BLS12-381 G2 (zUC7..., usable for bbs-2023 proofs only).
 * @see https://w3c-ccg.github.io/did-key-spec/#document-creation-algorithm
 */
import { GxTrustError } from '../errors.js';
import { base58btcDecode, base58btcEncode, isBls12381G2Multikey, multikeyToKeyObject, publicKeyToMultikey } from './multikey.js';
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
    // A BLS12-381 G2 key has no node:crypto form: its length is checked here, its point when a
    // bbs-2023 proof is verified with it (the only use gx-trust makes of it).
    canonical = isBls12381G2Multikey(publicKeyMultibase)
      ? `z${base58btcEncode(base58btcDecode(publicKeyMultibase.slice(1)))}`
      : publicKeyToMultikey(multikeyToKeyObject(publicKeyMultibase));
  } catch (cause) {
    throw new GxTrustError('INVALID_DID', `${did} does not encode an Ed25519, P-256, P-384, P-521 or BLS12-381 G2 public key`, { cause });
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
