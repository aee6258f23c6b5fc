/**
 * The compiled service and CLI (`npm run build` -> dist/), as `npm start` and the installed
 * `gx-trust` run them: everything read at run time (contexts/, the SHACL shapes, package.json, the
 * worker threads' module, Swagger UI's files) must resolve from dist/ as it does from src/.
 * This is the only test file that builds or reads dist/, so no other file races the build.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { legalPersonSubmission } from '../../src/danube/example-submissions.js';
import { freePort, startGxProcess, type GxProcess } from '../replicas/process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIN = join(ROOT, 'bin', 'gx-trust.js');

let dir: string;
const started: GxProcess[] = [];

beforeAll(async () => {
  // Incremental: seconds when dist/ is current (CI's `npm ci` built it through `prepare`), a
  // minute or more from nothing on a busy machine.
  await run(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT });
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-dist-'));
}, 300_000);

afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop()));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function folders(name: string): { GX_KEYS_DIR: string; GX_DATA_DIR: string } {
  return { GX_KEYS_DIR: join(dir, name, 'keys'), GX_DATA_DIR: join(dir, name, 'data') };
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('node dist/main.js (npm start)', () => {
  it('serves /health, says it stays in the foreground, and signs and verifies through a worker thread', { timeout: 120_000 }, async () => {
    const env = { ...folders('main'), GX_WORKERS: '1', GX_DANUBE_SHAPES: 'both' };
    const service = await startGxProcess(env, undefined, ['dist/main.js']);
    started.push(service);

    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(service.output()).toContain('stays in the foreground');
    expect(service.output()).toContain(`serving ${service.url}`);

    // package.json (the OpenAPI version) and Swagger UI's files, found from dist/.
    const openApi = (await (await fetch(`${service.url}/openapi.json`)).json()) as { info: { version: string } };
    expect(openApi.info.version).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
    expect((await fetch(`${service.url}/docs/assets/swagger-ui.css`)).status).toBe(200);

    // The web console the build wrote to dist/web (Vite), found from dist/ at / and /console/.
    const consolePage = await fetch(`${service.url}/`);
    expect(consolePage.url).toBe(`${service.url}/console/`);
    expect(consolePage.status).toBe(200);
    const html = await consolePage.text();
    const assets = [...html.matchAll(/\/console\/assets\/[^"]+/g)].map((m) => m[0]);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const asset of assets) expect((await fetch(`${service.url}${asset}`)).status, asset).toBe(200);

    // contexts/ (canonicalization) and dist/workers/worker.js (GX_WORKERS=1 verifies Data Integrity there).
    const apiKey = readFileSync(join(env.GX_KEYS_DIR, 'admin-api-key.txt'), 'utf8').trim();
    const issuer = ((await (await fetch(`${service.url}/.well-known/did.json`)).json()) as { id: string }).id;
    const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer, credentialSubject: { id: 'did:web:member.example' } };
    const issued = await postJson(`${service.url}/credentials/issue`, { credential, options: { cryptosuite: 'eddsa-rdfc-2022' } }, { authorization: `Bearer ${apiKey}` });
    expect(issued.status).toBe(201);
    const verified = await postJson(`${service.url}/credentials/verify`, { verifiableCredential: issued.body['verifiableCredential'] });
    expect(verified.body).toMatchObject({ verified: true, format: 'eddsa-rdfc-2022' });

    // The bundled and the official shapes files, copied beside the compiled shapes loader.
    const validated = await postJson(`${service.url}/danube/validate`, legalPersonSubmission());
    expect(validated.status).toBe(200);
    expect(typeof validated.body['conforms']).toBe('boolean');
  });
});

describe('dist/main.js imported as a module', () => {
  it('starts nothing: the importing process ends on its own, with no server holding it open', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const script = `const main = await import(${JSON.stringify(join(ROOT, 'dist', 'main.js'))}); console.log(typeof main.start);`;
    const imported = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env: { ...process.env, ...folders('import'), PORT: String(port) }, timeout: 50_000 });
    expect(imported.stdout.trim()).toBe('function');
    expect(await fetch(`http://127.0.0.1:${port}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
  });
});

describe('bin/gx-trust.js (the compiled CLI)', () => {
  it('answers --help with every job and exit 0, and an unknown command with exit 2', { timeout: 60_000 }, async () => {
    const help = await run(process.execPath, [BIN, '--help'], { cwd: ROOT });
    for (const job of ['serve', 'issue', 'verify', 'revoke', 'compliance', 'audit']) expect(help.stdout).toContain(job);
    const unknown = await run(process.execPath, [BIN, 'no-such-job'], { cwd: ROOT }).then(() => 0, (error: { code: number }) => error.code);
    expect(unknown).toBe(2);
  });

  it('serve --port listens on that port, not on PORT', { timeout: 120_000 }, async () => {
    const [asked, fromEnvironment] = [await freePort(), await freePort()];
    const service = await startGxProcess({ ...folders('serve'), PORT: String(fromEnvironment) }, asked, [BIN, 'serve', '--port', String(asked)]);
    started.push(service);
    expect((await fetch(`http://127.0.0.1:${asked}/health`)).status).toBe(200);
    expect(service.output()).toContain(`serving http://127.0.0.1:${asked}`);
    expect(await fetch(`http://127.0.0.1:${fromEnvironment}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
  });
});
