/**
 * One SHACL validator per shapes graph, built once (measured: building per call is 8x slower
 * with shacl-engine, 48x with rdf-validate-shacl), behind one small interface so another engine can
 * be measured and cross-checked on the same input.
 *
 * The service validates with shacl-engine. Measured on this repo's 3-credential LegalPerson
 * submission (bench/self-description.ts, one core, after warm-up; the SHACL step alone, without JSON-LD):
 *   shacl-engine        bundled 1.75 ms, official 25.11 file 1.90 ms per validation
 *   rdf-validate-shacl  bundled 3.46 ms, official 25.11 file 10.7 ms per validation
 * and shacl-engine compiles the 164,702-quad official file into a validator faster (1.4-3.6 s
 * against 3.1-4.4 s, machine under load). It is 2x faster on our shapes, 5x on the official file.
 * rdf-validate-shacl stays a development dependency for that cross-check (bench/rdf-validate-shacl.ts,
 * passed in as a ShaclEngine by the bench and test/danube/shacl.test.ts); the service never loads it.
 */
import { Validator as ShaclEngineValidator } from 'shacl-engine';
import rdfDataModel from '@rdfjs/data-model';
import rdfDataset from '@rdfjs/dataset';
import type { DatasetCore, Quad, Term } from '@rdfjs/types';

/** One SHACL validation result, engine-neutral (the terms of the SHACL validation report). */
export interface ShaclResult {
  focusNode: Term;
  /** sh:resultPath when it is a single predicate. */
  path: string | undefined;
  value: Term | undefined;
  sourceConstraintComponent: string;
  sourceShape: Term | undefined;
  severity: string;
  /**
   * The results of the nested shape a sh:node (or logical) constraint refused the value for: the
   * fault itself (a unit outside its list), where the outer result says only "violates sh:node".
   */
  details?: ShaclResult[];
}

export interface ShaclValidator {
  /** The engine's name, for benchmark rows. */
  readonly engine: string;
  /** The shapes graph, for reading constraint parameters (sh:minCount, sh:class, sh:description). */
  readonly shapes: DatasetCore;
  validate(data: readonly Quad[]): Promise<{ conforms: boolean; results: ShaclResult[] }>;
}

/** A SHACL engine: compiles a shapes graph into a validation function, once. */
export interface ShaclEngine {
  readonly name: string;
  compile(shapes: DatasetCore): ShaclValidator['validate'];
}

/** shacl-engine needs one factory with both the data model and `dataset()`. */
const factory = {
  namedNode: (value: string) => rdfDataModel.namedNode(value),
  blankNode: (value?: string) => rdfDataModel.blankNode(value),
  literal: (value: string, languageOrDatatype?: string | import('@rdfjs/types').NamedNode) =>
    rdfDataModel.literal(value, languageOrDatatype),
  variable: (value: string) => rdfDataModel.variable?.(value),
  defaultGraph: () => rdfDataModel.defaultGraph(),
  quad: (s: Quad['subject'], p: Quad['predicate'], o: Quad['object'], g?: Quad['graph']) => rdfDataModel.quad(s, p, o, g),
  dataset: (quads?: Iterable<Quad>) => rdfDataset.dataset(quads),
};

export const shaclEngine: ShaclEngine = {
  name: 'shacl-engine',
  compile(shapes) {
    const validator = new ShaclEngineValidator(shapes, { factory });
    return async (data) => {
      const report = (await validator.validate({ dataset: rdfDataset.dataset(data) })) as ShaclEngineReport;
      return {
        conforms: report.conforms,
        results: report.results.map((result) => adapt(result, 0)),
      };
    };
  },
};

type ShaclEngineResult = ShaclEngineReport['results'][number];

/** Nested results are read a few levels deep: enough for sh:node in sh:node, bounded for a hostile shapes file. */
const MAX_DETAIL_DEPTH = 4;

function adapt(result: ShaclEngineResult, depth: number): ShaclResult {
  const step = result.path?.length === 1 ? result.path[0] : undefined;
  const predicate = step?.quantifier === 'one' && step.start !== 'object' ? step.predicates[0] : undefined;
  const nested = depth < MAX_DETAIL_DEPTH ? (result.results ?? []) : [];
  return {
    focusNode: result.focusNode.term,
    path: predicate?.value,
    value: result.value?.term,
    sourceConstraintComponent: result.constraintComponent.value,
    sourceShape: result.shape?.ptr?.term,
    severity: result.severity.value,
    ...(nested.length === 0 ? {} : { details: nested.map((detail) => adapt(detail, depth + 1)) }),
  };
}

export function createShaclValidator(shapeQuads: readonly Quad[], engine: ShaclEngine = shaclEngine): ShaclValidator {
  const shapes = rdfDataset.dataset(shapeQuads);
  return { engine: engine.name, shapes, validate: engine.compile(shapes) };
}

/** The parts of shacl-engine's Report/Result (lib/Report.js, lib/Result.js) read here. */
interface ShaclEngineReport {
  conforms: boolean;
  results: {
    focusNode: { term: Term };
    path?: { quantifier: string; start: string; predicates: Term[] }[];
    value?: { term: Term };
    constraintComponent: Term;
    shape?: { ptr?: { term: Term } };
    severity: Term;
    /** lib/Result.js: the nested report's results (sh:node, logical constraints). */
    results?: ShaclEngineReport['results'];
  }[];
}
