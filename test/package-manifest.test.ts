/**
 * package.json against the code that ships. `npm ci --omit=dev` installs `dependencies` only, so
 * every package the service loads (a value import, `export ... from`, `import()`, `require`,
 * `require.resolve`, under src/ and bin/) must be there; and a dependency nothing loads is weight
 * and attack surface every installation carries for nothing. Type-only imports are erased at
 * compile time and count for neither. The scripts package.json runs must exist.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

/**
 * Run only when gx-trust runs from source (tests, `tsx src/main.ts`), never from dist/: the build
 * leaves them out (scripts/build.mjs), so what they load (tsx) is a devDependency.
 */
const isSourceOnly = (file: string) => /(^|[-/])entry\.mjs$/.test(file.split(sep).join('/'));

/** Source files that run in the service or the CLI (declaration files declare, they load nothing). */
function shippedSources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)))
    .filter((file) => !isSourceOnly(file));
}

/** A script's file as it is in a checkout: dist/x.js is built from src/x.ts. */
const inCheckout = (file: string): string => file.replace(/^(?:\.\/)?dist\/(.*)\.js$/, 'src/$1.ts');

/** The module specifiers a file loads at run time. */
export function runtimeSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => (node !== undefined && ts.isStringLiteralLike(node) ? node.text : undefined);
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      // `import type {..}` is erased; `import { type A }` is not under verbatimModuleSyntax (it
      // becomes `import {} from`, which still loads the module).
      if (!node.importClause?.isTypeOnly) found.push(literal(node.moduleSpecifier) ?? '');
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined) {
      if (!node.isTypeOnly) found.push(literal(node.moduleSpecifier) ?? '');
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      if (!node.isTypeOnly) found.push(literal(node.moduleReference.expression) ?? '');
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const loads =
        callee.kind === ts.SyntaxKind.ImportKeyword ||
        (ts.isIdentifier(callee) && callee.text === 'require') ||
        (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'require' && callee.name.text === 'resolve') ||
        // createRequire(import.meta.url)('pkg')
        (ts.isCallExpression(callee) && ts.isIdentifier(callee.expression) && callee.expression.text === 'createRequire');
      const specifier = literal(node.arguments[0]);
      if (loads && specifier !== undefined) found.push(specifier);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** The package a bare specifier names (`@scope/name/sub` -> `@scope/name`); undefined for relative paths and builtins. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:') || builtinModules.includes(specifier.split('/')[0]!)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const loads = ['src', 'bin'].flatMap(shippedSources).flatMap((file) =>
  runtimeSpecifiers(file, readFileSync(join(ROOT, file), 'utf8')).flatMap((specifier) => {
    const name = packageOf(specifier);
    return name === undefined ? [] : [{ file, name }];
  }),
);

describe('package.json', () => {
  it('finds what the service loads, and leaves out what only types use', () => {
    const text = [
      "import type { A } from 'types-only';",
      "import { type B } from 'kept-by-verbatim-module-syntax';",
      "import c from '@scope/pkg/sub/path.js';",
      "export { d } from 're-exported';",
      "export type { E } from 'types-only-too';",
      "const f = await import('dynamic');",
      "const g = createRequire(import.meta.url)('created/lib/x.js');",
      "const h = require.resolve('resolved/package.json');",
      "let i: import('type-position').T;",
      "import { readFileSync } from 'node:fs'; import 'fs'; import './local.js';",
    ].join('\n');
    const names = runtimeSpecifiers('x.ts', text).map(packageOf).filter((name) => name !== undefined);
    expect(names).toEqual(['kept-by-verbatim-module-syntax', '@scope/pkg', 're-exported', 'dynamic', 'created', 'resolved']);
  });

  it('lists every package src/ and bin/ load under dependencies, so npm ci --omit=dev can start the service', () => {
    expect(loads.length).toBeGreaterThan(50);
    const missing = loads.filter(({ name }) => !(name in manifest.dependencies)).map(({ file, name }) => `${file}: ${name}${name in manifest.devDependencies ? ' (a devDependency)' : ''}`);
    expect(missing).toEqual([]);
  });

  it('lists under dependencies only packages that src/ or bin/ load', () => {
    const loaded = new Set(loads.map(({ name }) => name));
    expect(Object.keys(manifest.dependencies).filter((name) => !loaded.has(name))).toEqual([]);
  });

  it('ships no benchmark or load-test code: it lives in bench/ and load/, and nothing in src/ or bin/ loads it', () => {
    const shipped = ['src', 'bin'].flatMap(shippedSources);
    expect(shipped.filter((file) => /bench|load-test/i.test(file))).toEqual([]);
    const reachesOut = shipped.flatMap((file) =>
      runtimeSpecifiers(file, readFileSync(join(ROOT, file), 'utf8'))
        .filter((specifier) => specifier.startsWith('.') && /^(bench|load)(\/|$)/.test(relative(ROOT, join(ROOT, file, '..', specifier))))
        .map((specifier) => `${file}: ${specifier}`),
    );
    expect(reachesOut).toEqual([]);
  });

  it('runs only scripts and entry points that exist', () => {
    const files = Object.values(manifest.scripts)
      .flatMap((command) => [...command.matchAll(/\b(?:node|tsx)\s+((?:\.\/)?[\w./-]+\.(?:m?js|ts))/g)].map((match) => match[1]!))
      .concat(Object.values(manifest.bin));
    expect(files.length).toBeGreaterThan(3);
    expect(files.filter((file) => !existsSync(join(ROOT, inCheckout(file))))).toEqual([]);
  });
});
