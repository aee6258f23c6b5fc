import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { createStatusWorld, postStatus, statusBody, type StatusWorld } from './fixtures.js';

const SIX_MINUTES = 6 * 60 * 1000;

describe('status list routes', () => {
  let world: StatusWorld;

  beforeAll(async () => {
    world = await createStatusWorld();
  }, 60_000);
  afterAll(async () => {
    await world?.dispose();
  });

  function statusCheckOf(report: { checks: { check: string; verified: boolean; code?: string }[] }) {
    return report.checks.find((c) => c.check === 'status');
  }

  describe('revocation round trip over loopback HTTP', () => {
    it('issue -> verify ok -> revoke -> verify fails with the status check; revocation is permanent', async () => {
      const { id, verifiable } = await world.issue({ purposes: ['revocation', 'suspension'] });
      const before = await world.verifier.verifyCredential(verifiable);
      expect(before.verified).toBe(true);
      expect(statusCheckOf(before)).toMatchObject({ verified: true });

      const revoked = await postStatus(world, statusBody(id, 'revoked'));
      expect(revoked.status).toBe(200);
      expect(revoked.body).toEqual({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });

      // Verifiers may keep a fetched list for its ttl: the revocation shows once that has passed.
      world.advance(SIX_MINUTES);
      const after = await world.verifier.verifyCredential(verifiable);
      expect(after.verified).toBe(false);
      expect(statusCheckOf(after)).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });

      const reinstate = await postStatus(world, statusBody(id, 'active'));
      expect(reinstate.status).toBe(409);
      expect(reinstate.body.code).toBe('CONFLICT');
      const suspend = await postStatus(world, statusBody(id, 'suspended'));
      expect(suspend.status).toBe(409);
      // Revoking again is a no-op, so a retried request is safe.
      expect((await postStatus(world, statusBody(id, 'revoked'))).status).toBe(200);

      const audit = await world.store.auditEntriesForSubject(id);
      const changes = audit.map((row) => JSON.parse(row.leaf)).filter((entry) => entry.action === 'credential.status-changed');
      expect(changes).toHaveLength(1);
      expect(changes[0]).toMatchObject({ actor: 'member-a', subject: id, details: { status: 'revoked', statusPurpose: 'revocation' } });
    }, 30_000);

    it('suspends and reinstates a vc+jwt credential', async () => {
      const { id, verifiable } = await world.issue({ purposes: ['revocation', 'suspension'], format: 'vc+jwt' });
      expect((await world.verifier.verifyCredential(verifiable)).verified).toBe(true);

      expect((await postStatus(world, statusBody(id, 'suspended'))).body.credentialStatus[0].status).toBe('suspended');
      world.advance(SIX_MINUTES);
      const suspended = await world.verifier.verifyCredential(verifiable);
      expect(statusCheckOf(suspended)).toMatchObject({ verified: false, code: 'CREDENTIAL_SUSPENDED' });

      expect((await postStatus(world, statusBody(id, 'active'))).body.credentialStatus[0].status).toBe('active');
      world.advance(SIX_MINUTES);
      const reinstated = await world.verifier.verifyCredential(verifiable);
      expect(reinstated.verified).toBe(true);
    }, 30_000);

    it("shows a revocation at once to the service's own verifier, which reads its lists without HTTP", async () => {
      const check = world.makeStatusCheck({
        resolveLocally: async (url) => {
          const signed = await world.publisher.signedListByUrl(url);
          return signed === undefined ? undefined : signed.format === 'vc+jwt' ? signed.jwt : signed.verifiableCredential;
        },
      });
      const { id, verifiable } = await world.issue({ purposes: ['revocation'] });
      const document = verifiable as JsonObject;
      expect(await check(document, { now: world.clock() })).toMatchObject({ verified: true });
      await postStatus(world, statusBody(id, 'revoked'));
      expect(await check(document, { now: world.clock() })).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    }, 30_000);
  });

  describe('GET /status-lists/{id}', () => {
    it('serves a Data Integrity list credential that the core verifier accepts, with a cache lifetime equal to its ttl', async () => {
      await world.issue({ purposes: ['revocation'] });
      const response = await fetch(`${world.listsUrl}/status-lists/revocation-0`);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('public, max-age=300');
      const list = (await response.json()) as JsonObject;
      expect(list['id']).toBe(`${world.listsUrl}/status-lists/revocation-0`);
      expect(list['type']).toEqual(['VerifiableCredential', 'BitstringStatusListCredential']);
      expect((list['proof'] as JsonObject)['cryptosuite']).toBe('eddsa-rdfc-2022');
      const report = await world.running.service.verifier.verifyCredential(list);
      expect(report.verified).toBe(true);
      expect(report.issuer).toBe(world.running.service.keyring.did);
    });

    it.each([
      ['?format=vc+jwt', {}],
      ['?format=vc%2Bjwt', {}],
      ['', { accept: 'application/vc+jwt' }],
    ])('serves the vc+jwt form when asked by %j %j, and does not re-sign an unchanged list', async (query, headers) => {
      const first = await fetch(`${world.listsUrl}/status-lists/revocation-0${query}`, { headers });
      expect(first.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
      const jwt = await first.text();
      expect((await world.running.service.verifier.verifyCredential(jwt)).verified).toBe(true);
      // ES256 signatures are randomised: an identical token means the cached signature was served.
      const second = await (await fetch(`${world.listsUrl}/status-lists/revocation-0${query}`, { headers })).text();
      expect(second).toBe(jwt);
    });

    it.each(['revocation-999', 'other-0', '..%2Fetc', 'revocation-01'])('answers 404 for %s', async (id) => {
      const response = await fetch(`${world.listsUrl}/status-lists/${id}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as JsonObject)['code']).toBe('NOT_FOUND');
    });
  });

  describe('POST /credentials/status refuses', () => {
    it('a request without an API key (401)', async () => {
      const { id } = await world.issue({ purposes: ['revocation'] });
      const response = await postStatus(world, statusBody(id, 'revoked'), null);
      expect(response.status).toBe(401);
      expect(response.body.code).toBe('UNAUTHORIZED');
    });

    it("a member revoking another member's credential (404 as for an unknown id, audited), while an admin may", async () => {
      const { id } = await world.issue({ purposes: ['revocation'], issuedBy: 'member-a' });
      const denied = await postStatus(world, statusBody(id, 'revoked'), 'member-b');
      expect(denied.status).toBe(404);
      expect(denied.body.code).toBe('NOT_FOUND');
      const audit = (await world.store.auditEntriesForSubject(id)).map((row) => JSON.parse(row.leaf));
      expect(audit.some((entry) => entry.action === 'authorization.denied' && entry.actor === 'member-b')).toBe(true);
      expect((await postStatus(world, statusBody(id, 'revoked'), 'admin')).status).toBe(200);
    });

    it('an unknown credential (404)', async () => {
      const response = await postStatus(world, statusBody('urn:uuid:00000000-0000-4000-8000-000000000000', 'revoked'));
      expect(response.status).toBe(404);
    });

    it('suspending a credential issued without a suspension entry (409)', async () => {
      const { id } = await world.issue({ purposes: ['revocation'] });
      const response = await postStatus(world, statusBody(id, 'suspended'));
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('CONFLICT');
    });

    it.each([
      ['an unknown status', { credentialId: 'urn:uuid:x', credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'deleted' }] }],
      ['another status type', { credentialId: 'urn:uuid:x', credentialStatus: [{ type: 'StatusList2021Credential', status: 'revoked' }] }],
      ['no credentialId', { credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }],
      ['extra members', { ...(statusBody('urn:uuid:x', 'revoked') as object), isAdmin: true }],
    ])('a body with %s (400)', async (_name, body) => {
      const response = await postStatus(world, body);
      expect(response.status).toBe(400);
      expect(response.body.code).toBe('INVALID_INPUT');
    });
  });
});
