/** The member part of the store contract, on SQLite and (with GX_TEST_DATABASE_URL) PostgreSQL. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemberKeyRecord, MemberRecord, Store } from '../../src/storage/store.js';
import { STORE_KINDS, type Harness } from '../storage/harness.js';

const T0 = '2026-01-01T00:00:00.000Z';
const member = (slug: string): MemberRecord => ({ id: `mbr_${slug}`, slug, name: slug, did: `did:web:trust.example:members:${slug}`, custody: 'hosted', createdAt: T0 });
const key = (m: MemberRecord, n: number, kind = 'Ed25519'): MemberKeyRecord => ({
  id: `${m.did}#k${n}`,
  memberId: m.id,
  kind,
  methodType: 'Multikey',
  publicKey: { publicKeyMultibase: `z6Mk${n}` },
  sealedPrivateKey: `sealed-${n}`,
  state: 'active',
  createdAt: T0,
  retiredAt: null,
  signedUntil: null,
  signedUnbounded: false,
});
const audit = (subject: string) => ({ actor: 'test', action: 'member.changed', subject, digests: {} });

describe.each(STORE_KINDS)('member store on $name', (kind) => {
  let harness: Harness;
  let store: Store;

  beforeEach(async () => {
    harness = await kind.create();
    store = await harness.open();
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('creates a member with its keys and an audit entry; a taken slug is CONFLICT and writes nothing', async () => {
    const acme = member('acme');
    await store.createMember({ member: acme, keys: [key(acme, 1)], audit: audit(acme.did) });
    expect(await store.getMember(acme.id)).toEqual(acme);
    expect(await store.getMemberBySlug('acme')).toEqual(acme);
    expect((await store.memberKeys(acme.id)).map((k) => k.id)).toEqual([`${acme.did}#k1`]);
    await expect(store.createMember({ member: { ...acme, id: 'mbr_other' }, keys: [], audit: audit(acme.did) })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await store.auditSize()).toBe(1);
    expect((await store.listMembers()).map((m) => m.slug)).toEqual(['acme']);
  });

  it('records the latest validUntil a key is about to sign, and "without end" once seen', async () => {
    const acme = member('acme');
    await store.createMember({ member: acme, keys: [key(acme, 1)], audit: audit(acme.did) });
    const reserve = (validUntil: string | null) => store.reserveMemberKeyUse({ memberId: acme.id, kind: 'Ed25519', validUntil });
    expect((await reserve('2027-01-01T00:00:00.000Z'))?.signedUntil).toBe('2027-01-01T00:00:00.000Z');
    expect((await reserve('2026-06-01T00:00:00.000Z'))?.signedUntil).toBe('2027-01-01T00:00:00.000Z');
    expect((await reserve('2028-01-01T00:00:00.000Z'))?.signedUntil).toBe('2028-01-01T00:00:00.000Z');
    expect((await reserve(null))?.signedUnbounded).toBe(true);
    expect(await store.reserveMemberKeyUse({ memberId: acme.id, kind: 'P-256', validUntil: null })).toBeUndefined();
  });

  it('rotates: retire keeps the old key (with what it signed), remove takes every earlier key out', async () => {
    const acme = member('acme');
    await store.createMember({ member: acme, keys: [key(acme, 1)], audit: audit(acme.did) });
    await store.reserveMemberKeyUse({ memberId: acme.id, kind: 'Ed25519', validUntil: '2027-01-01T00:00:00.000Z' });
    const first = await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'retire', at: T0, audit: audit(acme.did) });
    expect(first.previous).toEqual([`${acme.did}#k1`]);
    expect((await store.activeMemberKey(acme.id, 'Ed25519'))?.id).toBe(`${acme.did}#k2`);
    const retired = (await store.memberKeys(acme.id)).find((k) => k.id === `${acme.did}#k1`);
    expect(retired).toMatchObject({ state: 'retired', retiredAt: T0, signedUntil: '2027-01-01T00:00:00.000Z' });

    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 3)], previous: 'remove', at: T0, audit: audit(acme.did) });
    const states = Object.fromEntries((await store.memberKeys(acme.id)).map((k) => [k.id.split('#')[1], k.state]));
    expect(states).toEqual({ k1: 'removed', k2: 'removed', k3: 'active' });
    expect(await store.auditSize()).toBe(3);
  });

  it('has a removal re-sign the member\'s status lists (their versions go up), not on retirement, and nobody else\'s', async () => {
    const acme = member('acme');
    const other = member('other');
    await store.createMember({ member: acme, keys: [key(acme, 1)], audit: audit(acme.did) });
    await store.createMember({ member: other, keys: [key(other, 1)], audit: audit(other.did) });
    await store.ensureStatusList({ id: 'member.acme.revocation-0', purpose: 'revocation', size: 8, issuer: acme.did });
    await store.ensureStatusList({ id: 'member.other.revocation-0', purpose: 'revocation', size: 8, issuer: other.did });
    await store.ensureStatusList({ id: 'revocation-0', purpose: 'revocation', size: 8 });
    const versions = async () => Promise.all(['member.acme.revocation-0', 'member.other.revocation-0', 'revocation-0'].map(async (id) => (await store.getStatusList(id))?.version));
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'retire', at: T0, audit: audit(acme.did) });
    expect(await versions()).toEqual([0, 0, 0]);
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 3)], previous: 'remove', at: T0, audit: audit(acme.did) });
    expect(await versions()).toEqual([1, 0, 0]);
  });

  it('finds API keys by hash and revokes them once', async () => {
    const acme = member('acme');
    await store.createMember({ member: acme, keys: [], audit: audit(acme.did) });
    await store.createApiKey({ apiKey: { id: 'key_1', memberId: acme.id, role: 'connector', hash: 'ab'.repeat(32), createdAt: T0, revokedAt: null }, audit: audit(acme.did) });
    expect(await store.apiKeyByHash('ab'.repeat(32))).toMatchObject({ id: 'key_1', role: 'connector', revokedAt: null });
    expect(await store.revokeApiKey({ memberId: acme.id, keyId: 'key_1', at: T0, audit: audit(acme.did) })).toBe(true);
    expect(await store.revokeApiKey({ memberId: acme.id, keyId: 'key_1', at: T0, audit: audit(acme.did) })).toBe(false);
    expect(await store.revokeApiKey({ memberId: 'mbr_other', keyId: 'key_1', at: T0, audit: audit(acme.did) })).toBe(false);
    expect((await store.listApiKeys(acme.id))[0]?.revokedAt).toBe(T0);
    expect(await store.auditSize()).toBe(3);
  });
});
