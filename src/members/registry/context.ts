/**
 * What every part of the member registry shares: its dependencies, member DIDs under the service's
 * did:web, and the member key vault and member CA, each loaded once on first use.
 */
import { GxTrustError } from '../../errors.js';
import type { MemberKeyVault } from '../../keyring/member-keys.js';
import type { MemberCa } from '../../keyring/member-ca.js';
import type { MemberRecord } from '../../storage/store.js';
import type { MemberRegistryDependencies } from './types.js';

/** A DNS-label-like slug: it becomes a did:web path segment and a URL path segment. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The answer for a member id or slug that names no member (or none the caller may see: the same answer). */
export function noSuchMember(idOrSlug: string): GxTrustError {
  return new GxTrustError('NOT_FOUND', `no member ${idOrSlug}`, { hint: 'GET /members lists them' });
}

export interface RegistryContext {
  deps: MemberRegistryDependencies;
  store: MemberRegistryDependencies['store'];
  /** `<service did>:members:` */
  prefix: string;
  baseUrl: string;
  memberDid(slug: string): string;
  memberOfDid(did: string): Promise<MemberRecord | undefined>;
  now(): string;
  vault(): Promise<MemberKeyVault>;
  memberCa(): Promise<MemberCa | undefined>;
}

export function createRegistryContext(deps: MemberRegistryDependencies): RegistryContext {
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

  return { deps, store, prefix, baseUrl, memberDid, memberOfDid, now, vault, memberCa };
}
