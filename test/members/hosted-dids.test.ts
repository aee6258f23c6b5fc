/**
 * createHostedDids(): member DIDs from the store, on SQLite and (with GX_TEST_DATABASE_URL)
 * PostgreSQL. Concurrent resolutions share reads, but never a read that began before the caller
 * asked, so a rotation committed before a resolution is always seen by it.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createDidResolver } from '../../src/dids/index.js';
import { createHostedDids, type HostedDids } from '../../src/members/hosted-dids.js';
import { createMemberRegistry } from '../../src/members/registry.js';
import type { MemberKeyRecord, MemberRecord, Store } from '../../src/storage/store.js';
import { STORE_KINDS, type Harness } from '../storage/harness.js';

const SERVICE = 'did:web:trust.example';
const T0 = '2026-01-01T00:00:00.000Z';
const NOW = new Date('2026-02-01T00:00:00Z');
const audit = (subject: string) => ({ actor: 'test', action: 'member.changed', subject, digests: {} });
const member = (slug: string): MemberRecord => ({ id: `mbr_${slug}`, slug, name: slug, did: `${SERVICE}:members:${slug}`, custody: 'external', createdAt: T0 });
const key = (m: MemberRecord, n: number): MemberKeyRecord => ({
  id: `${m.did}#k${n}`,
  memberId: m.id,
  kind: 'Ed25519',
  methodType: 'Multikey',
  publicKey: { publicKeyMultibase: 'z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' },
  sealedPrivateKey: null,
  state: 'active',
  createdAt: T0,
  retiredAt: null,
  signedUntil: null,
  signedUnbounded: false,
});

/** The store, with its reads counted and, when a gate is set, the version reads held until it opens. */
function gatedStore(store: Store) {
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  const reads = { started: 0, keys: 0 };
  return {
    reads,
    hold() {
      gate = new Promise<void>((resolve) => (open = resolve));
    },
    release() {
      gate = undefined;
      open?.();
    },
    store: {
      getMemberBySlug: (slug: string) => store.getMemberBySlug(slug),
      memberKeys(memberId: string) {
        reads.keys += 1;
        return store.memberKeys(memberId);
      },
      async memberKeysVersion(memberId: string) {
        reads.started += 1;
        const result = store.memberKeysVersion(memberId);
        if (gate !== undefined) await gate;
        return result;
      },
    },
  };
}

describe.each(STORE_KINDS)('createHostedDids() on $name', (kind) => {
  let harness: Harness;
  let store: Store;
  let gated: ReturnType<typeof gatedStore>;
  let hosted: HostedDids;
  const acme = member('acme');

  beforeEach(async () => {
    harness = await kind.create();
    store = await harness.open();
    await store.createMember({ member: acme, keys: [key(acme, 1)], audit: audit(acme.did) });
    gated = gatedStore(store);
    const registry = createMemberRegistry({ store, serviceDid: SERVICE, baseUrl: 'https://trust.example', clock: () => NOW, production: false, vault: () => Promise.reject(new Error('no member key vault in this test')) });
    hosted = createHostedDids({ store: gated.store, registry, clock: () => NOW });
  });
  afterEach(async () => {
    await harness.dispose();
  });

  it('hosts the service\'s member DIDs only, and answers DID_NOT_FOUND for a member that does not exist', async () => {
    expect(hosted.hosts(acme.did)).toBe(true);
    expect(hosted.hosts('did:web:trust.example')).toBe(false);
    expect(hosted.hosts('did:web:other.example:members:acme')).toBe(false);
    await expect(hosted.resolve(`${SERVICE}:members:nobody`)).rejects.toMatchObject({ code: 'DID_NOT_FOUND' });
    await expect(hosted.resolve(`${SERVICE}:members:../x`)).rejects.toMatchObject({ code: 'DID_NOT_FOUND' });
  });

  it('hands out the same document while the keys are unchanged (reading their records once), and a new one as soon as they change', async () => {
    const first = await hosted.resolve(acme.did);
    expect(first.verificationMethod?.map((m) => m.id)).toEqual([`${acme.did}#k1`]);
    expect(await hosted.resolve(acme.did)).toBe(first);
    expect(gated.reads).toEqual({ started: 2, keys: 1 });
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'remove', at: T0, audit: audit(acme.did) });
    const rotated = await hosted.resolve(acme.did);
    expect(rotated.verificationMethod?.map((m) => m.id)).toEqual([`${acme.did}#k2`]);
    expect(gated.reads).toEqual({ started: 3, keys: 2 });
  });

  it('drops a retired key from the document when its expires passes, with no change in the store', async () => {
    // A hosted key (sealed private key): published after retirement until the latest validUntil it signed.
    const beta = { ...member('beta'), custody: 'hosted' as const };
    const hostedKey = (n: number): MemberKeyRecord => ({ ...key(beta, n), sealedPrivateKey: `sealed-${n}` });
    await store.createMember({ member: beta, keys: [hostedKey(1)], audit: audit(beta.did) });
    let now = NOW;
    const registry = createMemberRegistry({ store, serviceDid: SERVICE, baseUrl: 'https://trust.example', clock: () => now, production: false, vault: () => Promise.reject(new Error('no sealer')) });
    const clocked = createHostedDids({ store, registry, clock: () => now });
    const expires = new Date(NOW.getTime() + 60_000);
    await store.reserveMemberKeyUse({ memberId: beta.id, kind: 'Ed25519', validUntil: expires.toISOString() });
    await store.rotateMemberKeys({ memberId: beta.id, newKeys: [hostedKey(2)], previous: 'retire', at: T0, audit: audit(beta.did) });
    expect((await clocked.resolve(beta.did)).verificationMethod?.map((m) => m.id)).toEqual([`${beta.did}#k1`, `${beta.did}#k2`]);
    now = expires;
    expect((await clocked.resolve(beta.did)).verificationMethod?.map((m) => m.id)).toEqual([`${beta.did}#k2`]);
  });

  it('moves its version on every change of the member\'s keys, and on nothing else', async () => {
    const versions = [await store.memberKeysVersion(acme.id)];
    await store.reserveMemberKeyUse({ memberId: acme.id, kind: 'Ed25519', validUntil: '2027-01-01T00:00:00Z' });
    expect(await store.memberKeysVersion(acme.id)).toBe(versions[0]);
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'retire', at: T0, audit: audit(acme.did) });
    versions.push(await store.memberKeysVersion(acme.id));
    // A certificate installed for an active key changes no state, and must still move the version.
    expect(await store.replaceMemberKeyPublicKey({ memberId: acme.id, keyId: `${acme.did}#k2`, publicKey: { publicKeyMultibase: 'z-other' }, audit: audit(acme.did) })).toBe(true);
    versions.push(await store.memberKeysVersion(acme.id));
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 3)], previous: 'remove', at: T0, audit: audit(acme.did) });
    versions.push(await store.memberKeysVersion(acme.id));
    expect(new Set(versions).size).toBe(4);
    expect(await store.memberKeysVersion('mbr_nobody')).toBe('0:0:0');
  });

  it('shares reads among concurrent resolutions, but never one that began before the caller asked', async () => {
    gated.hold();
    const early = hosted.resolve(acme.did);
    await vi.waitFor(() => expect(gated.reads.started).toBe(1));
    // Committed while the first read is in flight: every resolution asked from now on must see it.
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'remove', at: T0, audit: audit(acme.did) });
    const late = Array.from({ length: 50 }, () => hosted.resolve(acme.did));
    gated.release();
    await early;
    const documents = await Promise.all(late);
    expect(gated.reads.started).toBe(2);
    for (const document of documents) expect(document.verificationMethod?.map((m) => m.id)).toEqual([`${acme.did}#k2`]);
  });

  it('behind the DID resolver: a removed key is KEY_NOT_FOUND on the next binding, and another spelling of the DID binds nothing', async () => {
    const resolver = createDidResolver({ testMode: false, hosted, clock: () => NOW });
    const options = { purpose: 'assertionMethod' as const, expectedController: acme.did };
    await expect(resolver.resolveVerificationMethod(`${acme.did}#k1`, options)).resolves.toMatchObject({ id: `${acme.did}#k1` });
    await store.rotateMemberKeys({ memberId: acme.id, newKeys: [key(acme, 2)], previous: 'remove', at: T0, audit: audit(acme.did) });
    await expect(resolver.resolveVerificationMethod(`${acme.did}#k1`, options)).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
    const shouted = acme.did.replace('trust.example', 'TRUST.example');
    await expect(resolver.resolveVerificationMethod(`${shouted}#k2`, { ...options, expectedController: shouted })).rejects.toMatchObject({ code: 'KEY_BINDING' });
  });
});
