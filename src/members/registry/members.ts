/** Members themselves: created (with hosted or registered keys), found by id or slug, listed. */
import { randomUUID } from 'node:crypto';
import { GxTrustError } from '../../errors.js';
import type { MemberRecord } from '../../storage/store.js';
import { noSuchMember, SLUG_PATTERN, type RegistryContext } from './context.js';
import { certified, generateHostedKeys, registeredKeys } from './keys.js';
import type { MemberKeysRequest, MemberView, RegisteredPublicKey } from './types.js';
import { view } from './views.js';

export async function createMember(ctx: RegistryContext, input: { slug: string; name: string; keys?: MemberKeysRequest | undefined }, actor: string): Promise<MemberView> {
  const { store } = ctx;
  if (!SLUG_PATTERN.test(input.slug)) {
    throw new GxTrustError('INVALID_INPUT', `slug ${JSON.stringify(input.slug)} is not a lower-case DNS label`, { pointer: '/slug' });
  }
  const member: MemberRecord = {
    id: `mbr_${randomUUID()}`,
    slug: input.slug,
    name: input.name,
    did: ctx.memberDid(input.slug),
    custody: input.keys === undefined || input.keys === 'generate' ? 'hosted' : 'external',
    createdAt: ctx.now(),
  };
  if ((await store.getMemberBySlug(member.slug)) !== undefined) {
    throw new GxTrustError('CONFLICT', `a member with slug ${member.slug} exists already`, { pointer: '/slug' });
  }
  const keys =
    member.custody === 'hosted'
      ? await generateHostedKeys(ctx, member)
      : registeredKeys(ctx, member, (input.keys as { publicKeys: readonly RegisteredPublicKey[] }).publicKeys, '/keys/publicKeys');
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
  return view(ctx, member);
}

/** By id or by slug; NOT_FOUND otherwise. */
export async function findMember(ctx: RegistryContext, idOrSlug: string): Promise<MemberRecord> {
  const member = (await ctx.store.getMember(idOrSlug)) ?? (SLUG_PATTERN.test(idOrSlug) ? await ctx.store.getMemberBySlug(idOrSlug) : undefined);
  if (member === undefined) throw noSuchMember(idOrSlug);
  return member;
}

export async function listMembers(ctx: RegistryContext): Promise<MemberView[]> {
  return Promise.all((await ctx.store.listMembers()).map((member) => view(ctx, member)));
}
