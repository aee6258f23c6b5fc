import { describe, expect, it } from 'vitest';
import { createDocumentLoader } from '../../src/document-loader/index.js';
import { shaclEngine } from '../../src/danube/shacl.js';
import { createSelfDescriptionValidator } from '../../src/danube/validate.js';
import { rdfValidateShacl } from '../../bench/rdf-validate-shacl.js';
import { makeAddress, makeIssuer, makeLegalPerson, makeLegalPersonSubmission, makeVatId, readSample } from './fixtures.js';

const documentLoader = createDocumentLoader();

describe('the two SHACL engines', () => {
  const engines = {
    'shacl-engine': createSelfDescriptionValidator({ documentLoader, engine: shaclEngine }),
    'rdf-validate-shacl': createSelfDescriptionValidator({ documentLoader, engine: rdfValidateShacl }),
  };
  const cases = {
    'the sample claims': () => [readSample('danube-25.11/legal-person-claims.jsonld'), readSample('danube-25.11/data-product-and-service-offering-claims.jsonld')],
    'a LegalPerson submission': makeLegalPersonSubmission,
    'a bad country code and a Tagus term': () => [
      makeLegalPerson({ 'gx:legalName': 'x', 'gx:legalAddress': makeAddress({ 'gx:countryCode': 'XY' }) }),
      makeVatId(),
      makeIssuer(),
    ],
  };

  it.each(Object.entries(cases))('give the same findings on %s', async (_name, submission) => {
    const a = await engines['shacl-engine'].validate(submission());
    const b = await engines['rdf-validate-shacl'].validate(submission());
    const sort = (findings: typeof a.findings) => [...findings].sort((x, y) => (x.pointer + x.rule).localeCompare(y.pointer + y.rule));
    expect(sort(a.findings)).toEqual(sort(b.findings));
    expect(a.conforms).toBe(b.conforms);
  });
});
