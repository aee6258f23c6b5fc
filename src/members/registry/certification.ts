/**
 * Certificates another CA issues for a member's hosted key: a PKCS#10 request the keyring signs
 * with the key, and the chain the member installs for it (checked in ../certificates.ts). Both audited.
 */
import { GxTrustError } from '../../errors.js';
import type { MemberRecord } from '../../storage/store.js';
import { checkedChain } from '../certificates.js';
import type { RegistryContext } from './context.js';
import { hostedKey, openHostedKey } from './keys.js';
import type { CertificateView } from './types.js';
import { certificatesOf } from './views.js';

/** A PKCS#10 request signed by the hosted key `kid` (a fragment, the method id, or `rsa` / `p256`: the active key of that kind); audited. */
export async function certificationRequest(ctx: RegistryContext, member: MemberRecord, kid: string, actor: string): Promise<{ verificationMethod: string; pem: string }> {
  const key = await hostedKey(ctx, member, kid);
  const pem = await (await ctx.vault()).certificationRequest(key.sealedPrivateKey as string, key.id, member.did);
  await ctx.store.appendAudit({
    actor,
    action: 'member.changed',
    subject: member.did,
    digests: {},
    details: { change: 'key.certification-requested', memberId: member.id, verificationMethod: key.id },
  });
  return { verificationMethod: key.id, pem };
}

/** Installs a chain for the hosted key `kid`: it becomes the method's x5c; audited. */
export async function installCertificate(
  ctx: RegistryContext,
  member: MemberRecord,
  kid: string,
  chainPem: string,
  actor: string,
): Promise<{ verificationMethod: string; certificates: CertificateView[] }> {
  const key = await hostedKey(ctx, member, kid);
  const publicJwk = key.publicKey['publicKeyJwk'] as Record<string, unknown> | undefined;
  if (publicJwk === undefined) throw new GxTrustError('INTERNAL', `${key.id} publishes no publicKeyJwk`);
  const opened = await openHostedKey(ctx, { ...key, sealedPrivateKey: key.sealedPrivateKey as string });
  const x5c = await checkedChain({ chainPem, publicKey: opened.signingKey.publicKey, trustAnchorsPem: ctx.deps.trustAnchorsPem ?? [], now: ctx.deps.clock(), pointer: '/certificateChain' });
  const { x5c: _previous, x5u: _url, ...bare } = publicJwk;
  const certificates = certificatesOf(x5c);
  const installed = await ctx.store.replaceMemberKeyPublicKey({
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
}
