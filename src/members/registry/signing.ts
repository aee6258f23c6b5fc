/** How the issuer signs as a member DID this service hosts: the member's active key of a kind, opened by the keyring. */
import { GxTrustError } from '../../errors.js';
import { certificateInfo } from '../../x509/index.js';
import type { RegistryContext } from './context.js';
import { HOSTED_KEY_KINDS, openHostedKey } from './keys.js';
import type { MemberSigning } from './types.js';

function isoOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : new Date(at).toISOString();
}

export function memberSigning(ctx: RegistryContext): MemberSigning {
  const { store, prefix, memberOfDid } = ctx;
  return {
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
      return openHostedKey(ctx, { ...key, sealedPrivateKey: key.sealedPrivateKey });
    },
  };
}
