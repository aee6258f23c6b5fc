/**
 * Measures self-description validation of a 3-credential LegalPerson submission (LegalPerson,
 * VAT id, Issuer) for each SHACL engine and shapes graph, with validators built once.
 */
import { performance } from 'node:perf_hooks';
import { legalPersonSubmission } from '../src/danube/example-submissions.js';
import { shaclEngine } from '../src/danube/shacl.js';
import { createSelfDescriptionValidator } from '../src/danube/validate.js';
import type { DocumentLoader } from '../src/document-loader/index.js';
import { measure } from './measure.js';
import { rdfValidateShacl } from './rdf-validate-shacl.js';

export interface BenchmarkRow {
  name: string;
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  buildMs: number;
}

export async function benchmarkSelfDescriptionValidation(options: {
  documentLoader: DocumentLoader;
  officialShapesPath?: string;
  iterations?: number;
}): Promise<BenchmarkRow[]> {
  const rows: BenchmarkRow[] = [];
  const submission = legalPersonSubmission();
  const shapeSets: ('bundled' | 'official')[] = options.officialShapesPath === undefined ? ['bundled'] : ['bundled', 'official'];
  for (const engine of [shaclEngine, rdfValidateShacl]) {
    for (const shapes of shapeSets) {
      const t0 = performance.now();
      const validator = createSelfDescriptionValidator({
        documentLoader: options.documentLoader,
        shapes,
        engine,
        ...(options.officialShapesPath === undefined ? {} : { officialShapesPath: options.officialShapesPath }),
      });
      const buildMs = performance.now() - t0;
      const check = await validator.validate(submission);
      if (!check.conforms) throw new Error(`benchmark submission does not conform (${engine.name}, ${shapes})`);
      const result = await measure(() => validator.validate(submission), options.iterations ?? 2000);
      rows.push({ name: `validate LegalPerson submission (3 VCs), ${shapes} shapes, ${engine.name}`, buildMs, ...result });
    }
  }
  return rows;
}
