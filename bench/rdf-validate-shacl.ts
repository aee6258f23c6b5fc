/**
 * rdf-validate-shacl as a ShaclEngine: the second maintained JavaScript SHACL engine, kept to
 * measure shacl-engine against (bench/self-description.ts) and to cross-check its findings
 * (test/danube/shacl.test.ts). A development dependency: the service validates with shacl-engine.
 */
import rdfDataset from '@rdfjs/dataset';
import SHACLValidator from 'rdf-validate-shacl';
import type { ShaclEngine } from '../src/danube/shacl.js';

export const rdfValidateShacl: ShaclEngine = {
  name: 'rdf-validate-shacl',
  compile(shapes) {
    const validator = new SHACLValidator(shapes);
    return async (data) => {
      const report = await validator.validate(rdfDataset.dataset(data));
      return {
        conforms: report.conforms,
        results: report.results.map((result) => ({
          focusNode: result.focusNode,
          path: result.path?.termType === 'NamedNode' ? result.path.value : undefined,
          value: result.value ?? undefined,
          sourceConstraintComponent: result.sourceConstraintComponent.value,
          sourceShape: result.sourceShape ?? undefined,
          severity: result.severity.value,
        })),
      };
    };
  },
};
