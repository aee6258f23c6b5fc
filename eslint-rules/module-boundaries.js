/**
 * Import boundaries between gx-trust's modules, checked on the resolved path of every import,
 * `export ... from` and `import()` (patterns over the written specifier cannot tell `../http/x.js`
 * from a folder of the same name elsewhere, and miss `../../http`).
 *
 * - domain-free-of-http: the library core (every folder of src/ but http/ and cli/, and the files
 *   beside them but main.ts and service.ts, the composition roots) imports neither `express` nor
 *   anything under src/http/: HTTP is a thin layer over the core, never the other way round.
 * - storage-below-domain: src/storage/ imports no domain folder (only the shared files at the top of
 *   src/: errors, clock, jcs, ...), so record kinds are defined by storage and asked for by the domain.
 * - inside-repository: nothing imports a relative path outside the repository.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SRC = resolve(ROOT, 'src');

/** Outside the library core: the HTTP layer, the CLI and the composition roots. */
const EDGE_FOLDERS = new Set(['http', 'cli']);
const EDGE_FILES = new Set(['main.ts', 'service.ts']);

/** The place of a file in src/: its top folder, or `file` for one directly in src/; undefined outside src/. */
function placeOf(file) {
  const path = relative(SRC, file);
  if (path.startsWith('..') || path === '') return undefined;
  const parts = path.split(sep);
  return parts.length === 1 ? { folder: undefined, file: parts[0] } : { folder: parts[0], file: undefined };
}

function isCore(place) {
  return place !== undefined && (place.folder === undefined ? !EDGE_FILES.has(place.file.replace(/\.js$/, '.ts')) : !EDGE_FOLDERS.has(place.folder));
}

/** Calls `check(node, specifier, target)` for every module the file loads; target is the resolved path of a relative specifier. */
function visitImports(context, check) {
  const from = dirname(context.filename);
  const visit = (node, source) => {
    if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
    const specifier = source.value;
    const target = specifier.startsWith('.') || specifier.startsWith('/') ? resolve(from, specifier) : undefined;
    check(node, specifier, target);
  };
  return {
    ImportDeclaration: (node) => visit(node, node.source),
    ExportNamedDeclaration: (node) => visit(node, node.source),
    ExportAllDeclaration: (node) => visit(node, node.source),
    ImportExpression: (node) => visit(node, node.source),
  };
}

const domainFreeOfHttp = {
  meta: { type: 'problem', docs: { description: 'the library core imports neither express nor src/http' }, schema: [] },
  create(context) {
    if (!isCore(placeOf(context.filename))) return {};
    return visitImports(context, (node, specifier, target) => {
      if (specifier === 'express' || specifier.startsWith('express/')) {
        context.report({ node, message: 'The library core does not import express: the HTTP layer (src/http) adapts the core to it.' });
      } else if (target !== undefined && placeOf(target)?.folder === 'http') {
        context.report({ node, message: 'The library core does not import src/http: move what both need into the core (errors, access) or let http call the core.' });
      }
    });
  },
};

const storageBelowDomain = {
  meta: { type: 'suggestion', docs: { description: 'src/storage imports no domain folder' }, schema: [] },
  create(context) {
    if (placeOf(context.filename)?.folder !== 'storage') return {};
    return visitImports(context, (node, _specifier, target) => {
      const place = target === undefined ? undefined : placeOf(target);
      if (place?.folder !== undefined && place.folder !== 'storage') {
        context.report({ node, message: `src/storage imports src/${place.folder}: storage defines the records it keeps; the domain asks for them.` });
      }
    });
  },
};

const insideRepository = {
  meta: { type: 'problem', docs: { description: 'no relative import leaves the repository' }, schema: [] },
  create(context) {
    return visitImports(context, (node, specifier, target) => {
      if (target !== undefined && relative(ROOT, target).startsWith('..')) {
        context.report({ node, message: `${specifier} is outside the repository: everything the code and the tests load is inside it.` });
      }
    });
  },
};

export default {
  meta: { name: 'gx-trust' },
  rules: { 'domain-free-of-http': domainFreeOfHttp, 'storage-below-domain': storageBelowDomain, 'inside-repository': insideRepository },
};
