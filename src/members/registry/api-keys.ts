/** A member's API keys: random, shown once, stored as a hash; creating and revoking one is audited. */
import { randomBytes } from 'node:crypto';
import { GxTrustError } from '../../errors.js';
import { apiKeyHash, generateApiKey } from '../../access/api-keys.js';
import type { Role } from '../../access/principal.js';
import type { ApiKeyRecord, MemberRecord } from '../../storage/store.js';
import type { RegistryContext } from './context.js';
import type { ApiKeyView } from './types.js';
import { apiKeyView } from './views.js';

/** The only time the key is seen: the caller hands it over and forgets it. */
export async function createApiKey(ctx: RegistryContext, member: MemberRecord, role: Role, actor: string): Promise<ApiKeyView & { apiKey: string; memberId: string }> {
  const apiKey = generateApiKey();
  const record: ApiKeyRecord = { id: `key_${randomBytes(8).toString('hex')}`, memberId: member.id, role, hash: apiKeyHash(apiKey), createdAt: ctx.now(), revokedAt: null };
  await ctx.store.createApiKey({
    apiKey: record,
    audit: { actor, action: 'member.changed', subject: member.did, digests: {}, details: { change: 'api-key.created', memberId: member.id, apiKeyId: record.id, role } },
  });
  return { ...apiKeyView(record), memberId: member.id, apiKey };
}

export async function revokeApiKey(ctx: RegistryContext, member: MemberRecord, keyId: string, actor: string): Promise<void> {
  const revoked = await ctx.store.revokeApiKey({
    memberId: member.id,
    keyId,
    at: ctx.now(),
    audit: { actor, action: 'member.changed', subject: member.did, digests: {}, details: { change: 'api-key.revoked', memberId: member.id, apiKeyId: keyId } },
  });
  if (!revoked) throw new GxTrustError('NOT_FOUND', `member ${member.slug} has no unrevoked API key ${keyId}`);
}
