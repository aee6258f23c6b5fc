/**
 * The bootstrap admin key of the configuration (GX_ADMIN_API_KEY) is an admin whatever its shape,
 * also when it looks exactly like a key the service hands out (`gx_` + 43 base64url characters),
 * and it does not make any other key of that shape valid.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';

/** A bootstrap key shaped as a member API key, as `gx_` + 32 random bytes in base64url. */
const SHAPED_LIKE_A_STORED_KEY = `gx_${randomBytes(32).toString('base64url')}`;

async function get(svc: RunningService, path: string, apiKey: string) {
  const response = await fetch(`${svc.url}${path}`, { headers: { authorization: `Bearer ${apiKey}` } });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.each([
  ['shaped like a stored API key', SHAPED_LIKE_A_STORED_KEY],
  ['of another shape', 'an-operator-chosen-admin-key-of-40-chars'],
])('a bootstrap admin key %s', (_name, bootstrapKey) => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startService({ GX_ADMIN_API_KEY: bootstrapKey });
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('is an admin', async () => {
    expect(SHAPED_LIKE_A_STORED_KEY).toMatch(/^gx_[A-Za-z0-9_-]{43}$/);
    const answer = await get(svc, '/members', bootstrapKey);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it('leaves stored keys working, and refuses any other key of either shape', async () => {
    const created = await fetch(`${svc.url}/members`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ slug: 'acme', name: 'ACME' }),
    });
    expect(created.status).toBe(201);
    const member = (await created.json()) as { id: string };
    const issued = await fetch(`${svc.url}/members/${member.id}/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bootstrapKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ role: 'admin' }),
    });
    const { apiKey } = (await issued.json()) as { apiKey: string };
    expect((await get(svc, '/members', apiKey)).status).toBe(200);
    for (const other of [`gx_${randomBytes(32).toString('base64url')}`, `${bootstrapKey}x`, bootstrapKey.slice(0, -1)]) {
      const refused = await get(svc, '/members', other);
      expect(refused.status).toBe(401);
      expect(refused.body.code).toBe('UNAUTHORIZED');
    }
  });
});
