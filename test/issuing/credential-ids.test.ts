/**
 * The ids the service gives what it records are UUIDv7 (RFC 9562 §5.7): the Unix millisecond of
 * the issuance, then version 7, variant 10 and random bits. Time-ordered keys append to the
 * id-keyed B-trees instead of scattering each issuance over its own leaf pages (docs/performance.md).
 */
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IssuedCredential } from '../../src/issuing/index.js';
import { buildTagusComplianceCredential } from '../../src/compliance/tagus.js';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

const UUID_URN = /^urn:uuid:([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/;

/** The parts of a urn:uuid the RFC fixes: the 48-bit timestamp, the version and variant fields. */
function uuidFields(id: string): { unixMs: number; version: number; variant: number } {
  const match = UUID_URN.exec(id);
  expect(match, id).not.toBeNull();
  const [, first, second, third, fourth] = match!;
  return { unixMs: parseInt(first! + second!, 16), version: parseInt(third![0]!, 16), variant: parseInt(fourth![0]!, 16) >> 2 };
}

const draft = (i: number) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: `did:web:member-${i}.example`, 'gx:legalName': 'Example Member GmbH' },
});

const idOf = (issued: IssuedCredential): string => {
  if (issued.format !== 'vc+jwt') throw new Error(`expected a vc+jwt, got ${issued.format}`);
  return String(decodeJwt(issued.jwt)['id']);
};

const issue = (i: number, credentialStatus: boolean) =>
  svc.service.signing.signerFor('credentials-api').issueCredential(draft(i), { format: 'vc+jwt', alg: 'ES256', credentialStatus }, { caller: { actor: 'test:admin', role: 'admin' } });

/** Resolves once the wall clock has passed `ms`, so the next id is made in a later millisecond. */
async function pastMillisecond(ms: number): Promise<void> {
  while (Date.now() <= ms) await new Promise((resolve) => setTimeout(resolve, 1));
}

describe('service-assigned credential ids', () => {
  it.each([
    ['with a status entry (the index is reserved under the id before signing)', true],
    ['without a status entry (the issuer names the credential)', false],
  ])('are UUIDv7 with the issuance millisecond, recorded under that id: %s', async (_, credentialStatus) => {
    const before = Date.now();
    const id = idOf(await issue(1, credentialStatus));
    const after = Date.now();
    const { unixMs, version, variant } = uuidFields(id);
    expect(version).toBe(7);
    expect(variant).toBe(0b10);
    expect(unixMs).toBeGreaterThanOrEqual(before);
    expect(unixMs).toBeLessThanOrEqual(after);
    const record = await svc.service.store.getCredential(id);
    expect(record?.id).toBe(id);
    expect(record?.statusEntries.length).toBe(credentialStatus ? 1 : 0);
  });

  it('increase with the issuance time, as strings and as timestamps', async () => {
    const ids: string[] = [];
    let issuedBy = 0;
    for (let i = 0; i < 4; i++) {
      await pastMillisecond(issuedBy);
      ids.push(idOf(await issue(10 + i, true)));
      issuedBy = Date.now();
    }
    expect([...ids].sort()).toEqual(ids);
    const times = ids.map((id) => uuidFields(id).unixMs);
    for (let i = 1; i < times.length; i++) expect(times[i]!).toBeGreaterThan(times[i - 1]!);
  });

  it('name the Tagus compliance credential the same way, with 74 random bits after the timestamp, version and variant', () => {
    const now = new Date();
    const submission = { credentials: [], inputDigest: '' } as unknown as Parameters<typeof buildTagusComplianceCredential>[0]['submission'];
    const made = Array.from({ length: 256 }, () => String(buildTagusComplianceCredential({ issuer: 'did:web:gx.example', submission, now, validUntil: now.toISOString() })['id']));
    expect(made.map((id) => uuidFields(id).version)).toEqual(made.map(() => 7));
    expect(new Set(made).size).toBe(made.length);
    // Bits 52-63 (rand_a) and 66-127 (rand_b) of RFC 9562 §5.7. A counter seeded once per
    // millisecond (uuid's default) would keep bit 52 at 0, and the ids of one millisecond would
    // share their high counter bits; each random bit is 0 and 1 somewhere in 256 ids (a fair bit
    // fails that with probability 2^-255).
    const bits = made.map((id) => BigInt(`0x${id.slice('urn:uuid:'.length).replaceAll('-', '')}`));
    const positions = [...Array.from({ length: 12 }, (_, k) => 52 + k), ...Array.from({ length: 62 }, (_, k) => 66 + k)];
    const fixed = positions.filter((position) => new Set(bits.map((b) => (b >> BigInt(127 - position)) & 1n)).size !== 2);
    expect(fixed).toEqual([]);
  });
});
