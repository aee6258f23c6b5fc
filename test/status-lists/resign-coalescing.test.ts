/**
 * The publisher re-signs a list once at a time: a GET after a change made while the list is being
 * re-signed waits for that signature and then has the newest version signed, and changes piling up
 * meanwhile are signed once, together. So the lists whose signatures go ahead of bbs-2023 issuance
 * (the BLS12-381 did:key's) put at most one signature per list in the signing thread's queue, and
 * no GET after a change is answered with the list from before it. Real signatures of the
 * service's key throughout; the test only holds the first one back until the changes are made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { SERVICE_CALLER, type ScopedSigner } from '../../src/issuing/signing-policy.js';
import { createStatusListPublisher, decodeStatusList, type SignedStatusList } from '../../src/status-lists/credential.js';
import { createStatusWorld, postStatus, statusBody, type StatusWorld } from './fixtures.js';

let world: StatusWorld;

beforeAll(async () => {
  world = await createStatusWorld();
}, 60_000);
afterAll(async () => {
  await world?.dispose();
});

const entryOf = (verifiable: JsonObject | string) => {
  const [entry] = (verifiable as { credentialStatus: { statusListCredential: string; statusListIndex: string }[] }).credentialStatus;
  return { listId: entry!.statusListCredential.split('/').at(-1)!, index: Number(entry!.statusListIndex) };
};
const bitOf = (signed: SignedStatusList | undefined, index: number): number => {
  if (signed?.format !== 'ldp_vc') throw new Error('expected a Data Integrity list');
  const subject = signed.verifiableCredential['credentialSubject'] as { encodedList: string };
  return (decodeStatusList(subject.encodedList)[index >> 3]! >> (7 - (index & 7))) & 1;
};

describe('re-signing a status list', () => {
  it('signs one version at a time, and a GET after a change gets that change', async () => {
    const first = await world.issue({ purposes: ['revocation'] });
    const second = await world.issue({ purposes: ['revocation'] });
    const a = entryOf(first.verifiable);
    const b = entryOf(second.verifiable);
    expect(b.listId).toBe(a.listId);

    const service = world.running.service;
    const real = service.signing.signerFor('status-lists');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let calls = 0;
    let signing = 0;
    let mostAtOnce = 0;
    const signer: Pick<ScopedSigner, 'issueCredential'> = {
      async issueCredential(...args) {
        calls += 1;
        signing += 1;
        mostAtOnce = Math.max(mostAtOnce, signing);
        try {
          await held;
          return await real.issueCredential(...args);
        } finally {
          signing -= 1;
        }
      },
    };
    const publisher = createStatusListPublisher({ store: world.store, signer, caller: SERVICE_CALLER, issuers: service.statusListIssuers, baseUrl: world.listsUrl, clock: world.clock });

    const beforeChanges = publisher.signedList(a.listId);
    expect((await postStatus(world, statusBody(first.id, 'revoked'))).status).toBe(200);
    const afterOne = publisher.signedList(a.listId);
    expect((await postStatus(world, statusBody(second.id, 'revoked'))).status).toBe(200);
    const afterBoth = publisher.signedList(a.listId);
    release();
    const [v1, v2, v3] = await Promise.all([beforeChanges, afterOne, afterBoth]);

    expect([bitOf(v1, a.index), bitOf(v1, b.index)]).toEqual([0, 0]);
    // The GET after the first change waited for the newest version: newer than what it read, never older.
    expect([bitOf(v2, a.index), bitOf(v2, b.index)]).toEqual([1, 1]);
    expect([bitOf(v3, a.index), bitOf(v3, b.index)]).toEqual([1, 1]);
    expect(mostAtOnce).toBe(1);
    expect(calls).toBe(2);

    // Unchanged since: the last signature is served again.
    expect(await publisher.signedList(a.listId)).toBe(v3);
    expect(calls).toBe(2);
    const report = await world.verifier.verifyCredential((v3 as { verifiableCredential: JsonObject }).verifiableCredential);
    expect(report.verified, JSON.stringify(report.checks)).toBe(true);
  }, 60_000);
});
