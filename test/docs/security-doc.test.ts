/**
 * docs/security.md names, for every case it covers, the tests that hold gx-trust to it. This reads
 * the document and checks each reference: the file exists and declares a describe/it/test with that
 * very title (as written in the source, `%s` and `$name` included). A renamed or deleted test fails
 * here, so the threat model cannot promise what no test checks.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOC = readFileSync(`${ROOT}docs/security.md`, 'utf8');

/** `test/...test.ts` › `title`, the form the document writes a reference in. */
const REFERENCE = /`(test\/[^`]+?\.test\.ts)` › `([^`]+)`/g;

/**
 * The title strings of a test file: the first argument of describe/it/test (with .skip, .only,
 * .skipIf(...), .runIf(...)), and of the call that follows `.each(...)`, with JS escapes undone.
 */
const TITLE = /(?:\b(?:it|test|describe)(?:\.(?:skip|only|concurrent|sequential|todo|fails))?(?:\.(?:skipIf|runIf)\([^()]*\))?\(|\)\()\s*(['"`])((?:\\.|(?!\1)[^\\])*)\1/g;

function titlesOf(file: string): Set<string> {
  const source = readFileSync(`${ROOT}${file}`, 'utf8');
  return new Set([...source.matchAll(TITLE)].map((match) => (match[2] ?? '').replace(/\\(.)/g, '$1')));
}

const references = [...DOC.matchAll(REFERENCE)].map(([, file = '', title = '']) => ({ file, title }));

/** The rows of the tables after the trust boundaries: each is a case. */
function caseRows(): string[] {
  const body = DOC.slice(DOC.indexOf('\n## JOSE'));
  return body.split('\n').filter((line) => line.startsWith('| ') && !line.startsWith('| case |'));
}

describe('docs/security.md', () => {
  it('names tests in the form it can be checked in', () => {
    expect(references.length).toBeGreaterThan(150);
  });

  it('names a test for every case of every table', () => {
    const rows = caseRows();
    expect(rows.length).toBeGreaterThan(80);
    for (const row of rows) expect(row.match(REFERENCE), row.slice(0, 120)).not.toBeNull();
  });

  it.each(references.map((r) => [`${r.file} › ${r.title}`, r] as const))('%s exists', (_label, { file, title }) => {
    expect(existsSync(`${ROOT}${file}`), file).toBe(true);
    expect([...titlesOf(file)], `${file} has no test titled "${title}"`).toContain(title);
  });

  it('is written in the project\'s own words: it cites no path outside the project', () => {
    expect(DOC).not.toMatch(/\.\.\/shared|\/work\/|SECURITY-CASES/);
  });
});
