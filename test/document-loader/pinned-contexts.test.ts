/**
 * The context-substitution case at its root: gx-trust never fetches a context, and the files it
 * serves for the pinned URLs are checked against their sha256 in contexts/manifest.json when they
 * are loaded, so a context file changed on disk (the local form of "an allowlisted URL serving
 * different bytes") stops the service at start instead of changing what credentials mean.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CONTEXTS_DIR, loadPinnedContexts } from '../../src/document-loader/index.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function copyOfContexts(): string {
  dir = mkdtempSync(join(tmpdir(), 'gx-contexts-'));
  cpSync(CONTEXTS_DIR, dir, { recursive: true });
  return dir;
}

describe('loadPinnedContexts()', () => {
  it('loads every context of the manifest from an untouched copy', () => {
    const contexts = loadPinnedContexts(copyOfContexts());
    expect(contexts.has('https://www.w3.org/ns/credentials/v2')).toBe(true);
  });

  it('refuses a context file whose bytes are not the pinned ones, with CONFIG_INVALID naming it', () => {
    const copy = copyOfContexts();
    const file = join(copy, 'credentials-v2.jsonld');
    // One term of the VC 2.0 context pointed elsewhere: still valid JSON, a different meaning.
    writeFileSync(file, readFileSync(file, 'utf8').replace('"https://www.w3.org/2018/credentials#validUntil"', '"https://evil.example/validUntil"'));
    expect(() => loadPinnedContexts(copy)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', message: 'context file credentials-v2.jsonld does not match its pinned sha256' }));
  });
});
