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
import { createPublicKey, randomBytes, randomUUID } from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../clock.js';
import { publicJwkOf, publicKeyToMultikey } from '../dids/multikey.js';
import type { DidDocument, VerificationMethod } from '../dids/types.js';
import { GxTrustError } from '../errors.js';
import { DID_DOCUMENT_CONTEXT, JSON_WEB_KEY_TWIN_SUFFIX } from '../keyring/index.js';
import { keyKindOf, type KeyKind } from '../algorithms/index.js';
import { certificateInfo } from '../x509/index.js';
import { apiKeyHash, generateApiKey } from '../access/api-keys.js';
import type { Role } from '../access/principal.js';
import type { ApiKeyRecord, MemberKeyRecord, MemberRecord } from '../storage/store.js';
import type { AuditRepository, MemberRepository } from '../storage/repositories.js';
import type { MemberCa } from '../keyring/member-ca.js';
import type { MemberKeyVault } from '../keyring/member-keys.js';
import type { SigningKey } from '../keyring/signer.js';
import { checkedChain } from './certificates.js';

/** A DNS-label-like slug: it becomes a did:web path segment and a URL path segment. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The answer for a member id or slug that names no member (or none the caller may see: the same answer). */
export function noSuchMember(idOrSlug: string): GxTrustError {
  return new GxTrustError('NOT_FOUND', `no member ${idOrSlug}`, { hint: 'GET /members lists them' });
}

/** Hosted members get one key of each kind: RSA for PS256 (the Danube profile), P-256, Ed25519. */
export const HOSTED_KEY_KINDS: readonly KeyKind[] = ['Ed25519', 'P-256', 'RSA'];

/** The kinds a certificate binds (JsonWebKey2020 with x5c); Ed25519 Multikeys carry none. */
const CERTIFIED_KINDS: readonly KeyKind[] = ['P-256', 'RSA'];
const FRAGMENT_PREFIX: Record<KeyKind, string> = { Ed25519: 'ed25519', 'P-256': 'p256', RSA: 'rsa' };

/**
 * A hosted P-256 key is published twice, as the service publishes its own: as JsonWebKey2020 (with
 * x5c: VC-JOSE, compliance) and as Multikey under `<id>-multikey` (ecdsa-rdfc-2019), so a Data
 * Integrity proof verifies at a verifier that does not trust the member CA, as it did before keys
 * were certified.
 */
export const MULTIKEY_TWIN_SUFFIX = '-multikey';

function multikeyTwinOf(key: MemberKeyRecord): VerificationMethod['publicKeyMultibase'] | undefined {
  if (key.kind !== 'P-256' || key.methodType !== 'JsonWebKey2020' || key.sealedPrivateKey === null) return undefined;
  const jwk = key.publicKey['publicKeyJwk'] as Record<string, unknown> | undefined;
  if (jwk === undefined) return undefined;
  return publicKeyToMultikey(createPublicKey({ key: { kty: jwk['kty'], crv: jwk['crv'], x: jwk['x'], y: jwk['y'] } as import('node:crypto').JsonWebKey, format: 'jwk' }));
}

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

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'use', 'key_ops', 'x5c', 'x5u', 'x5t', 'x5t#S256'] as const;
const MAX_REGISTERED_KEYS = 10;

function isoOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

export function createMemberRegistry(deps: MemberRegistryDependencies): MemberRegistry {
  const { store, clock } = deps;
  const prefix = `${deps.serviceDid}:members:`;
  const baseUrl = deps.baseUrl.replace(/\/+$/, '');
  let vaultPromise: Promise<MemberKeyVault> | undefined;
  const vault = (): Promise<MemberKeyVault> => {
    vaultPromise ??= deps.vault().catch((error: unknown) => {
      vaultPromise = undefined;
      throw error;
    });
    return vaultPromise;
  };

  const memberDid = (slug: string): string => `${prefix}${slug}`;
  const slugOfDid = (did: string): string | undefined => {
    if (!did.startsWith(prefix)) return undefined;
    const slug = did.slice(prefix.length);
    return SLUG_PATTERN.test(slug) ? slug : undefined;
  };
  const memberOfDid = async (did: string): Promise<MemberRecord | undefined> => {
    const slug = slugOfDid(did);
    return slug === undefined ? undefined : store.getMemberBySlug(slug);
  };
  const now = (): string => clock().toISOString();

  let memberCaPromise: Promise<MemberCa | undefined> | undefined;
  const memberCa = (): Promise<MemberCa | undefined> => {
    memberCaPromise ??= (deps.memberCa?.() ?? Promise.resolve(undefined)).catch((error: unknown) => {
      memberCaPromise = undefined;
      throw error;
    });
    return memberCaPromise;
  };

  /** The leaf certificates of a key's x5c, for views and audit details. */
  const certificatesOf = (x5c: readonly string[]): CertificateView[] =>
    x5c.map((der) => {
      const info = certificateInfo(der);
      return { subject: info.subject, issuer: info.issuer, notBefore: info.notBefore.toISOString(), notAfter: info.notAfter.toISOString() };
    });

  async function generateHostedKeys(member: { id: string; did: string; name: string }): Promise<MemberKeyRecord[]> {
    const [keys, ca] = await Promise.all([vault(), memberCa()]);
    return Promise.all(HOSTED_KEY_KINDS.map(async (kind): Promise<MemberKeyRecord> => {
      const id = `${member.did}#${FRAGMENT_PREFIX[kind]}-${randomBytes(4).toString('hex')}`;
      const pair = await keys.generate(kind, id);
      let methodType: string;
      let publicKey: Record<string, unknown>;
      if (CERTIFIED_KINDS.includes(kind)) {
        const x5c = ca === undefined ? undefined : await ca.certify({ commonName: member.did, organization: member.name }, pair.publicKey);
        methodType = 'JsonWebKey2020';
        publicKey = { publicKeyJwk: { ...publicJwkOf(pair.publicKey), ...(kind === 'RSA' ? { alg: 'PS256' } : {}), ...(x5c === undefined ? {} : { x5c }) } };
      } else {
        methodType = 'Multikey';
        publicKey = { publicKeyMultibase: publicKeyToMultikey(pair.publicKey) };
      }
      return {
        id,
        memberId: member.id,
        kind,
        methodType,
        publicKey,
        sealedPrivateKey: pair.sealedPrivateKey,
        state: 'active',
        createdAt: now(),
        retiredAt: null,
        signedUntil: null,
        signedUnbounded: false,
      };
    }));
  }

  /** What the audit entry of new hosted keys says of their certificates. */
  const certificateDetails = (keys: readonly MemberKeyRecord[]) =>
    keys.flatMap((k) => {
      const x5c = (k.publicKey['publicKeyJwk'] as { x5c?: string[] } | undefined)?.x5c;
      return x5c === undefined ? [] : [{ verificationMethod: k.id, ...certificatesOf(x5c.slice(0, 1))[0] }];
    });

  /** The member's active hosted key named by `kid` (a fragment, or the whole method id). */
  async function hostedKey(member: MemberRecord, kid: string): Promise<MemberKeyRecord> {
    const id = kid.includes('#') ? kid : `${member.did}#${kid}`;
    // `rsa`, `p256`: the member's active key of that kind, whatever rotation named it.
    const kind = (Object.keys(FRAGMENT_PREFIX) as KeyKind[]).find((k) => FRAGMENT_PREFIX[k] === kid);
    const key = (await store.memberKeys(member.id)).find((k) => k.state === 'active' && (kind === undefined ? k.id === id : k.kind === kind));
    if (key === undefined) {
      throw new GxTrustError('NOT_FOUND', `member ${member.slug} has no active key ${kid}`, { hint: 'GET /members/{id} lists its verification methods' });
    }
    if (key.sealedPrivateKey === null) {
      throw new GxTrustError('INVALID_INPUT', `${id} is a key the member holds itself: gx-trust has no private key to certify`, {
        hint: 'Register the key with its x5c or x5u (POST /members/{id}/keys/rotate with publicKeys)',
      });
    }
    if (!CERTIFIED_KINDS.includes(key.kind as KeyKind)) {
      throw new GxTrustError('INVALID_INPUT', `${id} is an ${key.kind} key; certificates bind the member's ${CERTIFIED_KINDS.join(' and ')} keys`, {
        hint: 'Name the RSA or P-256 key',
      });
    }
    return key;
  }

  async function open(key: MemberKeyRecord & { sealedPrivateKey: string }): Promise<HostedSigningKey> {
    return {
      verificationMethodId: key.id,
      ...(multikeyTwinOf(key) === undefined ? {} : { multikeyVerificationMethodId: key.id + MULTIKEY_TWIN_SUFFIX }),
      signingKey: (await vault()).open(key.sealedPrivateKey, key.id),
    };
  }

  function registeredKeys(member: { id: string; did: string }, keys: readonly RegisteredPublicKey[], pointer: string): MemberKeyRecord[] {
    if (keys.length === 0 || keys.length > MAX_REGISTERED_KEYS) {
      throw new GxTrustError('INVALID_INPUT', `register 1 to ${MAX_REGISTERED_KEYS} public keys`, { pointer });
    }
    return keys.map((entry, i) => {
      const at = `${pointer}/${i}/publicKeyJwk`;
      const given = entry.publicKeyJwk as Record<string, unknown>;
      const secret = PRIVATE_JWK_MEMBERS.find((m) => Object.hasOwn(given, m));
      if (secret !== undefined) {
        // Never echo the value: the caller just leaked a private key and should replace it.
        throw new GxTrustError('INVALID_INPUT', `publicKeyJwk carries private key material ("${secret}")`, {
          pointer: `${at}/${secret}`,
          hint: 'Register only the public key; treat the key you sent as compromised and generate a new one',
        });
      }
      const jwk: Record<string, unknown> = {};
      for (const m of PUBLIC_JWK_MEMBERS) if (given[m] !== undefined) jwk[m] = given[m];
      let kind: KeyKind;
      try {
        kind = keyKindOf(jwk as JWK);
      } catch (cause) {
        throw new GxTrustError('INVALID_INPUT', cause instanceof Error ? cause.message : 'unsupported key', { pointer: at, cause });
      }
      if (jwk['x5c'] !== undefined && (!Array.isArray(jwk['x5c']) || jwk['x5c'].length === 0 || jwk['x5c'].length > 10 || !jwk['x5c'].every((c) => typeof c === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(c)))) {
        throw new GxTrustError('INVALID_INPUT', 'x5c must be 1 to 10 base64 DER certificates, leaf first', { pointer: `${at}/x5c` });
      }
      if (jwk['x5u'] !== undefined) {
        const url = typeof jwk['x5u'] === 'string' && URL.canParse(jwk['x5u']) ? new URL(jwk['x5u']) : undefined;
        if (url === undefined || !(url.protocol === 'https:' || (!deps.production && url.protocol === 'http:'))) {
          throw new GxTrustError('INVALID_INPUT', 'x5u must be an https URL', { pointer: `${at}/x5u` });
        }
      }
      const id = `${member.did}#jwk-${randomBytes(4).toString('hex')}`;
      return {
        id,
        memberId: member.id,
        kind,
        methodType: 'JsonWebKey2020',
        publicKey: { publicKeyJwk: jwk },
        sealedPrivateKey: null,
        state: 'active' as const,
        createdAt: now(),
        retiredAt: null,
        signedUntil: null,
        signedUnbounded: false,
      };
    });
  }

  /** Whether a key is in the DID document now, and with which expiry. */
  function publication(key: MemberKeyRecord, at: string): { published: boolean; expires?: string } {
    if (key.state === 'active') return { published: true };
    if (key.state === 'removed') return { published: false };
    // Registered keys: gx-trust does not know what they signed; they stay until removed.
    if (key.sealedPrivateKey === null || key.signedUnbounded) return { published: true };
    if (key.signedUntil === null || key.signedUntil <= at) return { published: false };
    return { published: true, expires: key.signedUntil };
  }

  function methodView(key: MemberKeyRecord, at: string): VerificationMethodView {
    const { expires } = publication(key, at);
    const x5c = (key.publicKey['publicKeyJwk'] as { x5c?: string[] } | undefined)?.x5c;
    return {
      id: key.id,
      type: key.methodType,
      state: key.state,
      createdAt: key.createdAt,
      retiredAt: key.retiredAt,
      ...(expires === undefined ? {} : { expires }),
      ...(x5c === undefined || x5c.length === 0 ? {} : { certificates: certificatesOf(x5c) }),
    };
  }

  // Written only through createApiKey with a Role, and the table's CHECK holds the same list.
  const apiKeyView = (k: ApiKeyRecord): ApiKeyView => ({ id: k.id, role: k.role as Role, createdAt: k.createdAt, revokedAt: k.revokedAt });

  async function view(member: MemberRecord): Promise<MemberView> {
    const [keys, apiKeys] = await Promise.all([store.memberKeys(member.id), store.listApiKeys(member.id)]);
    const at = now();
    return {
      id: member.id,
      slug: member.slug,
      name: member.name,
      did: member.did,
      didDocumentUrl: `${baseUrl}/members/${member.slug}/did.json`,
      custody: member.custody,
      createdAt: member.createdAt,
      verificationMethods: keys.map((k) => methodView(k, at)),
      apiKeys: apiKeys.map(apiKeyView),
    };
  }

  async function find(idOrSlug: string): Promise<MemberRecord> {
    const member = (await store.getMember(idOrSlug)) ?? (SLUG_PATTERN.test(idOrSlug) ? await store.getMemberBySlug(idOrSlug) : undefined);
    if (member === undefined) throw noSuchMember(idOrSlug);
    return member;
  }

  /** The member's DID document at instant `at`, from its key records. */
  function documentOf(member: MemberRecord, keys: readonly MemberKeyRecord[], at: string): DidDocument {
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

  const signing: MemberSigning = {
    hosts: (did) => did.startsWith(prefix),
    member: memberOfDid,
    async certificateNotAfter(did, kind) {
      const member = await memberOfDid(did);
      if (member === undefined || member.custody !== 'hosted') return undefined;
      const key = await store.activeMemberKey(member.id, kind);
      const x5c = (key?.publicKey['publicKeyJwk'] as { x5c?: string[] } | undefined)?.x5c;
      if (x5c === undefined || x5c.length === 0) return undefined;
      return new Date(Math.min(...x5c.map((der) => certificateInfo(der).notAfter.getTime())));
    },
    async keyFor(did, kind, use, pointer) {
      const member = await memberOfDid(did);
      if (member === undefined) throw new GxTrustError('INVALID_INPUT', `${did} is not a member of this service`, { pointer });
      if (member.custody !== 'hosted') {
        throw new GxTrustError('INVALID_INPUT', `${did} signs elsewhere: gx-trust holds only its public keys`, {
          pointer,
          hint: 'Sign with the member\'s own key; gx-trust can verify what it signed',
        });
      }
      const key =
        'presentation' in use
          ? await store.activeMemberKey(member.id, kind)
          : await store.reserveMemberKeyUse({ memberId: member.id, kind, validUntil: use.credentialValidUntil === null ? null : isoOf(use.credentialValidUntil) });
      if (key === undefined || key.sealedPrivateKey === null) {
        throw new GxTrustError('INVALID_INPUT', `${did} has no ${kind} key`, {
          pointer,
          hint: kind === 'RSA'
            ? 'Members created before hosted RSA keys get one by rotating their keys (POST /members/{id}/keys/rotate)'
            : `Members sign with ${HOSTED_KEY_KINDS.join(', ')} keys: choose eddsa-rdfc-2022 / ecdsa-rdfc-2019, or alg EdDSA / ES256 / PS256`,
        });
      }
      return open({ ...key, sealedPrivateKey: key.sealedPrivateKey });
    },
  };

  const certified = (keys: readonly MemberKeyRecord[]) => {
    const certificates = certificateDetails(keys);
    return certificates.length === 0 ? {} : { certificates };
  };

  return {
    memberDid,
    find,
    view,
    signing,

    async certificationRequest(member, kid, actor) {
      const key = await hostedKey(member, kid);
      const pem = await (await vault()).certificationRequest(key.sealedPrivateKey as string, key.id, member.did);
      await store.appendAudit({
        actor,
        action: 'member.changed',
        subject: member.did,
        digests: {},
        details: { change: 'key.certification-requested', memberId: member.id, verificationMethod: key.id },
      });
      return { verificationMethod: key.id, pem };
    },

    async installCertificate(member, kid, chainPem, actor) {
      const key = await hostedKey(member, kid);
      const publicJwk = key.publicKey['publicKeyJwk'] as Record<string, unknown> | undefined;
      if (publicJwk === undefined) throw new GxTrustError('INTERNAL', `${key.id} publishes no publicKeyJwk`);
      const opened = await open({ ...key, sealedPrivateKey: key.sealedPrivateKey as string });
      const x5c = await checkedChain({ chainPem, publicKey: opened.signingKey.publicKey, trustAnchorsPem: deps.trustAnchorsPem ?? [], now: clock(), pointer: '/certificateChain' });
      const { x5c: _previous, x5u: _url, ...bare } = publicJwk;
      const certificates = certificatesOf(x5c);
      const installed = await store.replaceMemberKeyPublicKey({
        memberId: member.id,
        keyId: key.id,
        publicKey: { publicKeyJwk: { ...bare, x5c } },
        audit: {
          actor,
          action: 'member.changed',
          subject: member.did,
          digests: {},
          details: { change: 'key.certificate-installed', memberId: member.id, verificationMethod: key.id, certificate: certificates[0] },
        },
      });
      // Rotated away between the read and the write: the key named is no longer the member's active key.
      if (!installed) throw new GxTrustError('CONFLICT', `${key.id} was rotated meanwhile`, { hint: 'Ask for a new request for the current key' });
      return { verificationMethod: key.id, certificates };
    },

    async create(input, actor) {
      if (!SLUG_PATTERN.test(input.slug)) {
        throw new GxTrustError('INVALID_INPUT', `slug ${JSON.stringify(input.slug)} is not a lower-case DNS label`, { pointer: '/slug' });
      }
      const member: MemberRecord = {
        id: `mbr_${randomUUID()}`,
        slug: input.slug,
        name: input.name,
        did: memberDid(input.slug),
        custody: input.keys === undefined || input.keys === 'generate' ? 'hosted' : 'external',
        createdAt: now(),
      };
      if ((await store.getMemberBySlug(member.slug)) !== undefined) {
        throw new GxTrustError('CONFLICT', `a member with slug ${member.slug} exists already`, { pointer: '/slug' });
      }
      const keys =
        member.custody === 'hosted'
          ? await generateHostedKeys(member)
          : registeredKeys(member, (input.keys as { publicKeys: readonly RegisteredPublicKey[] }).publicKeys, '/keys/publicKeys');
      await store.createMember({
        member,
        keys,
        audit: {
          actor,
          action: 'member.changed',
          subject: member.did,
          digests: {},
          details: { change: 'created', memberId: member.id, slug: member.slug, custody: member.custody, verificationMethods: keys.map((k) => k.id), ...certified(keys) },
        },
      });
      return view(member);
    },

    async list() {
      return Promise.all((await store.listMembers()).map(view));
    },

    async createApiKey(member, role, actor) {
      const apiKey = generateApiKey();
      const record: ApiKeyRecord = { id: `key_${randomBytes(8).toString('hex')}`, memberId: member.id, role, hash: apiKeyHash(apiKey), createdAt: now(), revokedAt: null };
      await store.createApiKey({
        apiKey: record,
        audit: { actor, action: 'member.changed', subject: member.did, digests: {}, details: { change: 'api-key.created', memberId: member.id, apiKeyId: record.id, role } },
      });
      return { ...apiKeyView(record), memberId: member.id, apiKey };
    },

    async revokeApiKey(member, keyId, actor) {
      const revoked = await store.revokeApiKey({
        memberId: member.id,
        keyId,
        at: now(),
        audit: { actor, action: 'member.changed', subject: member.did, digests: {}, details: { change: 'api-key.revoked', memberId: member.id, apiKeyId: keyId } },
      });
      if (!revoked) throw new GxTrustError('NOT_FOUND', `member ${member.slug} has no unrevoked API key ${keyId}`);
    },

    async rotateKeys(member, options, actor) {
      const previousMode = options.previous ?? 'retire';
      let newKeys: MemberKeyRecord[];
      if (member.custody === 'hosted') {
        if (options.publicKeys !== undefined) {
          throw new GxTrustError('INVALID_INPUT', `${member.slug}'s keys are generated by gx-trust; send no publicKeys`, { pointer: '/publicKeys' });
        }
        newKeys = await generateHostedKeys(member);
      } else {
        if (options.publicKeys === undefined) {
          throw new GxTrustError('INVALID_INPUT', `${member.slug} signs elsewhere: send the new publicKeys`, { pointer: '/publicKeys' });
        }
        newKeys = registeredKeys(member, options.publicKeys, '/publicKeys');
      }
      const { previous } = await store.rotateMemberKeys({
        memberId: member.id,
        newKeys,
        previous: previousMode,
        at: now(),
        audit: {
          actor,
          action: 'member.changed',
          subject: member.did,
          digests: {},
          details: { change: 'keys.rotated', memberId: member.id, previous: previousMode, verificationMethods: newKeys.map((k) => k.id), ...certified(newKeys) },
        },
      });
      return { member: await view(member), previous, current: newKeys.map((k) => k.id) };
    },

    async didDocument(slug) {
      if (!SLUG_PATTERN.test(slug)) return undefined;
      const member = await store.getMemberBySlug(slug);
      if (member === undefined) return undefined;
      return documentOf(member, await store.memberKeys(member.id), now());
    },

    documentOf,
  };
}
