/**
 * Request examples for /openapi.json, each the fixture a test sends: test/http/openapi.test.ts
 * posts every request example to a running service and expects the status documented beside it,
 * and checks the verification examples against the vectors in test/vectors byte for byte.
 */
import { legalPersonSubmission } from '../../danube/benchmark.js';

const CONTEXT_V2 = 'https://www.w3.org/ns/credentials/v2';

/** The credential of test/http/round-trip.test.ts (`credentialV2()`), with a fixed validity. */
export const credentialToIssue = {
  '@context': [CONTEXT_V2, 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
};

/**
 * W3C vc-di-eddsa test vector (test/vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json).
 * Its issuer is an https URL, not a DID, so gx-trust answers 422 with the report saying why.
 */
export const w3cEddsaRdfc2022Credential = {
  '@context': [CONTEXT_V2, 'https://www.w3.org/ns/credentials/examples/v2'],
  id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33',
  type: ['VerifiableCredential', 'AlumniCredential'],
  name: 'Alumni Credential',
  description: 'A minimum viable example of an Alumni Credential.',
  issuer: 'https://vc.example/issuers/5678',
  validFrom: '2023-01-01T00:00:00Z',
  credentialSubject: { id: 'did:example:abcdefgh', alumniOf: 'The School of Examples' },
  proof: {
    type: 'DataIntegrityProof',
    cryptosuite: 'eddsa-rdfc-2022',
    created: '2023-02-24T23:36:38Z',
    verificationMethod: 'https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
    proofPurpose: 'assertionMethod',
    proofValue: 'z21EVs3eXERqTn4acNHT9viboqgzUaQ3kTmhPT3eA8qrVPE7CrQq78WkzctnMX5W4CrzcKnHw8V6dvy5pgWYCU5e9',
  },
};

export interface RequestExample {
  body: unknown;
  /** The status the example gets from a freshly started service (with the admin key where needed). */
  status: number;
}

export const examples = {
  issueCredential: {
    body: { credential: credentialToIssue, options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022', credentialStatus: true } },
    status: 201,
  },
  verifyCredential: { body: { verifiableCredential: w3cEddsaRdfc2022Credential }, status: 422 },
  provePresentation: {
    body: {
      // The service signs only within its closed context set; the W3C examples context is outside it.
      presentation: { '@context': [CONTEXT_V2], type: ['VerifiablePresentation'] },
      options: { format: 'ldp_vp', cryptosuite: 'eddsa-rdfc-2022', challenge: 'c-1', domain: 'connector.example' },
    },
    status: 201,
  },
  verifyPresentation: {
    // A presentation without its holder's proof: the report says PROOF_MISSING.
    body: {
      verifiablePresentation: { '@context': [CONTEXT_V2], type: ['VerifiablePresentation'], verifiableCredential: [w3cEddsaRdfc2022Credential] },
      options: { challenge: 'c-1', domain: 'connector.example' },
    },
    status: 422,
  },
  updateCredentialStatus: {
    body: { credentialId: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33', credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] },
    // Not issued by this service.
    status: 404,
  },
  validateDanube: { body: legalPersonSubmission(), status: 200 },
  decideCompliance: {
    // The LegalPerson submission of test/http/danube-validate.test.ts, unsigned: refused with findings.
    body: { presentation: { '@context': [CONTEXT_V2], type: ['VerifiablePresentation'], verifiableCredential: legalPersonSubmission() }, options: { labelLevel: 'SC', dryRun: true } },
    status: 422,
  },
  offerCompliance: { body: 'not-a-vp-jwt', status: 400 },
  offerCredential: {
    body: { '@context': [CONTEXT_V2], type: ['VerifiablePresentation'], verifiableCredential: legalPersonSubmission() },
    status: 422,
  },
} satisfies Record<string, RequestExample>;
