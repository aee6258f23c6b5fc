/**
 * Zero value-import cycles between the top-level folders of src/ (issue 12). Each folder is a
 * domain concept; a cycle between two of them means neither can be read, tested or moved without
 * the other. Only value imports count: `import type` and `export type` are erased by the compiler
 * and never run. An import whose specifiers are all inline `type` ones (`import { type A } from`)
 * still loads the module under `verbatimModuleSyntax` (it compiles to `import {} from`), so it
 * counts. Files directly in src/ are each their own node.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative module specifiers a file loads at run time. */
export function valueImports(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const specifiers: string[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      if (statement.importClause?.isTypeOnly) continue;
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly || statement.moduleSpecifier === undefined) continue;
      if (ts.isStringLiteral(statement.moduleSpecifier)) specifiers.push(statement.moduleSpecifier.text);
    }
  }
  return specifiers.filter((s) => s.startsWith('.'));
}

/** `src/issuing/jose.ts` -> `issuing`; `src/service.ts` -> `service.ts`. */
function nodeOf(file: string): string {
  return relative(SRC, file).split(sep)[0]!;
}

type Graph = Map<string, Map<string, string>>;

/** Folder -> folder edges, each with one import that makes it (for the failure message). */
function folderGraph(): Graph {
  const graph: Graph = new Map();
  for (const file of sourceFiles(SRC)) {
    const from = nodeOf(file);
    const edges = graph.get(from) ?? new Map<string, string>();
    graph.set(from, edges);
    for (const specifier of valueImports(file, readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), specifier);
      if (!target.startsWith(SRC)) continue;
      const to = nodeOf(target.replace(/\.js$/, '.ts'));
      if (to !== from && !edges.has(to)) edges.set(to, `${relative(SRC, file)} -> ${specifier}`);
    }
  }
  return graph;
}

/** Tarjan's strongly connected components. */
export function stronglyConnected(graph: ReadonlyMap<string, ReadonlyMap<string, string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return components;
}

function describeCycle(graph: Graph, component: string[]): string {
  const members = new Set(component);
  const lines = component.flatMap((from) =>
    [...(graph.get(from) ?? new Map<string, string>())].filter(([to]) => members.has(to)).map(([to, via]) => `  ${from} -> ${to}  (${via})`),
  );
  return `${component.join(' <-> ')}\n${lines.join('\n')}`;
}

describe('import cycles between the top-level folders of src/', () => {
  it('finds a cycle in a graph that has one, and none in one that has not', () => {
    const edges = (pairs: [string, string][]) => {
      const graph = new Map<string, Map<string, string>>();
      for (const [from, to] of pairs) {
        graph.set(from, (graph.get(from) ?? new Map()).set(to, ''));
        if (!graph.has(to)) graph.set(to, new Map());
      }
      return graph;
    };
    const cyclic = stronglyConnected(edges([['a', 'b'], ['b', 'c'], ['c', 'a'], ['c', 'd']])).filter((c) => c.length > 1);
    expect(cyclic).toEqual([['a', 'b', 'c']]);
    expect(stronglyConnected(edges([['a', 'b'], ['b', 'c'], ['a', 'c']])).filter((c) => c.length > 1)).toEqual([]);
  });

  it('counts value imports and re-exports, not type-only ones', () => {
    const text = [
      "import type { A } from './type-only.js';",
      "import { type B } from './inline-type.js';",
      "import { c } from './value.js';",
      "import './side-effect.js';",
      "export type { D } from './type-export.js';",
      "export { e } from './value-export.js';",
      "export * from './star.js';",
      "import { f } from 'package';",
    ].join('\n');
    expect(valueImports('x.ts', text)).toEqual(['./inline-type.js', './value.js', './side-effect.js', './value-export.js', './star.js']);
  });

  it('has none: no strongly connected component of more than one folder', () => {
    const graph = folderGraph();
    const cycles = stronglyConnected(graph).filter((component) => component.length > 1);
    expect(cycles.map((component) => describeCycle(graph, component)).join('\n\n')).toBe('');
  });
});
