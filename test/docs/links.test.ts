/**
 * README.md and docs/*.md link to each other by relative paths and `#anchors`; a moved section or a
 * renamed file leaves a link that leads nowhere. This follows every relative link of those files
 * (outside code blocks) and checks that the file exists and, for an anchor, that the heading does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCUMENTS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((name) => name.endsWith('.md')).map((name) => `docs/${name}`)];

/** The text outside fenced code blocks and inline code spans: links there are examples, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens; repeats get -1, -2... */
export function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading = ''] of markdown.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const slug = heading.toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  return anchors;
}

const links = DOCUMENTS.flatMap((document) =>
  [...prose(readFileSync(join(ROOT, document), 'utf8')).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map(([, target = '']) => target)
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .map((target) => ({ document, target })),
);

describe('links between README.md and docs/', () => {
  it('computes anchors the way GitHub does', () => {
    expect([...anchorsOf('# gx-trust\n## Members, roles and key rotation\n## The `serve` command (CLI)\n## Notes\n## Notes\n```\n# not a heading\n```\n')]).toEqual([
      'gx-trust', 'members-roles-and-key-rotation', 'the-serve-command-cli', 'notes', 'notes-1',
    ]);
  });

  it('finds the links it checks', () => {
    expect(links.length).toBeGreaterThan(20);
    expect(links.some((link) => link.target.includes('#'))).toBe(true);
  });

  it.each(links.map((link) => [`${link.document} -> ${link.target}`, link] as const))('%s resolves', (_name, { document, target }) => {
    const [path = '', anchor] = target.split('#');
    const file = path === '' ? join(ROOT, document) : join(ROOT, dirname(document), decodeURIComponent(path));
    expect(existsSync(file), `${relative(ROOT, file)} does not exist`).toBe(true);
    if (anchor === undefined || anchor === '') return;
    expect(statSync(file).isFile(), `${relative(ROOT, file)} is a folder: it has no anchors`).toBe(true);
    expect([...anchorsOf(readFileSync(file, 'utf8'))], `${relative(ROOT, file)} has no heading for #${anchor}`).toContain(anchor);
  });
});
