/** What the member registry offers and needs: its views, its signing side, its dependencies. */
import type { JWK } from 'jose';
import type { Clock } from '../../clock.js';
import type { DidDocument } from '../../dids/types.js';
import type { KeyKind } from '../../algorithms/index.js';
import type { Role } from '../../access/principal.js';
import type { MemberKeyRecord, MemberRecord } from '../../storage/store.js';
import type { AuditRepository, MemberRepository } from '../../storage/repositories.js';
import type { MemberCa } from '../../keyring/member-ca.js';
import type { MemberKeyVault } from '../../keyring/member-keys.js';
import type { SigningKey } from '../../keyring/signer.js';

export interface RegisteredPublicKey {
  publicKeyJwk: JWK & { x5c?: string[]; x5u?: string };
}

export type MemberKeysRequest = 'generate' | { publicKeys: readonly RegisteredPublicKey[] };

export interface ApiKeyView {
  id: string;
  role: Role;
  createdAt: string;
  revokedAt: string | null;
}

export interface VerificationMethodView {
  id: string;
  type: string;
  state: MemberKeyRecord['state'];
  createdAt: string;
  retiredAt: string | null;
  /** Retired hosted keys: when they leave the DID document. */
  expires?: string;
  /** The method's x5c chain, leaf first, as its DID document publishes it; absent without x5c (Multikey, x5u). */
  certificates?: CertificateView[];
}

/** What the admin API shows of a member: never a private key, never an API key. */
export interface MemberView {
  id: string;
  slug: string;
  name: string;
  did: string;
  didDocumentUrl: string;
  custody: MemberRecord['custody'];
  createdAt: string;
  verificationMethods: VerificationMethodView[];
  apiKeys: ApiKeyView[];
}

/** The principal's side of a hosted signature: the member's current key of a kind. */
export interface HostedSigningKey {
  /** The key's method: JsonWebKey2020 (with x5c when certified) for RSA and P-256, Multikey for Ed25519. */
  verificationMethodId: string;
  /** P-256: the same key's Multikey method, which Data Integrity proofs name (no X.509 check applies to them). */
  multikeyVerificationMethodId?: string;
  /** The key, opened by the keyring: it signs, it never hands out its private half. */
  signingKey: SigningKey;
}

/** How the issuer signs as a member DID this service hosts. */
export interface MemberSigning {
  /** The DID is a member DID of this service (whether or not the member exists). */
  hosts(did: string): boolean;
  /** The member whose DID this is, if it exists. */
  member(did: string): Promise<MemberRecord | undefined>;
  /**
   * The member's active key of `kind`. For a credential, `validUntil` (null: no end) is recorded
   * on the key before it signs, so a rotation knows how long to keep it published.
   */
  keyFor(did: string, kind: KeyKind, use: { credentialValidUntil: string | null } | { presentation: true }, pointer: string): Promise<HostedSigningKey>;
  /**
   * When the chain of the member's active key of `kind` ends (its earliest notAfter), if the key
   * carries one: a VC-JOSE credential it signs must not outlive it, or verifiers refuse it.
   */
  certificateNotAfter(did: string, kind: KeyKind): Promise<Date | undefined>;
}

export interface MemberRegistry {
  memberDid(slug: string): string;
  create(input: { slug: string; name: string; keys?: MemberKeysRequest | undefined }, actor: string): Promise<MemberView>;
  /** By id or by slug; NOT_FOUND otherwise. */
  find(idOrSlug: string): Promise<MemberRecord>;
  list(): Promise<MemberView[]>;
  view(member: MemberRecord): Promise<MemberView>;
  /** The only time the key is seen: the caller hands it over and forgets it. */
  createApiKey(member: MemberRecord, role: Role, actor: string): Promise<ApiKeyView & { apiKey: string; memberId: string }>;
  revokeApiKey(member: MemberRecord, keyId: string, actor: string): Promise<void>;
  /** A PKCS#10 request signed by the hosted key `kid` (a fragment, the method id, or `rsa` / `p256`: the active key of that kind); audited. */
  certificationRequest(member: MemberRecord, kid: string, actor: string): Promise<{ verificationMethod: string; pem: string }>;
  /** Installs a chain for the hosted key `kid`: it becomes the method's x5c; audited. */
  installCertificate(member: MemberRecord, kid: string, chainPem: string, actor: string): Promise<{ verificationMethod: string; certificates: CertificateView[] }>;
  rotateKeys(
    member: MemberRecord,
    options: { previous?: 'retire' | 'remove' | undefined; publicKeys?: readonly RegisteredPublicKey[] | undefined },
    actor: string,
  ): Promise<{ member: MemberView; previous: string[]; current: string[] }>;
  /** The DID document served at /members/<slug>/did.json, as of now. */
  didDocument(slug: string): Promise<DidDocument | undefined>;
  /** The same document, from records the caller read: at instant `at` (ISO 8601). */
  documentOf(member: MemberRecord, keys: readonly MemberKeyRecord[], at: string): DidDocument;
  signing: MemberSigning;
}

/** What the API shows of a certificate of a member key. */
export interface CertificateView {
  subject: string;
  issuer: string;
  notBefore: string;
  notAfter: string;
}

export interface MemberRegistryDependencies {
  /** Members and their keys; the audit log for a certification request, which writes nothing else. */
  store: MemberRepository & Pick<AuditRepository, 'appendAudit'>;
  /** The service's did:web; members live under it. */
  serviceDid: string;
  baseUrl: string;
  /** Loaded on first use, so a deployment without hosted members needs no member key secret. */
  vault: () => Promise<MemberKeyVault>;
  clock: Clock;
  /** Production refuses http: x5u URLs. */
  production: boolean;
  /** The CA that certifies hosted keys; none: hosted keys get no certificate until one is installed. */
  memberCa?: () => Promise<MemberCa | undefined>;
  /** What an installed chain must reach (the verifier's anchors). */
  trustAnchorsPem?: readonly string[];
}
