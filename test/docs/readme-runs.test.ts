/**
 * The README and docs/walkthrough.md run: every shell block marked `<!-- runnable -->` (the line
 * right before its ```sh fence) is executed, in the order of the document, by one bash against a
 * freshly started service (its own port, SQLite database and development keys in a temporary
 * folder), from a working folder that looks like the repository root to the blocks (`examples/`,
 * `keys/`). So an example that drifts from the service (a body it refuses, a file no block
 * produced, a field that moved) fails here with the block's text and its output.
 *
 * What a reader's shell has, the blocks get: `GX_URL` (the README defaults it to the port of
 * `npm start`), the service's settings (GX_BASE_URL, GX_KEYS_DIR, GX_DATA_DIR) so `npx gx-trust`
 * acts on the same store, and `set -euo pipefail`. Two things are added:
 * - `curl` fails on an HTTP error answer (`--fail-with-body`), unless the command reads the status
 *   itself (`-w '%{http_code}'`): that is how a block says it expects a refusal;
 * - `npx gx-trust` runs the CLI from source (test/helpers/cli.ts says why).
 * Where jq is not installed, test/docs/jq-subset.mjs stands in for it (the filters the blocks use).
 */
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_FROM_SOURCE } from '../helpers/cli.js';
import { startService, type RunningService } from '../helpers/service.js';
import { evaluate, parseFilter } from './jq-subset.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = ['README.md', 'docs/walkthrough.md'] as const;
export const RUNNABLE_MARKER = '<!-- runnable -->';
// Onboarding, a compliance decision and a dozen CLI processes (each compiling the CLI through tsx):
// a minute or two on an idle machine, five at a load average of 19: the timeout is only a ceiling.
const RUN_MS = 1_800_000;

export interface RunnableBlock {
  /** 1-based line of the opening fence. */
  line: number;
  text: string;
}

/** The runnable blocks of a Markdown document; a marker not followed by a sh/bash fence is an error. */
export function runnableBlocks(markdown: string, name = 'the document'): RunnableBlock[] {
  const lines = markdown.split('\n');
  const blocks: RunnableBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== RUNNABLE_MARKER) continue;
    const fence = lines[i + 1]?.trim();
    if (fence !== '```sh' && fence !== '```bash') throw new Error(`${name}:${i + 1}: ${RUNNABLE_MARKER} must be followed by a \`\`\`sh fence, found ${JSON.stringify(fence)}`);
    const end = lines.findIndex((line, j) => j > i + 1 && line.trim() === '```');
    if (end === -1) throw new Error(`${name}:${i + 2}: the runnable block is not closed`);
    blocks.push({ line: i + 2, text: lines.slice(i + 2, end).join('\n') });
    i = end;
  }
  return blocks;
}

/** Each `jq` call of a block: its filter (the first operand that is not an option). */
function jqFilters(block: string): string[] {
  const filters: string[] = [];
  for (const match of block.matchAll(/\bjq((?:\s+-[a-z]+)*)\s+('[^']*'|"[^"]*"|[^\s)|;]+)/g)) {
    const operand = match[2]!;
    filters.push(/^['"]/.test(operand) ? operand.slice(1, -1) : operand);
  }
  return filters;
}

const hasJq = spawnSync('sh', ['-c', 'command -v jq'], { encoding: 'utf8' }).status === 0;

const PRELUDE = `
exec 2>&1
set -Eeuo pipefail
trap 'echo "gx-trust readme test: this command failed (exit $?): $BASH_COMMAND" >&2' ERR
curl() {
  case " $* " in
    *" -w "*|*" --write-out "*) command curl "$@" ;;
    *) command curl --fail-with-body "$@" ;;
  esac
}
npx() {
  if [ "\${1-}" = gx-trust ]; then shift; node ${CLI_FROM_SOURCE.map((arg) => `'${arg}'`).join(' ')} "$@"; else command npx "$@"; fi
}
`;

interface Run {
  code: number | null;
  /** The output of each block, by index. */
  outputs: string[];
}

/** Runs the blocks in one bash, each after a marker line, so a failure is told by the block it happened in. */
function runBlocks(blocks: readonly RunnableBlock[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  const marker = (index: number) => `::gx-trust-readme-block ${index}::`;
  // On a line of its own even after an answer that ends without a newline (curl prints JSON bare).
  const script = [PRELUDE, ...blocks.flatMap((block, index) => [`printf '\\n${marker(index)}\\n'`, block.text])].join('\n');
  writeFileSync(join(cwd, '.blocks.sh'), script);
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['.blocks.sh'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs: string[] = [];
      const parts = output.split(/\n::gx-trust-readme-block (\d+)::\n/);
      for (let i = 1; i < parts.length; i += 2) outputs[Number(parts[i])] = parts[i + 1] ?? '';
      resolve({ code, outputs });
    });
  });
}

function failure(document: string, blocks: readonly RunnableBlock[], run: Run): string {
  const index = run.outputs.length - 1;
  const block = blocks[index];
  if (block === undefined) return `${document}: bash exited with ${run.code} before the first block`;
  return [
    `${document}: the runnable block at line ${block.line} (block ${index + 1} of ${blocks.length}) failed, exit ${run.code}`,
    '--- block ---',
    block.text,
    '--- output ---',
    run.outputs[index] ?? '',
  ].join('\n');
}

describe('runnable blocks', () => {
  it('are found after their marker, and a marker without a sh fence is refused', () => {
    const markdown = ['# t', RUNNABLE_MARKER, '```sh', 'echo one', '```', '```sh', 'echo not marked', '```', RUNNABLE_MARKER, '```bash', 'echo two', 'echo three', '```'].join('\n');
    expect(runnableBlocks(markdown)).toEqual([{ line: 3, text: 'echo one' }, { line: 10, text: 'echo two\necho three' }]);
    expect(() => runnableBlocks([RUNNABLE_MARKER, '```json', '{}', '```'].join('\n'), 'x.md')).toThrow(/x\.md:1: .* must be followed by a ```sh fence/);
  });

  it.each(DOCUMENTS)('of %s exist and use only jq filters the stand-in reads (so they run where jq is not installed)', (document) => {
    const blocks = runnableBlocks(readFileSync(join(ROOT, document), 'utf8'), document);
    expect(blocks.length).toBeGreaterThan(0);
    const filters = blocks.flatMap((block) => jqFilters(block.text));
    expect(filters.length).toBeGreaterThan(0);
    for (const filter of filters) expect(() => parseFilter(filter), filter).not.toThrow();
  });

  it('the jq stand-in answers the filters the blocks use as jq does', () => {
    const input = { did: 'did:web:x', credentials: [{ id: 'a', type: ['VerifiableCredential', 'gx:LegalPerson'] }, { id: 'b', type: ['VerifiableCredential', 'gx:VatID'] }], errors: [] };
    expect(evaluate('.did', input)).toEqual(['did:web:x']);
    expect(evaluate('.credentials[0].id', input)).toEqual(['a']);
    expect(evaluate('[.credentials[].type[-1]]', input)).toEqual([['gx:LegalPerson', 'gx:VatID']]);
    expect(evaluate('.errors[]', input)).toEqual([]);
    expect(evaluate('.missing.key', input)).toEqual([null]);
    expect(evaluate('[.did, .credentials[].id]', input)).toEqual([['did:web:x', 'a', 'b']]);
    expect(() => parseFilter('.credentials | length')).toThrow(/unsupported filter/);
  });
});

describe.each(DOCUMENTS)('the runnable blocks of %s, against a started service', (document) => {
  let dir: string;
  let svc: RunningService;
  let env: NodeJS.ProcessEnv;
  let work: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gx-trust-readme-'));
    work = join(dir, 'work');
    mkdirSync(work);
    // The blocks run from the repository root as a reader would: examples/ is the repository's,
    // keys/ the service's, node_modules/ is where `node --import tsx` resolves tsx.
    symlinkSync(join(ROOT, 'examples'), join(work, 'examples'));
    symlinkSync(join(ROOT, 'node_modules'), join(work, 'node_modules'));
    const settings = { GX_KEYS_DIR: join(work, 'keys'), GX_DATA_DIR: join(dir, 'data') };
    svc = await startService(settings);
    const path = [process.env['PATH'] ?? ''];
    if (!hasJq) {
      const bin = join(dir, 'bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'jq'), `#!/bin/sh\nexec node '${join(ROOT, 'test/docs/jq-subset.mjs')}' "$@"\n`);
      chmodSync(join(bin, 'jq'), 0o755);
      path.unshift(bin);
    }
    // The reader's environment, less whatever configures another gx-trust.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GX_') && name !== 'DATABASE_URL' && name !== 'PORT'));
    const baseUrl = `http://localhost:${svc.port}`;
    // The CLI's verification deadline is wall-clock time, as the service's (test/helpers/service.ts).
    env = { ...inherited, ...settings, PATH: path.join(':'), GX_URL: baseUrl, GX_BASE_URL: baseUrl, GX_LOG_LEVEL: 'silent', GX_VERIFY_DEADLINE_MS: '60000' };
  }, RUN_MS);

  afterAll(async () => {
    await svc?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('run in order, each command succeeding', { timeout: RUN_MS }, async () => {
    const blocks = runnableBlocks(readFileSync(join(ROOT, document), 'utf8'), document);
    const run = await runBlocks(blocks, work, env);
    expect(run.code, failure(document, blocks, run)).toBe(0);
    expect(run.outputs).toHaveLength(blocks.length);
    const output = run.outputs.join('\n');
    if (document === 'README.md') {
      // The journey's turning points, as the README says them.
      expect(output).toMatch(/"gx:LegalPerson"/);
      expect(output).toMatch(/"AIModelProfile"/);
      expect(output).toMatch(/^422$/m);
      expect(output).toMatch(/status: CREDENTIAL_REVOKED/);
      expect(output).toMatch(/^evidence verified: /m);
      expect(output).toMatch(/^audit log verified: /m);
    }
  });
});
