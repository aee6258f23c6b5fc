import type { JWK } from 'jose';

/** A verification method as it appears in a DID document (JsonWebKey2020, JsonWebKey, Multikey, Ed25519VerificationKey2020). */
export interface VerificationMethod {
  id: string;
  type: string;
  controller: string;
  publicKeyJwk?: JWK & { x5c?: string[]; x5u?: string };
  publicKeyMultibase?: string;
  /** Ed25519VerificationKey2018 only. */
  publicKeyBase58?: string;
  /** Multikey lifecycle (key rotation keeps old methods with an expiry). */
  expires?: string;
  revoked?: string;
  [extra: string]: unknown;
}

export interface DidDocument {
  '@context'?: unknown;
  id: string;
  controller?: string | string[];
  verificationMethod?: VerificationMethod[];
  assertionMethod?: (string | VerificationMethod)[];
  authentication?: (string | VerificationMethod)[];
  [extra: string]: unknown;
}

/** The verification relationships a proof may claim. */
export type ProofPurpose = 'assertionMethod' | 'authentication';

export interface DidResolver {
  /** Resolves a DID (parameters and fragment ignored) to its document. Throws GxTrustError. */
  resolve(did: string): Promise<DidDocument>;
  /**
   * Dereferences a DID URL to a verification method and checks its binding: the method is listed
   * under `purpose`, it belongs to `expectedController`'s DID document, and that document's `id`
   * equals the DID. Throws GxTrustError (KEY_BINDING, KEY_NOT_FOUND, INVALID_DID, ...). The method
   * may be shared with other callers and frozen: read it, never change it.
   */
  resolveVerificationMethod(
    didUrl: string,
    options: { purpose: ProofPurpose; expectedController: string },
  ): Promise<VerificationMethod>;
}
