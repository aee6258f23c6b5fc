/**
 * The auditor's HTTP view through the real app: every answer is checked the way an outside auditor
 * would, with the RFC 9162 verifiers and the DID document the service publishes, not with the
 * server's own tree.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointVerifier } from '../../src/audit/checkpoints.js';
import { verifyEvidenceBundle, type EvidenceBundle } from '../../src/audit/evidence.js';
import { checkpointSignedBytes, type SignedCheckpoint } from '../../src/audit/log.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import type { DidDocument } from '../../src/dids/types.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let gx: RunningService;
let other: RunningService;
let didDocument: DidDocument;
const auth = () => ({ authorization: `Bearer ${gx.apiKey}` });
const b64 = (text: string) => Buffer.from(text, 'base64');

async function get(path: string, headers: Record<string, string> = auth()): Promise<{ status: number; body: any }> {
  const response = await fetch(`${gx.url}${path}`, { headers });
  return { status: response.status, body: await response.json() };
}

async function issue(options: Record<string, unknown> = {}): Promise<string> {
  const issued = await postJson(
    `${gx.url}/credentials/issue`,
    {
      credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: gx.service.keyring.did, credentialSubject: { id: 'did:web:member.example' } },
      options,
    },
    auth(),
  );
  expect(issued.status, issued.text).toBe(201);
  return issued.body.verifiableCredential.id as string;
}

async function verifiedCheckpoint(): Promise<SignedCheckpoint> {
  const { status, body } = await get('/audit/checkpoints/latest');
  expect(status).toBe(200);
  expect(await checkpointVerifier(didDocument)(body, checkpointSignedBytes(body))).toBe(true);
  return body as SignedCheckpoint;
}

let revokedId: string;

beforeAll(async () => {
  // No timer-driven checkpoints during the test: only the ones the requests ask for.
  const quiet = { GX_CHECKPOINT_EVERY_ENTRIES: '1000000', GX_CHECKPOINT_EVERY_SECONDS: '86400' };
  gx = await startService(quiet);
  other = await startService(quiet);
  didDocument = (await (await fetch(`${gx.url}/.well-known/did.json`)).json()) as DidDocument;
  for (let i = 0; i < 4; i++) await issue();
  revokedId = await issue({ credentialStatus: true });
  const revoked = await postJson(
    `${gx.url}/credentials/status`,
    { credentialId: revokedId, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] },
    auth(),
  );
  expect(revoked.status, revoked.text).toBe(200);
});
afterAll(async () => {
  await Promise.all([gx?.close(), other?.close()]);
});

describe('GET /audit/checkpoints/latest and /audit/entries', () => {
  it('signs a checkpoint of the whole log with the Ed25519 key of the DID document, whose root the entries recompute', async () => {
    const checkpoint = await verifiedCheckpoint();
    expect(checkpoint.treeSize).toBe(6);
    expect(checkpoint.keyId).toBe(gx.service.keyring.key('Ed25519').multikeyVerificationMethodId);

    const { status, body } = await get('/audit/entries?from=0&to=6');
    expect(status).toBe(200);
    expect(body.entries.map((e: { index: number }) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    const hashes = body.entries.map((e: { leaf: string }) => leafHash(e.leaf));
    for (const [i, e] of body.entries.entries()) expect(Buffer.from(hashes[i]).toString('base64')).toBe(e.leafHash);
    const last = JSON.parse(body.entries[5].leaf);
    expect(last).toMatchObject({ index: 5, action: 'credential.status-changed', subject: revokedId });

    // Inclusion of every entry in the signed root, proven with the RFC 9162 verifier.
    for (let index = 0; index < 6; index++) {
      const proof = await get(`/audit/proofs/inclusion/${index}?treeSize=6`);
      expect(proof.status).toBe(200);
      expect(verifyInclusion(hashes[index], index, 6, proof.body.hashes.map(b64), b64(checkpoint.rootHash))).toBe(true);
      // The same proof does not place another entry there.
      expect(verifyInclusion(hashes[(index + 1) % 6], index, 6, proof.body.hashes.map(b64), b64(checkpoint.rootHash))).toBe(false);
    }
  });

  it('hands out the same checkpoint while the log has not grown, and a fresh one consistent with a kept one after it grew', async () => {
    const kept = await verifiedCheckpoint();
    expect(await verifiedCheckpoint()).toEqual(kept);
    await issue();
    await issue();
    const newer = await verifiedCheckpoint();
    expect(newer.treeSize).toBe(kept.treeSize + 2);

    const { status, body } = await get(`/audit/proofs/consistency?from=${kept.treeSize}&to=${newer.treeSize}`);
    expect(status).toBe(200);
    expect(verifyConsistency(kept.treeSize, newer.treeSize, b64(kept.rootHash), b64(newer.rootHash), body.hashes.map(b64))).toBe(true);
    // A kept root the log never had is not consistent with it.
    const forged = Buffer.alloc(32, 7);
    expect(verifyConsistency(kept.treeSize, newer.treeSize, forged, b64(newer.rootHash), body.hashes.map(b64))).toBe(false);
  });
});

describe('GET /audit/evidence/{credentialId}', () => {
  async function bundle(): Promise<EvidenceBundle> {
    const { status, body } = await get(`/audit/evidence/${encodeURIComponent(revokedId)}`);
    expect(status).toBe(200);
    return body as EvidenceBundle;
  }

  it('verifies offline: the credential, its issuance and revocation entries, their proofs and the signed checkpoint', async () => {
    const evidence = await bundle();
    expect(evidence.entries.map((e) => e.action)).toEqual(['credential.issued', 'credential.status-changed']);
    // Round-trip through JSON text: what an auditor saves to a file is what is checked.
    const offline = JSON.parse(JSON.stringify(evidence)) as EvidenceBundle;
    expect(await verifyEvidenceBundle(offline)).toMatchObject({ ok: true, problems: [] });
    expect(await verifyEvidenceBundle(offline, { didDocument })).toMatchObject({ ok: true, signer: didDocument.id });
  });

  it.each([
    ['an edited credential', (b: EvidenceBundle) => void (b.credential.credential = b.credential.credential.replace('member.example', 'member.evil'))],
    ['an edited entry', (b: EvidenceBundle) => void (b.entries[0]!.actor = 'api-key:someone-else')],
    ['a backdated entry', (b: EvidenceBundle) => void (b.entries[1]!.timestamp = '2000-01-01T00:00:00.000Z')],
    ['an entry without its proof', (b: EvidenceBundle) => void b.inclusionProofs.pop()],
    ['a proof moved to another index', (b: EvidenceBundle) => void (b.inclusionProofs[1]!.index = 0)],
    ['a wrong proof hash', (b: EvidenceBundle) => void (b.inclusionProofs[0]!.hashes[0] = Buffer.alloc(32).toString('base64'))],
    ['a re-rooted checkpoint', (b: EvidenceBundle) => void (b.checkpoint.rootHash = Buffer.alloc(32, 1).toString('base64'))],
  ])('fails with %s', async (_name, tamper) => {
    const evidence = await bundle();
    tamper(evidence);
    const result = await verifyEvidenceBundle(evidence);
    expect(result.ok).toBe(false);
    expect(result.problems.length).toBeGreaterThan(0);
  });

  it("fails against a pinned DID document that is not the signer's", async () => {
    const foreign = (await (await fetch(`${other.url}/.well-known/did.json`)).json()) as DidDocument;
    const result = await verifyEvidenceBundle(await bundle(), { didDocument: foreign });
    expect(result.ok).toBe(false);
    expect(result.problems[0]?.message).toMatch(/signature/);
  });

  it('answers 404 for a credential the service never issued', async () => {
    const { status, body } = await get(`/audit/evidence/${encodeURIComponent('urn:uuid:00000000-0000-4000-8000-000000000000')}`);
    expect(status).toBe(404);
    expect(body.code).toBe('NOT_FOUND');
  });
});

describe('audit endpoints refuse what they cannot answer', () => {
  it.each([
    ['/audit/entries?from=-1', '/from'],
    ['/audit/entries?from=1e2', '/from'],
    ['/audit/entries?from=01', '/from'],
    ['/audit/entries?from=0x1', '/from'],
    ['/audit/entries?from=1&from=2', '/from'],
    ['/audit/entries?from=3&to=2', '/to'],
    ['/audit/entries?from=0&to=1001', '/to'],
    ['/audit/entries?from=0&to=999', '/to'],
    ['/audit/proofs/inclusion/abc', '/index'],
    ['/audit/proofs/inclusion/1.5', '/index'],
    ['/audit/proofs/inclusion/0?treeSize=999', '/treeSize'],
    ['/audit/proofs/inclusion/5?treeSize=5', '/index'],
    ['/audit/proofs/consistency', '/from'],
    ['/audit/proofs/consistency?from=3&to=2', '/from'],
    ['/audit/proofs/consistency?from=1&to=999', '/to'],
  ])('%s -> 400 at %s', async (path, pointer) => {
    const { status, body } = await get(path);
    expect(body.code).toBe('INVALID_INPUT');
    expect(status).toBe(400);
    expect(body.pointer).toBe(pointer);
    expect(typeof body.hint).toBe('string');
  });

  it('needs an API key', async () => {
    const { status, body } = await get('/audit/checkpoints/latest', {});
    expect(body.code).toBe('UNAUTHORIZED');
    expect(status).toBe(401);
  });

  it('pages entries: a default page stops at the log size and says where the next one starts', async () => {
    const { status, body } = await get('/audit/entries?from=2&to=4');
    expect(status).toBe(200);
    expect(body.entries.map((e: { index: number }) => e.index)).toEqual([2, 3]);
    expect(body.next).toMatch(/^\/audit\/entries\?from=4&to=\d+$/);
  });
});

describe('GET /audit/entries with filters', () => {
  interface Leaf { index: number; timestamp: string; actor: string; action: string; subject: string }
  const leaves = (body: { entries: { leaf: string }[] }): Leaf[] => body.entries.map((e) => JSON.parse(e.leaf) as Leaf);
  const q = (params: Record<string, string>) => `/audit/entries?${new URLSearchParams(params).toString()}`;
  let all: Leaf[];
  beforeAll(async () => {
    all = leaves((await get('/audit/entries')).body);
    expect(all.length).toBeGreaterThanOrEqual(6);
  });

  it('answers the entries of one action, one subject or one actor, in index order, with the filter echoed', async () => {
    const changed = await get(q({ action: 'credential.status-changed' }));
    expect(changed.status).toBe(200);
    expect(leaves(changed.body).map((l) => l.index)).toEqual(all.filter((l) => l.action === 'credential.status-changed').map((l) => l.index));
    expect(leaves(changed.body).map((l) => l.subject)).toContain(revokedId);
    expect(changed.body.filter).toEqual({ action: 'credential.status-changed' });
    expect(changed.body.next).toBeUndefined();

    const subject = await get(q({ subject: revokedId }));
    expect(leaves(subject.body).map((l) => l.action)).toEqual(['credential.issued', 'credential.status-changed']);

    const actor = all[0]!.actor;
    const byActor = await get(q({ actor }));
    expect(leaves(byActor.body).map((l) => l.index)).toEqual(all.filter((l) => l.actor === actor).map((l) => l.index));
    expect((await get(q({ actor: actor.slice(0, -1) }))).body.entries).toEqual([]);
  });

  it('answers a time range (since inclusive, until exclusive) within the index range asked for', async () => {
    const since = all[2]!.timestamp;
    const later = await get(q({ since }));
    expect(leaves(later.body).map((l) => l.index)).toEqual(all.filter((l) => l.timestamp >= since).map((l) => l.index));
    const earlier = await get(q({ until: since }));
    expect(leaves(earlier.body).map((l) => l.index)).toEqual(all.filter((l) => l.timestamp < since).map((l) => l.index));
    const issuedFrom1 = await get(q({ action: 'credential.issued', from: '1', to: '3' }));
    expect(leaves(issuedFrom1.body).map((l) => l.index)).toEqual(all.filter((l) => l.action === 'credential.issued' && l.index >= 1 && l.index < 3).map((l) => l.index));
  });

  it('refuses what it cannot read as a filter with 400 naming the parameter', async () => {
    const cases: [Record<string, string> | string, string][] = [
      [{ since: 'yesterday' }, '/since'],
      [{ since: '2026-01-02T00:00:00Z', until: '2026-01-01T00:00:00Z' }, '/since'],
      [{ actr: 'x' }, ''],
      ['/audit/entries?actor=a&actor=b', '/actor'],
      [{ action: '' }, '/action'],
    ];
    for (const [params, pointer] of cases) {
      const answer = await get(typeof params === 'string' ? params : q(params));
      expect(answer.status, JSON.stringify(params)).toBe(400);
      expect(answer.body.code).toBe('INVALID_INPUT');
      if (pointer !== '') expect(answer.body.pointer ?? answer.body.errors?.[0]?.pointer, JSON.stringify(params)).toBe(pointer);
    }
  });

  it('pages a filter by its matches: 1,000 a page, and `next` keeps the filter and starts after the last match', async () => {
    // Written straight to the store: 1,001 issuances through HTTP would only make this slow.
    for (let i = 0; i < 1001; i++) await gx.service.store.appendAudit({ actor: 'key:paging', action: 'test.paging', subject: `urn:uuid:paging-${i}`, digests: {} });
    const first = await get(q({ action: 'test.paging' }));
    expect(first.body.entries).toHaveLength(1000);
    const next = new URL(first.body.next as string, gx.url);
    expect(next.searchParams.get('action')).toBe('test.paging');
    expect(Number(next.searchParams.get('from'))).toBe(leaves(first.body).at(-1)!.index + 1);
    const second = await get(`${next.pathname}${next.search}`);
    expect(leaves(second.body).map((l) => l.subject)).toEqual(['urn:uuid:paging-1000']);
    expect(second.body.next).toBeUndefined();
  });

  it('pages several filters at once: `next` keeps actor, action, subject and the time range, and skips what any of them excludes', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    // Interleaved with entries that match all but one filter, so a page boundary that dropped a
    // filter would show them.
    for (let i = 0; i < 1001; i++) {
      await gx.service.store.appendAudit({ actor: 'key:mixed', action: 'test.mixed', subject: 'urn:uuid:mixed', digests: { i: String(i) } });
      await gx.service.store.appendAudit({ actor: 'key:other', action: 'test.mixed', subject: 'urn:uuid:mixed', digests: {} });
      await gx.service.store.appendAudit({ actor: 'key:mixed', action: 'test.unmixed', subject: 'urn:uuid:mixed', digests: {} });
    }
    const filter = { actor: 'key:mixed', action: 'test.mixed', subject: 'urn:uuid:mixed', since, until };
    const first = await get(q(filter));
    expect(first.status).toBe(200);
    expect(first.body.entries).toHaveLength(1000);
    expect(leaves(first.body).every((l) => l.actor === 'key:mixed' && l.action === 'test.mixed')).toBe(true);
    const next = new URL(first.body.next as string, gx.url);
    for (const [name, value] of Object.entries(filter)) expect(next.searchParams.get(name), name).toBe(value);
    const second = await get(`${next.pathname}${next.search}`);
    expect(leaves(second.body)).toHaveLength(1);
    expect(leaves(second.body)[0]).toMatchObject({ actor: 'key:mixed', action: 'test.mixed' });
    expect(second.body.next).toBeUndefined();
    // The time range is kept too: a range ending before these entries leaves nothing on the next page.
    const past = new URL(first.body.next as string, gx.url);
    past.searchParams.set('until', since);
    past.searchParams.set('since', new Date(Date.now() - 120_000).toISOString());
    expect((await get(`${past.pathname}${past.search}`)).body.entries).toEqual([]);
  });
});
