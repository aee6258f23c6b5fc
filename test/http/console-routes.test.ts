/**
 * The console's routes without a browser (test/console/ drives Chromium): `/` redirects, the page
 * and its hashed files are served under the console's strict CSP and helmet's other headers, a
 * name outside the build is 404 whatever its spelling, a missing build says how to make one, and
 * GET /whoami names each key's role.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_CSP } from '../../src/http/routes/console.js';
import { startService, type RunningService } from '../helpers/service.js';

let dir: string;
let svc: RunningService;
let unbuilt: RunningService;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-console-routes-'));
  mkdirSync(join(dir, 'web', 'assets'), { recursive: true });
  writeFileSync(join(dir, 'web', 'index.html'), '<!doctype html><title>console</title><script type="module" src="/console/assets/index-AbC123.js"></script>');
  writeFileSync(join(dir, 'web', 'assets', 'index-AbC123.js'), 'export const x = 1;');
  writeFileSync(join(dir, 'web', 'assets', 'index-AbC123.css'), 'body{}');
  writeFileSync(join(dir, 'web', 'secret.js'), 'not an asset');
  svc = await startService({ GX_CONSOLE_DIR: join(dir, 'web') });
  unbuilt = await startService({ GX_CONSOLE_DIR: join(dir, 'nothing-here') });
});
afterAll(async () => {
  await svc?.close();
  await unbuilt?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the console routes', () => {
  it('redirects / to /console/', async () => {
    const answer = await fetch(`${svc.url}/`, { redirect: 'manual' });
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/console/');
  });

  it('serves the page under a CSP without inline scripts, inline styles or other origins, with helmet\'s other headers', async () => {
    const answer = await fetch(`${svc.url}/console/`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(answer.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(CONSOLE_CSP).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    expect(CONSOLE_CSP).toContain("default-src 'none'");
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    expect(answer.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    expect(answer.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves the built files with their media type and a long cache, and nothing else of the folder', async () => {
    const script = await fetch(`${svc.url}/console/assets/index-AbC123.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${svc.url}/console/assets/index-AbC123.css`)).headers.get('content-type')).toBe('text/css; charset=utf-8');
    for (const path of ['/console/assets/..%2Fsecret.js', '/console/assets/..%2Findex.html', '/console/assets/missing-1.js', '/console/assets/index-AbC123.map', '/console/assets/%2e%2e%2fsecret.js']) {
      const answer = await fetch(`${svc.url}${path}`);
      expect(answer.status, path).toBe(404);
      expect(answer.headers.get('content-type'), path).toContain('application/problem+json');
    }
  });

  it('answers 404 with how to build it when the console is not built', async () => {
    const answer = await fetch(`${unbuilt.url}/console/`);
    expect(answer.status).toBe(404);
    const problem = (await answer.json()) as { code: string; hint: string };
    expect(problem.code).toBe('NOT_FOUND');
    expect(problem.hint).toContain('npm run build');
  });

  it('names the caller of GET /whoami: the admin, and a member key with its member and DIDs; no key is 401', async () => {
    const admin = await fetch(`${svc.url}/whoami`, { headers: { authorization: `Bearer ${svc.apiKey}` } });
    expect(await admin.json()).toMatchObject({ role: 'admin' });
    const headers = { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json' };
    const member = (await (await fetch(`${svc.url}/members`, { method: 'POST', headers, body: JSON.stringify({ slug: 'acme', name: 'ACME' }) })).json()) as { id: string; did: string };
    for (const role of ['member', 'connector', 'auditor']) {
      const key = (await (await fetch(`${svc.url}/members/${member.id}/api-keys`, { method: 'POST', headers, body: JSON.stringify({ role }) })).json()) as { apiKey: string };
      const who = await fetch(`${svc.url}/whoami`, { headers: { authorization: `Bearer ${key.apiKey}` } });
      expect(who.status).toBe(200);
      expect(who.headers.get('cache-control')).toBe('no-store');
      const body = (await who.json()) as Record<string, unknown>;
      expect(body['role']).toBe(role);
      if (role === 'member') expect(body).toMatchObject({ memberId: member.id, dids: [member.did] });
      expect(JSON.stringify(body)).not.toContain(key.apiKey);
    }
    expect((await fetch(`${svc.url}/whoami`)).status).toBe(401);
  });
});
