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
    expect(denied[0]).toMatchObject({ actor: `member:${acme.id}`, details: { method: 'POST', path: '/participants', role: 'member' } });
  });
});
