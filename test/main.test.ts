/** src/main.ts: the composition root is a function; importing the module starts nothing. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config.js';
import { start, type RunningService } from '../src/main.js';

let running: RunningService | undefined;
let dir: string | undefined;

afterEach(async () => {
  await running?.close();
  running = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('start(config)', () => {
  it('builds the service, listens where the configuration says, and closes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-main-'));
    const config = parseConfig({ PORT: '0', GX_HOST: '127.0.0.1', GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), GX_LOG_LEVEL: 'silent', GX_WORKERS: '0' });
    running = await start(config);
    expect(running.listeningAt).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(running.listeningAt).not.toMatch(/:0$/);
    const health = await fetch(`${running.listeningAt}/health`);
    expect(health.status).toBe(200);

    await running.close();
    expect(await fetch(`${running.listeningAt}/health`).then(() => 'answered', () => 'refused')).toBe('refused');
  });
});
