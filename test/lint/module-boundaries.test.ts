/**
 * The import-boundary rules of `npm run lint` (eslint-rules/module-boundaries.js), run through the
 * project's own eslint.config.js on code placed where each rule applies.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The boundary findings for `code` as if it were the file at `path`: [rule, severity] pairs. */
async function boundaryFindings(path: string, code: string): Promise<[string, 'error' | 'warning'][]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages
    .filter((message) => message.ruleId?.startsWith('gx-trust/'))
    .map((message) => [message.ruleId!.slice('gx-trust/'.length), message.severity === 2 ? 'error' : 'warning']);
}

describe('domain-free-of-http', () => {
  it.each([
    ['src/audit/example.ts', "import express from 'express';\nexport const app = express;"],
    ['src/verifying/example.ts', "import { problem } from '../http/problem.js';\nexport { problem };"],
    ['src/danube/onboarding/example.ts', "export type { Route } from '../../http/route.js';"],
    ['src/errors-helper.ts', "export const load = () => import('./http/app.js');"],
    ['src/members/example.ts', "import type { Request } from 'express';\nexport type R = Request;"],
  ])('refuses %s importing HTTP', async (path, code) => {
    expect(await boundaryFindings(path, code)).toEqual([['domain-free-of-http', 'error']]);
  });

  it.each([
    ['src/http/example.ts', "import express from 'express';\nimport { GxTrustError } from '../errors.js';\nexport { express, GxTrustError };"],
    ['src/cli/example.ts', "import { createApp } from '../http/app.js';\nexport { createApp };"],
    ['src/main.ts', "import { startListeners } from './http/listeners.js';\nexport { startListeners };"],
    ['src/service.ts', "import type express from 'express';\nexport type E = typeof express;"],
    ['src/audit/example.ts', "import { GxTrustError } from '../errors.js';\nimport { httpish } from './http/local.js';\nexport { GxTrustError, httpish };"],
  ])('lets %s import what it imports', async (path, code) => {
    expect(await boundaryFindings(path, code)).toEqual([]);
  });
});

describe('storage-below-domain', () => {
  it('refuses src/storage importing a domain folder, and not for the shared files at the top of src/', async () => {
    expect(await boundaryFindings('src/storage/example.ts', "import { encodeAuditEntry } from '../audit/log.js';\nexport { encodeAuditEntry };")).toEqual([['storage-below-domain', 'error']]);
    expect(await boundaryFindings('src/storage/example.ts', "import { GxTrustError } from '../errors.js';\nimport { x } from './sqlite.js';\nexport { GxTrustError, x };")).toEqual([]);
  });
});

describe('inside-repository', () => {
  it('refuses a relative import that leaves the repository, wherever it is written', async () => {
    expect(await boundaryFindings('test/example.test.ts', "import cases from '../../shared/cases.js';\nexport { cases };")).toEqual([['inside-repository', 'error']]);
    expect(await boundaryFindings('src/cli/example.ts', "import { configOf } from './shared.js';\nexport { configOf };")).toEqual([]);
  });
});
