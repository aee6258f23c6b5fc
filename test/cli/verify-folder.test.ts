/** verifyFolder() on the inputs that never reach a verifier: they fail as files, never as a pass. */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES, verifyFolder } from '../../src/cli/commands/credentials.js';
import { isGxTrustError } from '../../src/errors.js';
import type { Verifier } from '../../src/verifying/index.js';

let dir: string;
// These inputs must be refused before any verification runs; a call here is the bug.
const unreachable = new Proxy({}, { get: () => () => { throw new Error('the verifier was called'); } }) as Verifier;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gx-trust-verify-folder-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verifyFolder()', () => {
  it('refuses an empty folder and a missing one as INVALID_INPUT', async () => {
    const empty = mkdtempSync(join(dir, 'empty-'));
    writeFileSync(join(empty, 'notes.txt'), 'no credential');
    for (const folder of [empty, join(dir, 'missing')]) {
      const error = await verifyFolder(unreachable, folder).catch((e: unknown) => e);
      expect(isGxTrustError(error) && error.code).toBe('INVALID_INPUT');
    }
  });

  it('fails a file that is not JSON and a file over the size limit, and goes on', async () => {
    const folder = mkdtempSync(join(dir, 'bad-'));
    writeFileSync(join(folder, 'broken.json'), '{nope');
    writeFileSync(join(folder, 'huge.jwt'), '');
    truncateSync(join(folder, 'huge.jwt'), MAX_FILE_BYTES + 1);
    const summary = await verifyFolder(unreachable, folder);
    expect(summary).toMatchObject({ total: 2, verified: 0, failed: 2 });
    expect(summary.files.map((f) => [f.file, f.verified, f.failedChecks[0]?.code])).toEqual([
      ['broken.json', false, 'INVALID_INPUT'],
      ['huge.jwt', false, 'PAYLOAD_TOO_LARGE'],
    ]);
  });
});
