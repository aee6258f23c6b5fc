import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDocumentLoader, type DocumentLoader } from '../../src/document-loader/index.js';
import { createSelfDescriptionValidator } from '../../src/danube/validate.js';
import { IPCEI, IPCEI_CONTEXT_URL } from '../../src/danube/namespaces.js';
import { MEMBER, makeAIServiceSubmission, makeAIModelProfile, makeLegalPersonSubmission, subjectOf } from './fixtures.js';

/**
 * contexts/ipcei-ai-v1.jsonld is not yet in contexts/manifest.json (another engineer owns it), so
 * this test serves it next to the closed loader, byte for byte from the file.
 */
const ipceiContext = JSON.parse(readFileSync(new URL('../../contexts/ipcei-ai-v1.jsonld', import.meta.url), 'utf8')) as unknown;
const closed = createDocumentLoader();
const documentLoader: DocumentLoader = async (url) =>
  url === IPCEI_CONTEXT_URL ? { contextUrl: null, documentUrl: url, document: ipceiContext } : closed(url);

const validator = createSelfDescriptionValidator({ documentLoader });
const CONTEXT = ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#', IPCEI_CONTEXT_URL];

function profileWithTerms(subject: Record<string, unknown> = {}) {
  return {
    '@context': CONTEXT,
    type: ['VerifiableCredential'],
    issuer: MEMBER,
    credentialSubject: {
      id: `${MEMBER}#model-profile`,
      type: 'AIModelProfile',
      profileOf: `${MEMBER}#model`,
      riskClass: 'general-purpose-systemic-risk',
      intendedPurpose: 'General-purpose language model',
      modelCard: { type: 'ModelCard', url: 'https://member.example/model-card', hash: 'ab'.repeat(32) },
      trainingData: [`did:web:data.example#corpus`],
      trainingCompute: { value: 2e25, unit: 'FLOP' },
      trainingEnergy: { value: 9500, unit: 'MWh' },
      hostingMemberState: 'DE',
      ...subject,
    },
  };
}

function participation(subject: Record<string, unknown> = {}) {
  return {
    '@context': CONTEXT,
    type: ['VerifiableCredential'],
    issuer: MEMBER,
    credentialSubject: {
      id: `${MEMBER}#ipcei`,
      type: 'IpceiParticipation',
      participant: `${MEMBER}#legal-person`,
      memberState: 'DE',
      project: 'IPCEI-AI: sovereign foundation models',
      role: 'direct-participant',
      ...subject,
    },
  };
}

describe('IPCEI-AI profile v1', () => {
  it('accepts a model profile and an IPCEI participation written with the v1 context terms', async () => {
    const submission = [...makeAIServiceSubmission().slice(0, 5), profileWithTerms(), participation()];
    expect(await validator.validate(submission)).toEqual({ conforms: true, findings: [] });
  });

  it.each([
    ['an unknown risk class', { riskClass: 'medium' }, 'shacl:in', 'riskClass'],
    ['training compute without a unit', { trainingCompute: { value: 2e25 } }, 'shacl:node', 'trainingCompute'],
    ['a hosting state outside the EU', { hostingMemberState: 'CH' }, 'shacl:in', 'hostingMemberState'],
    ['a model card without its hash', { modelCard: { type: 'ModelCard', url: 'https://member.example/model-card' } }, 'shacl:minCount', 'modelCard/hash'],
  ])('rejects %s', async (_name, override, rule, key) => {
    const submission = [...makeAIServiceSubmission().slice(0, 5), profileWithTerms(override)];
    const { findings } = await validator.validate(submission);
    expect(findings.map((f) => [f.rule, f.pointer])).toEqual([[rule, `/5/credentialSubject/${key}`]]);
  });

  it('rejects a profile of something that is not a gx:SoftwareResource', async () => {
    const submission = [...makeLegalPersonSubmission(), makeAIModelProfile({ 'ipcei:profileOf': { id: `${MEMBER}#legal-person` } })];
    const { findings } = await validator.validate(submission);
    expect(findings.map((f) => [f.rule, f.pointer, f.path])).toEqual([['shacl:class', '/3/credentialSubject/ipcei:profileOf', `${IPCEI}profileOf`]]);
  });

  it('rejects an IPCEI participation without its project', async () => {
    const record = participation();
    delete (record.credentialSubject as Record<string, unknown>)['project'];
    const { findings } = await validator.validate([...makeLegalPersonSubmission(), record]);
    expect(findings.map((f) => [f.rule, f.pointer])).toEqual([['shacl:minCount', '/3/credentialSubject/project']]);
  });

  it('keeps the Gaia-X nodes closed: an ipcei: property on the gx:SoftwareResource itself fails', async () => {
    const submission = makeAIServiceSubmission();
    // With the IPCEI-AI context, so ipcei: is defined and it is the closed shape that refuses it.
    submission[4]!['@context'] = CONTEXT;
    subjectOf(submission[4]!)['ipcei:riskClass'] = 'minimal';
    const { findings } = await validator.validate([...submission.slice(0, 5)]);
    expect(findings.map((f) => [f.rule, f.pointer])).toEqual([['shacl:closed', '/4/credentialSubject/ipcei:riskClass']]);
  });

  it('says PREFIX_NOT_DEFINED for an ipcei: property in a credential whose contexts do not define ipcei:', async () => {
    const submission = makeAIServiceSubmission();
    subjectOf(submission[4]!)['ipcei:riskClass'] = 'minimal';
    const { findings } = await validator.validate([...submission.slice(0, 5)]);
    expect(findings.map((f) => [f.rule, f.code, f.pointer])).toEqual([['jsonld/prefix-not-defined', 'PREFIX_NOT_DEFINED', '/4/credentialSubject/ipcei:riskClass']]);
    expect(findings[0]?.hint).toContain(IPCEI_CONTEXT_URL);
  });
});
