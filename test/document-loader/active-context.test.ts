/**
 * shareActiveContextDefinitions() (src/document-loader/active-context.ts) changes how jsonld
 * copies active contexts, so it must change nothing jsonld computes: every document below gets
 * the same canonical N-Quads and expanded form as from jsonld as published, computed in a worker
 * thread (its own jsonld, not patched). The documents enter and leave type-scoped contexts
 * (credentials, proofs, presentations holding credentials), nest contexts and protect terms.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { shareActiveContextDefinitions } from '../../src/document-loader/active-context.js';
// @ts-expect-error: a plain ES module helper without types
import { canonicalForms } from './canonical-forms.mjs';

const read = (path: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as Record<string, unknown>;
const withoutProof = ({ proof: _proof, ...rest }: Record<string, unknown>) => rest;
const sample = (path: string) => `../fixtures/gaiax-samples/${path}`;

const eddsa = read('../vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json');
const ecdsa = read('../vectors/data-integrity/ecdsa-rdfc-2019-p256/signedECDSAP256.json');
const documents: Record<string, unknown>[] = [
  eddsa,
  withoutProof(eddsa),
  read('../vectors/data-integrity/eddsa-rdfc-2022/proofConfigDataInt.json'),
  ecdsa,
  read('../vectors/data-integrity/ecdsa-rdfc-2019-p256/proofConfigECDSAP256.json'),
  read(sample('tagus-22.10/participant-vp.json')),
  read(sample('tagus-22.10/service-offering-vp-and-compliance-credential.json'))['selfDescriptionCredential'] as Record<string, unknown>,
  read(sample('tagus-22.10/service-offering-vp-and-compliance-credential.json'))['complianceCredential'] as Record<string, unknown>,
  read(sample('danube-25.11/legal-person-claims.jsonld')),
  read(sample('danube-25.11/data-product-and-service-offering-claims.jsonld')),
  {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiablePresentation'],
    verifiableCredential: [
      { ...withoutProof(eddsa), proof: eddsa['proof'] },
      {
        '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
        type: ['VerifiableCredential', 'gx:LegalPerson'],
        issuer: 'did:web:issuer.example',
        credentialSubject: { id: 'did:web:member.example#lp', type: 'gx:LegalPerson', 'schema:name': 'Member GmbH', 'gx:legalAddress': { type: 'gx:Address', 'gx:countryCode': 'DE' } },
      },
    ],
  },
  // Nullifying the context where credentials v2 protects its terms is refused; where nothing is
  // protected (a plain inline context), it is allowed.
  { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { '@context': null, id: 'did:web:member.example' } },
  { '@context': { name: 'https://schema.org/name' }, name: 'outer', 'https://schema.org/knows': { '@context': null, 'https://schema.org/name': 'inner' } },
];

function publishedForms(): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./canonical-forms.mjs', import.meta.url), { workerData: documents });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('shareActiveContextDefinitions()', () => {
  it('gives every document the canonical form and expansion of jsonld as published', async () => {
    const published = await publishedForms();
    shareActiveContextDefinitions();
    const initial = createRequire(import.meta.url)('jsonld/lib/context.js').getInitialContext({});
    expect(initial.clone.name).toBe('shareDefinitions');
    const ours = (await canonicalForms(documents)) as { nquads: string }[];
    expect(ours).toHaveLength(documents.length * 2);
    for (const form of ours) expect(form.nquads.length).toBeGreaterThan(0);
    expect(ours.filter((form) => /invalid context nullification/.test(form.nquads))).toHaveLength(2);
    expect(ours).toEqual(published);
  });
});
