/**
 * The reference pages that list what the code defines: every route of the route table in
 * docs/api.md, every environment variable of the configuration schema in docs/configuration.md.
 * A route or a setting added without its documentation fails here.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Environment } from '../../src/config.js';
import { ROUTES } from '../../src/http/route-table.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}${path}`, 'utf8');

describe('docs/api.md', () => {
  const api = read('docs/api.md');
  it.each(ROUTES.map((route) => `${route.method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`))('lists %s', (route) => {
    expect(api).toContain(`| \`${route}\` |`);
  });
});

describe('docs/configuration.md', () => {
  const configuration = read('docs/configuration.md');
  it('describes every variable the configuration schema reads', () => {
    const variables = Object.keys(Environment.shape);
    expect(variables.length).toBeGreaterThan(40);
    expect(variables.filter((name) => !configuration.includes(`\`${name}\``))).toEqual([]);
  });
});
