/**
 * A member's DID document, from its key records at an instant: active keys, and retired hosted
 * keys until the latest validUntil they signed, each with its JsonWebKey / Multikey twins.
 * @see https://www.w3.org/TR/cid-1.0/#multikey ("expires", "revoked")
 */
import { createPublicKey } from 'node:crypto';
import { publicKeyToMultikey } from '../../dids/multikey.js';
import type { DidDocument, VerificationMethod } from '../../dids/types.js';
import { DID_DOCUMENT_CONTEXT, JSON_WEB_KEY_TWIN_SUFFIX } from '../../keyring/index.js';
import type { MemberKeyRecord, MemberRecord } from '../../storage/store.js';
import { SLUG_PATTERN, type RegistryContext } from './context.js';

/**
 * A hosted P-256 key is published twice, as the service publishes its own: as JsonWebKey2020 (with
 * x5c: VC-JOSE, compliance) and as Multikey under `<id>-multikey` (ecdsa-rdfc-2019), so a Data
 * Integrity proof verifies at a verifier that does not trust the member CA, as it did before keys
 * were certified.
 */
export const MULTIKEY_TWIN_SUFFIX = '-multikey';

export function multikeyTwinOf(key: MemberKeyRecord): VerificationMethod['publicKeyMultibase'] | undefined {
  if (key.kind !== 'P-256' || key.methodType !== 'JsonWebKey2020' || key.sealedPrivateKey === null) return undefined;
  const jwk = key.publicKey['publicKeyJwk'] as Record<string, unknown> | undefined;
  if (jwk === undefined) return undefined;
  return publicKeyToMultikey(createPublicKey({ key: { kty: jwk['kty'], crv: jwk['crv'], x: jwk['x'], y: jwk['y'] } as import('node:crypto').JsonWebKey, format: 'jwk' }));
}

/** Whether a key is in the DID document now, and with which expiry. */
export function publication(key: MemberKeyRecord, at: string): { published: boolean; expires?: string } {
  if (key.state === 'active') return { published: true };
  if (key.state === 'removed') return { published: false };
  // Registered keys: gx-trust does not know what they signed; they stay until removed.
  if (key.sealedPrivateKey === null || key.signedUnbounded) return { published: true };
  if (key.signedUntil === null || key.signedUntil <= at) return { published: false };
  return { published: true, expires: key.signedUntil };
}

/** The member's DID document at instant `at`, from its key records. */
export function documentOf(member: MemberRecord, keys: readonly MemberKeyRecord[], at: string): DidDocument {
  const methods: VerificationMethod[] = [];
  const current: string[] = [];
  for (const key of keys) {
    const { published, expires } = publication(key, at);
    if (!published) continue;
    methods.push({ id: key.id, type: key.methodType, controller: member.did, ...key.publicKey, ...(expires === undefined ? {} : { expires }) });
    if (key.state === 'active') current.push(key.id);
    // VC-JOSE-COSE §4.3 names the type JsonWebKey; Gaia-X expects JsonWebKey2020: both, one key.
    if (key.methodType === 'JsonWebKey2020') {
      const id = key.id + JSON_WEB_KEY_TWIN_SUFFIX;
      methods.push({ id, type: 'JsonWebKey', controller: member.did, ...structuredClone(key.publicKey), ...(expires === undefined ? {} : { expires }) });
      if (key.state === 'active') current.push(id);
    }
    const twin = multikeyTwinOf(key);
    if (twin !== undefined) {
      const id = key.id + MULTIKEY_TWIN_SUFFIX;
      methods.push({ id, type: 'Multikey', controller: member.did, publicKeyMultibase: twin, ...(expires === undefined ? {} : { expires }) });
      if (key.state === 'active') current.push(id);
    }
  }
  return {
    '@context': [...DID_DOCUMENT_CONTEXT],
    id: member.did,
    verificationMethod: methods,
    // Retired keys still assert what they signed; only current keys authenticate (sign presentations).
    assertionMethod: methods.map((m) => m.id),
    authentication: current,
  };
}

/** The DID document served at /members/<slug>/did.json, as of now. */
export async function didDocument(ctx: RegistryContext, slug: string): Promise<DidDocument | undefined> {
  const { store } = ctx;
  if (!SLUG_PATTERN.test(slug)) return undefined;
  const member = await store.getMemberBySlug(slug);
  if (member === undefined) return undefined;
  return documentOf(member, await store.memberKeys(member.id), ctx.now());
}
