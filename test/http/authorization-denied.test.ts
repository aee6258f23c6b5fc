/**
 * Refusals of authenticated callers: every one leaves an `authorization.denied` audit entry,
 * wherever it was decided (roles, ownership, onboarding, compliance decisions); and a record the
 * caller may not see (another member's credential, decision or member record) is answered exactly
 * as an id that names nothing, so the answer is no oracle for what exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CURRENT_TC } from '../danube/fixtures.js';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let acme: { id: string; did: string };
let rival: { id: string; did: string };
let acmeKey: string;
let rivalKey: string;

async function call(method: string, path: string, body: unknown, apiKey: string) {
  const response = await fetch(`${svc.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) as Record<string, any> };
}

async function deniedEntriesSince(before: number): Promise<Record<string, any>[]> {
  const entries = await svc.service.store.auditEntries(before, before + 10);
  return entries.map((e) => JSON.parse(e.leaf)).filter((entry) => entry.action === 'authorization.denied');
}

beforeAll(async () => {
  svc = await startService();
  const create = async (slug: string) => (await call('POST', '/members', { slug, name: slug }, svc.apiKey)).body as { id: string; did: string };
  const key = async (member: { id: string }) => (await call('POST', `/members/${member.id}/api-keys`, { role: 'member' }, svc.apiKey)).body.apiKey as string;
  acme = await create('acme');
  rival = await create('rival');
  acmeKey = await key(acme);
  rivalKey = await key(rival);
});
afterAll(async () => {
  await svc?.close();
});

describe('every 403 writes an authorization.denied entry', () => {
  it('POST /participants for a DID the member does not hold', async () => {
    const before = await svc.service.store.auditSize();
    const refused = await call('POST', '/participants', {
      participant: {
        id: rival.did,
        name: 'Rival GmbH',
        legalAddress: { countryCode: 'DE', region: 'DE30' },
        headquartersAddress: { countryCode: 'DE', region: 'DE30' },
        registrationNumbers: [{ type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' }],
        termsAndConditions: CURRENT_TC,
      },
    }, acmeKey);
    expect(refused.status, refused.text).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN');
    const denied = await deniedEntriesSince(before);
    expect(denied).toHaveLength(1);
    // Written once, where it was decided: by the signing policy, which names the module refused.
    expect(denied[0]).toMatchObject({ actor: `member:${acme.id}`, subject: rival.did, details: { module: 'participants', role: 'member' } });
  });
});

/** The answer without what differs between any two requests (the request id, the URL asked). */
function shapeOf(answer: { status: number; body: Record<string, any> }, id: string) {
  const { requestId: _requestId, instance: _instance, ...body } = answer.body;
  return { status: answer.status, body: JSON.parse(JSON.stringify(body).replaceAll(id, '<id>')) };
}

describe('another member\'s record is answered as an unknown id', () => {
  it('POST /credentials/status for another member\'s credential: the 404 of an unknown id, and audited', async () => {
    const issued = await call('POST', '/credentials/issue', {
      credential: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: rival.did, credentialSubject: { id: 'did:web:subject.example' } },
      options: { credentialStatus: true },
    }, rivalKey);
    expect(issued.status, issued.text).toBe(201);
    const theirs = issued.body.verifiableCredential.id as string;
    const unknown = 'urn:uuid:00000000-0000-4000-8000-000000000000';
    const status = (id: string) => ({ credentialId: id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });

    const before = await svc.service.store.auditSize();
    const forTheirs = await call('POST', '/credentials/status', status(theirs), acmeKey);
    const forUnknown = await call('POST', '/credentials/status', status(unknown), acmeKey);
    expect(forTheirs.status).toBe(404);
    expect(shapeOf(forTheirs, theirs)).toEqual(shapeOf(forUnknown, unknown));
    expect(await deniedEntriesSince(before)).toEqual([expect.objectContaining({ subject: theirs, actor: `member:${acme.id}` })]);
    // Still the issuer's to change.
    expect((await call('POST', '/credentials/status', status(theirs), rivalKey)).status).toBe(200);
  });

  it('GET /compliance/decisions/{id} of another member\'s decision', async () => {
    const theirs = 'decision-of-rival';
    await svc.service.store.recordDecision({
      id: theirs,
      decision: { id: theirs, actor: `member:${rival.id}`, outcome: 'refused' },
      audit: { actor: `member:${rival.id}`, action: 'compliance.decided', subject: theirs, digests: {}, details: {} },
    });
    const before = await svc.service.store.auditSize();
    const forTheirs = await call('GET', `/compliance/decisions/${theirs}`, undefined, acmeKey);
    const forUnknown = await call('GET', '/compliance/decisions/no-such-decision', undefined, acmeKey);
    expect(forTheirs.status).toBe(404);
    expect(shapeOf(forTheirs, theirs)).toEqual(shapeOf(forUnknown, 'no-such-decision'));
    expect(await deniedEntriesSince(before)).toEqual([expect.objectContaining({ subject: theirs })]);
    expect((await call('GET', `/compliance/decisions/${theirs}`, undefined, rivalKey)).status).toBe(200);
  });

  it.each([
    ['GET', '/members/{id}'],
    ['POST', '/members/{id}/keys/rotate'],
  ])('%s %s of another member', async (method, template) => {
    const path = (id: string) => template.replace('{id}', id);
    const unknown = 'mbr_00000000-0000-4000-8000-000000000000';
    const body = method === 'POST' ? {} : undefined;
    const before = await svc.service.store.auditSize();
    const forTheirs = await call(method, path(rival.id), body, acmeKey);
    const forUnknown = await call(method, path(unknown), body, acmeKey);
    expect(forTheirs.status).toBe(404);
    expect(shapeOf(forTheirs, rival.id)).toEqual(shapeOf(forUnknown, unknown));
    expect(await deniedEntriesSince(before)).toHaveLength(1);
  });
});
