/**
 * Loading shapes graphs. The bundled shapes are gx-trust's own (gx-danube.ttl, ipcei-ai-v1.ttl).
 * The official 25.11 release file ships in official/ (its README gives origin, commit and licence)
 * and can be loaded instead or besides; another copy of it can be named at run time.
 *
 * Namespace: the 25.11 release shapes use `https://w3id.org/gaia-x/2511#` while the 25.11 context
 * and every 25.11 claim use `https://w3id.org/gaia-x/development#` (the same terms; the registry
 * publishes the versioned IRI as an alias). We rewrite the *shapes* to the development namespace
 * when loading, never the member's data: the data is what gets signed, and a context served for
 * `https://w3id.org/gaia-x/2511#` (contexts/gaia-x-development.jsonld) expands to the development
 * namespace as well, so one namespace reaches the validator.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DataFactory, Parser } from 'n3';
import type { Quad, Term } from '@rdfjs/types';
import { GxTrustError } from '../../errors.js';
import { GX, GX_2511 } from '../namespaces.js';

export const BUNDLED_SHAPES_FILES = [
  fileURLToPath(new URL('./gx-danube.ttl', import.meta.url)),
  fileURLToPath(new URL('./ipcei-ai-v1.ttl', import.meta.url)),
] as const;

/** The official Gaia-X 25.11 shapes, as shipped (official/README.md). */
export const OFFICIAL_SHAPES_FILE = fileURLToPath(new URL('./official/gx-2511-shapes.ttl', import.meta.url));

export function parseTurtle(text: string, baseIRI: string): Quad[] {
  return new Parser({ baseIRI }).parse(text) as Quad[];
}

export function loadBundledShapes(): Quad[] {
  return BUNDLED_SHAPES_FILES.flatMap((file) => parseTurtle(readFileSync(file, 'utf8'), `file://${file}`));
}

function rewrite(term: Term, from: string, to: string): Term {
  if (term.termType === 'NamedNode' && term.value.startsWith(from)) {
    return DataFactory.namedNode(to + term.value.slice(from.length));
  }
  return term;
}

/** Parses the official 25.11 shapes file (about 2 s for its 164,702 quads) and moves it to the development namespace. */
export function loadOfficialShapes(path: string): Quad[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new GxTrustError('CONFIG_INVALID', `cannot read the official shapes file ${path}`, {
      cause,
      hint: 'Point GX_DANUBE_OFFICIAL_SHAPES_FILE at the Gaia-X 25.11 SHACL file (Turtle), or unset it to use the shipped one',
    });
  }
  return parseTurtle(text, `file://${path}`).map((q) =>
    DataFactory.quad(
      rewrite(q.subject, GX_2511, GX) as never,
      rewrite(q.predicate, GX_2511, GX) as never,
      rewrite(q.object, GX_2511, GX) as never,
      q.graph as never,
    ),
  );
}
