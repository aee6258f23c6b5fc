/** Rate limits: per API key, and tighter per IP without one; 429 problem+json with Retry-After. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ GX_RATE_LIMIT_WINDOW_SECONDS: '60', GX_RATE_LIMIT_MAX: '5', GX_RATE_LIMIT_ANONYMOUS_MAX: '2' });
});
afterAll(async () => {
  await svc?.close();
});

const verify = (headers: Record<string, string> = {}) => postJson(`${svc.url}/credentials/verify`, { verifiableCredential: 'x.y.z' }, headers);

describe('rate limiting', () => {
  it('answers an anonymous caller over its limit with 429 problem+json and Retry-After, while a keyed caller goes on', async () => {
    expect((await verify()).status).toBe(422);
    expect((await verify()).status).toBe(422);
    const limited = await verify();
    expect(limited.status).toBe(429);
    expect(limited.contentType).toMatch(/^application\/problem\+json/);
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(limited.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
    const retryAfter = await fetch(`${svc.url}/credentials/verify`, { method: 'POST' });
    expect(retryAfter.status).toBe(429);
    expect(Number(retryAfter.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(retryAfter.headers.get('retry-after'))).toBeLessThanOrEqual(60);

    // A made-up key counts as anonymous: it cannot open a fresh bucket.
    expect((await verify({ authorization: 'Bearer made-up-key-0123456789abcdef' })).status).toBe(429);

    // The API key has its own, larger bucket.
    const auth = { authorization: `Bearer ${svc.apiKey}` };
    for (let i = 0; i < 5; i++) expect((await verify(auth)).status).toBe(422);
    const keyLimited = await verify(auth);
    expect(keyLimited.status).toBe(429);
    expect(keyLimited.body.code).toBe('RATE_LIMITED');
  });

  it('never limits liveness, readiness or metrics', async () => {
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${svc.url}/health`)).status).toBe(200);
      expect((await fetch(`${svc.url}/ready`)).status).toBe(200);
      expect((await fetch(`${svc.url}/metrics`)).status).toBe(200);
    }
  });
});
