/**
 * A member's keys: hosted ones gx-trust generates (one of each kind, the RSA and P-256 keys
 * certified by the member CA) and holds sealed in the keyring, or public keys a member registers
 * because it signs elsewhere; rotation replaces either.
 */
import { randomBytes } from 'node:crypto';
import type { JWK } from 'jose';
import { publicJwkOf, publicKeyToMultikey } from '../../dids/multikey.js';
import { GxTrustError } from '../../errors.js';
import { keyKindOf, type KeyKind } from '../../algorithms/index.js';
import type { MemberKeyRecord, MemberRecord } from '../../storage/store.js';
import type { RegistryContext } from './context.js';
import { MULTIKEY_TWIN_SUFFIX, multikeyTwinOf } from './did-documents.js';
import type { HostedSigningKey, MemberView, RegisteredPublicKey } from './types.js';
import { certificatesOf, view } from './views.js';

/**
 * Hosted members get one key of each of these kinds: RSA for PS256 (the Danube profile), P-256,
 * Ed25519. P-384 and P-521 are the service's own only (ES384, ecdsa-rdfc-2019 P-384, ES512): no
 * member key of them is generated or registered.
 */
export const HOSTED_KEY_KINDS: readonly KeyKind[] = ['Ed25519', 'P-256', 'RSA'];

/** The kinds a certificate binds (JsonWebKey2020 with x5c); Ed25519 Multikeys carry none. */
export const CERTIFIED_KINDS: readonly KeyKind[] = ['P-256', 'RSA'];
export const FRAGMENT_PREFIX: Record<Exclude<KeyKind, 'P-384' | 'P-521'>, string> = { Ed25519: 'ed25519', 'P-256': 'p256', RSA: 'rsa' };

const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;
const PUBLIC_JWK_MEMBERS = ['kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'use', 'key_ops', 'x5c', 'x5u', 'x5t', 'x5t#S256'] as const;
const MAX_REGISTERED_KEYS = 10;

export async function generateHostedKeys(ctx: RegistryContext, member: { id: string; did: string; name: string }): Promise<MemberKeyRecord[]> {
  const [keys, ca] = await Promise.all([ctx.vault(), ctx.memberCa()]);
  return Promise.all(HOSTED_KEY_KINDS.map(async (kind): Promise<MemberKeyRecord> => {
    const id = `${member.did}#${FRAGMENT_PREFIX[kind as keyof typeof FRAGMENT_PREFIX]}-${randomBytes(4).toString('hex')}`;
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
      createdAt: ctx.now(),
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

/** The audit details of new keys' certificates, when they have any. */
export const certified = (keys: readonly MemberKeyRecord[]) => {
  const certificates = certificateDetails(keys);
  return certificates.length === 0 ? {} : { certificates };
};

/** The member's active hosted key named by `kid` (a fragment, or the whole method id). */
export async function hostedKey(ctx: RegistryContext, member: MemberRecord, kid: string): Promise<MemberKeyRecord> {
  const id = kid.includes('#') ? kid : `${member.did}#${kid}`;
  // `rsa`, `p256`: the member's active key of that kind, whatever rotation named it.
  const kind = (Object.keys(FRAGMENT_PREFIX) as (keyof typeof FRAGMENT_PREFIX)[]).find((k) => FRAGMENT_PREFIX[k] === kid);
  const key = (await ctx.store.memberKeys(member.id)).find((k) => k.state === 'active' && (kind === undefined ? k.id === id : k.kind === kind));
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

/** A hosted key opened by the keyring, with the methods that name it. */
export async function openHostedKey(ctx: RegistryContext, key: MemberKeyRecord & { sealedPrivateKey: string }): Promise<HostedSigningKey> {
  return {
    verificationMethodId: key.id,
    ...(multikeyTwinOf(key) === undefined ? {} : { multikeyVerificationMethodId: key.id + MULTIKEY_TWIN_SUFFIX }),
    signingKey: (await ctx.vault()).open(key.sealedPrivateKey, key.id),
  };
}

/** Public keys a member registers because it signs elsewhere: public members only, x5c / x5u checked. */
export function registeredKeys(ctx: RegistryContext, member: { id: string; did: string }, keys: readonly RegisteredPublicKey[], pointer: string): MemberKeyRecord[] {
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
    if (!HOSTED_KEY_KINDS.includes(kind)) {
      throw new GxTrustError('INVALID_INPUT', `members register ${HOSTED_KEY_KINDS.join(', ')} keys, not ${kind}`, {
        pointer: at,
        hint: 'Register an Ed25519, P-256 or RSA public key',
      });
    }
    if (jwk['x5c'] !== undefined && (!Array.isArray(jwk['x5c']) || jwk['x5c'].length === 0 || jwk['x5c'].length > 10 || !jwk['x5c'].every((c) => typeof c === 'string' && /^[A-Za-z0-9+/]+={0,2}$/.test(c)))) {
      throw new GxTrustError('INVALID_INPUT', 'x5c must be 1 to 10 base64 DER certificates, leaf first', { pointer: `${at}/x5c` });
    }
    if (jwk['x5u'] !== undefined) {
      const url = typeof jwk['x5u'] === 'string' && URL.canParse(jwk['x5u']) ? new URL(jwk['x5u']) : undefined;
      if (url === undefined || !(url.protocol === 'https:' || (!ctx.deps.production && url.protocol === 'http:'))) {
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
      createdAt: ctx.now(),
      retiredAt: null,
      signedUntil: null,
      signedUnbounded: false,
    };
  });
}

/** New keys (generated, or registered for an external member); the previous ones retired or removed. */
export async function rotateKeys(
  ctx: RegistryContext,
  member: MemberRecord,
  options: { previous?: 'retire' | 'remove' | undefined; publicKeys?: readonly RegisteredPublicKey[] | undefined },
  actor: string,
): Promise<{ member: MemberView; previous: string[]; current: string[] }> {
  const previousMode = options.previous ?? 'retire';
  let newKeys: MemberKeyRecord[];
  if (member.custody === 'hosted') {
    if (options.publicKeys !== undefined) {
      throw new GxTrustError('INVALID_INPUT', `${member.slug}'s keys are generated by gx-trust; send no publicKeys`, { pointer: '/publicKeys' });
    }
    newKeys = await generateHostedKeys(ctx, member);
  } else {
    if (options.publicKeys === undefined) {
      throw new GxTrustError('INVALID_INPUT', `${member.slug} signs elsewhere: send the new publicKeys`, { pointer: '/publicKeys' });
    }
    newKeys = registeredKeys(ctx, member, options.publicKeys, '/publicKeys');
  }
  const { previous } = await ctx.store.rotateMemberKeys({
    memberId: member.id,
    newKeys,
    previous: previousMode,
    at: ctx.now(),
    audit: {
      actor,
      action: 'member.changed',
      subject: member.did,
      digests: {},
      details: { change: 'keys.rotated', memberId: member.id, previous: previousMode, verificationMethods: newKeys.map((k) => k.id), ...certified(newKeys) },
    },
  });
  return { member: await view(ctx, member), previous, current: newKeys.map((k) => k.id) };
}
