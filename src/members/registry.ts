/**
 * Consortium members: each gets a did:web under the service (`<service did>:members:<slug>`,
 * served at `/members/<slug>/did.json`) with keys gx-trust generates and holds ('hosted'), or
 * with public keys the member registered because it signs elsewhere ('external': gx-trust then
 * verifies for it but never issues as it). API keys are random, shown once, stored as a hash.
 *
 * Hosted keys: an Ed25519 key (Multikey: Data Integrity) and an RSA-2048 (PS256, the Danube
 * profile) and a P-256 key published as JsonWebKey2020 methods whose publicKeyJwk carries the x5c
 * of a leaf certificate the member CA issued (member-ca.ts): compliance trusts a key only through
 * an X.509 chain to an anchor. A member may instead install a chain another CA issued for the same
 * key (certificates.ts). Rotation generates and certifies new keys.
 *
 * Key rotation: the new keys sign from the rotation on; a retired hosted key stays in the DID
 * document, as a Multikey with `expires` at the latest validUntil it signed, so what it signed
 * keeps verifying; after that (or at once, when the rotation removes it) it is gone from the
 * document and proofs naming it fail with KEY_NOT_FOUND.
 * @see https://www.w3.org/TR/cid-1.0/#multikey ("expires", "revoked")
 */
import { createRegistryContext } from './registry/context.js';
import { createApiKey, revokeApiKey } from './registry/api-keys.js';
import { certificationRequest, installCertificate } from './registry/certification.js';
import { didDocument, documentOf } from './registry/did-documents.js';
import { rotateKeys } from './registry/keys.js';
import { createMember, findMember, listMembers } from './registry/members.js';
import { memberSigning } from './registry/signing.js';
import type { MemberRegistry, MemberRegistryDependencies } from './registry/types.js';
import { view } from './registry/views.js';

export { noSuchMember, SLUG_PATTERN } from './registry/context.js';
export { MULTIKEY_TWIN_SUFFIX } from './registry/did-documents.js';
export { HOSTED_KEY_KINDS } from './registry/keys.js';
export type {
  ApiKeyView,
  CertificateView,
  HostedSigningKey,
  MemberKeysRequest,
  MemberRegistry,
  MemberRegistryDependencies,
  MemberSigning,
  MemberView,
  RegisteredPublicKey,
  VerificationMethodView,
} from './registry/types.js';

/**
 * The registry, one concept per module under registry/: members.ts (create, find, list),
 * keys.ts (hosted and registered keys, rotation), certification.ts (PKCS#10 requests, installed
 * chains), api-keys.ts, did-documents.ts, views.ts and signing.ts (signing as a member DID), over
 * the context.ts they share.
 */
export function createMemberRegistry(deps: MemberRegistryDependencies): MemberRegistry {
  const ctx = createRegistryContext(deps);
  return {
    memberDid: ctx.memberDid,
    find: (idOrSlug) => findMember(ctx, idOrSlug),
    view: (member) => view(ctx, member),
    signing: memberSigning(ctx),
    certificationRequest: (member, kid, actor) => certificationRequest(ctx, member, kid, actor),
    installCertificate: (member, kid, chainPem, actor) => installCertificate(ctx, member, kid, chainPem, actor),
    create: (input, actor) => createMember(ctx, input, actor),
    list: () => listMembers(ctx),
    createApiKey: (member, role, actor) => createApiKey(ctx, member, role, actor),
    revokeApiKey: (member, keyId, actor) => revokeApiKey(ctx, member, keyId, actor),
    rotateKeys: (member, options, actor) => rotateKeys(ctx, member, options, actor),
    didDocument: (slug) => didDocument(ctx, slug),
    documentOf,
  };
}
