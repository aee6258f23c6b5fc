/**
 * The Gaia-X Tagus (Trust Framework 22.10) shapes, run on Tagus input: the SHACL the Gaia-X Lab
 * compliance service validated with (shapes/tagus/README.md gives origin, commit and licence). They
 * are JSON-LD with an inline context, so they are read without any network.
 *
 * The same graph building and JSON pointers as the Danube validator (validate.ts), with the Tagus
 * shapes instead of the 25.11 ones; the Tagus context is pinned (contexts/), so the credentials
 * expand offline too.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import jsonld from 'jsonld';
import { Parser } from 'n3';
import type { Quad } from '@rdfjs/types';
import { createDocumentLoader, type DocumentLoader } from '../document-loader/index.js';
import { GxTrustError } from '../errors.js';
import { describeResult } from './describe-result.js';
import type { Finding } from './finding.js';
import { SH, TAGUS_GX } from './namespaces.js';
import { createShaclValidator, shaclEngine, type ShaclEngine, type ShaclValidator } from './shacl.js';
import { buildSubmissionGraph } from './submission-graph.js';
import type { SelfDescriptionValidation } from './validate.js';
import { locator, typeIndex } from './validate.js';

export const TAGUS_SHAPES_FILE = fileURLToPath(new URL('./shapes/tagus/gx-2210-trustframework-shapes.json', import.meta.url));

/** The shapes as RDF quads. Their context is inline: any remote context is refused. */
export async function loadTagusShapes(path = TAGUS_SHAPES_FILE): Promise<Quad[]> {
  const document = JSON.parse(readFileSync(path, 'utf8')) as object;
  const nquads = (await jsonld.toRDF(document, {
    format: 'application/n-quads',
    documentLoader: async (url: string) => {
      throw new GxTrustError('CONTEXT_NOT_ALLOWED', `the Tagus shapes file names a remote context (${url})`);
    },
  })) as unknown as string;
  return new Parser({ format: 'N-Quads' }).parse(nquads) as Quad[];
}

/**
 * The criteria a gx:ServiceOfferingLabelLevel1 answers, as the shapes list them (P1.1.1 ... P5.2.1,
 * IRIs in the Tagus trust-framework namespace), in the shapes' order.
 */
export function labelLevel1Criteria(shapes: readonly Quad[]): string[] {
  const criteriaShape = `${TAGUS_GX}ServiceOfferingCriteriaShape`;
  const properties = shapes.filter((q) => q.subject.value === criteriaShape && q.predicate.value === `${SH}property`).map((q) => q.object.value);
  const paths = properties.flatMap((node) => shapes.filter((q) => q.subject.value === node && q.predicate.value === `${SH}path`).map((q) => q.object.value));
  return paths.filter((p) => p.startsWith(`${TAGUS_GX}P`));
}

export interface TagusShapesValidator {
  /** The Tagus shapes' findings for the credentials of one submission (pointers into that array). */
  validate(credentials: readonly object[]): Promise<SelfDescriptionValidation>;
  /** The label-level-1 criteria the shapes define. */
  labelLevel1Criteria(): Promise<string[]>;
}

/** Compiles the shapes on first use (once), then validates each submission against them. */
export function createTagusShapesValidator(options: { documentLoader: DocumentLoader; engine?: ShaclEngine; shapesPath?: string }): TagusShapesValidator {
  let compiled: Promise<{ validator: ShaclValidator; criteria: string[] }> | undefined;
  const ready = () => {
    compiled ??= loadTagusShapes(options.shapesPath).then((quads) => ({
      validator: createShaclValidator(quads, options.engine ?? shaclEngine),
      criteria: labelLevel1Criteria(quads),
    }));
    return compiled;
  };
  return {
    async validate(credentials) {
      const { validator } = await ready();
      const graph = await buildSubmissionGraph(credentials, options.documentLoader);
      const locate = locator(graph.nodes);
      const typesOf = typeIndex(graph.quads);
      const report = await validator.validate(graph.quads);
      const findings: Finding[] = [...graph.findings];
      for (const result of report.results) {
        const { rule, message, hint } = describeResult(result, validator.shapes, typesOf);
        // describeResult's fallback hint names the 25.11 shapes; these are the 22.10 ones.
        findings.push({ rule, severity: 'violation', ...locate(result.focusNode.value, result.path, result.value), path: result.path ?? '', message, hint: hint.replace('Gaia-X 25.11 shapes', 'Gaia-X Tagus 22.10 shapes') });
      }
      return { conforms: findings.length === 0, findings };
    },
    async labelLevel1Criteria() {
      return (await ready()).criteria;
    },
  };
}

/**
 * The validator over the shipped shapes, shared by the Tagus rules: compiled on the first Tagus
 * submission, once; the closed loader holds only pinned contexts, so it keeps no mutable state.
 */
export const shippedTagusShapes: TagusShapesValidator = createTagusShapesValidator({ documentLoader: createDocumentLoader() });
