/**
 * Request examples for /openapi.json, each the fixture a test sends: test/http/openapi.test.ts
 * posts every request example to a running service and expects the status documented beside it,
 * and checks the verification examples against the vectors in test/vectors byte for byte.
 */
import { VC_V2_CONTEXT } from '../../credentials/index.js';
import { legalPersonSubmission } from '../../danube/example-submissions.js';


/**
 * Stands for the serving instance's did:web in request examples (it is the default configuration's,
 * GX_BASE_URL=http://localhost:8080): VC-API callers name the issuer, and an example has to name
 * one this instance holds the key of. /openapi.json shows the instance's own DID in its place
 * (openApiDocument), and the examples test sends it the same way (`exampleBody`).
 */
export const SERVICE_DID_IN_EXAMPLES = 'did:web:localhost%3A8080';

/** An example body as an instance whose did:web is `serviceDid` documents and accepts it. */
export function exampleBody(body: unknown, serviceDid: string): unknown {
  if (body === SERVICE_DID_IN_EXAMPLES) return serviceDid;
  if (Array.isArray(body)) return body.map((item) => exampleBody(item, serviceDid));
  if (typeof body === 'object' && body !== null) return Object.fromEntries(Object.entries(body).map(([key, value]) => [key, exampleBody(value, serviceDid)]));
  return body;
}

/** The credential of test/http/round-trip.test.ts (`credentialV2()`), with a fixed validity. */
export const credentialToIssue = {
  '@context': [VC_V2_CONTEXT, 'https://w3id.org/gaia-x/development#'],
  type: ['VerifiableCredential'],
  issuer: SERVICE_DID_IN_EXAMPLES,
  credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' },
};

/**
 * W3C vc-di-eddsa test vector (test/vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json).
 * Its issuer is an https URL, not a DID, so gx-trust answers 422 with the report saying why.
 */
export const w3cEddsaRdfc2022Credential = {
  '@context': [VC_V2_CONTEXT, 'https://www.w3.org/ns/credentials/examples/v2'],
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

/**
 * The one piece of earlier state the examples presume: this member exists. The path parameters of
 * the member examples name it by slug (`:id` takes an id or a slug), and test/http/openapi.test.ts
 * creates it before it sends them.
 */
export const exampleMember = { slug: 'example-member', name: 'Example Member GmbH' };

/** The participant of test/http/onboarding.test.ts (`participant()`): two valid registration numbers, current terms. */
const participant = {
  id: 'did:web:member.example',
  name: 'Member GmbH',
  legalAddress: { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' },
  headquartersAddress: { countryCode: 'DE', region: 'DE30', locality: 'Berlin', streetAddress: 'Sample Street 1', postalCode: '10115' },
  registrationNumbers: [
    { type: 'gx:VatID', value: 'DE136695976', countryCode: 'DE' },
    { type: 'gx:LeiCode', value: '9695007586GCAKPYJ703', countryCode: 'DE' },
  ],
  termsAndConditions: '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515',
};

const GX_CONTEXT = [VC_V2_CONTEXT, 'https://w3id.org/gaia-x/development#'];

/** The offering, its model and the model's IPCEI-AI profile of test/http/onboarding.test.ts. */
export const serviceOfferingCredentials = [
  {
    '@context': GX_CONTEXT,
    type: ['VerifiableCredential', 'gx:ServiceOffering'],
    credentialSubject: {
      id: 'did:web:member.example#service-offering',
      type: 'gx:ServiceOffering',
      'schema:name': 'Model inference API',
      'gx:providedBy': { id: 'did:web:member.example#legal-person' },
      'gx:serviceOfferingTermsAndConditions': {
        type: 'gx:TermsAndConditions',
        'gx:url': { '@value': 'https://member.example/terms', '@type': 'xsd:anyURI' },
        'gx:hash': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      },
      'gx:dataProtectionRegime': 'GDPR2016',
      'gx:aggregationOfResources': { id: 'did:web:member.example#model' },
    },
  },
  {
    '@context': GX_CONTEXT,
    type: ['VerifiableCredential', 'gx:SoftwareResource'],
    credentialSubject: {
      id: 'did:web:member.example#model',
      type: 'gx:SoftwareResource',
      'schema:name': 'Member LLM 7B',
      'gx:copyrightOwnedBy': { id: 'did:web:member.example#legal-person' },
      'gx:license': 'Apache-2.0',
      'gx:resourcePolicy': 'default: allow',
      'gx:version': '1.0.0',
    },
  },
  {
    '@context': [...GX_CONTEXT, 'https://w3id.org/gx-trust/ipcei-ai/v1'],
    type: ['VerifiableCredential'],
    credentialSubject: {
      id: 'did:web:member.example#model-profile',
      type: 'AIModelProfile',
      profileOf: 'did:web:member.example#model',
      riskClass: 'general-purpose',
      intendedPurpose: 'Drafting and summarising German administrative texts',
      modelCard: { type: 'ModelCard', url: 'https://member.example/model-card', hash: 'ab'.repeat(32) },
      trainingCompute: { value: 3.1e23, unit: 'FLOP' },
      hostingMemberState: ['DE', 'FR'],
    },
  },
];

/** A self-signed P-256 certificate of a key no member holds. */
const EXAMPLE_FOREIGN_CERTIFICATE = `-----BEGIN CERTIFICATE-----
MIIBvDCCAWGgAwIBAgIUFVq84VYtEWRW63vWCzcHQMl0O9kwCgYIKoZIzj0EAwIw
MjEwMC4GA1UEAwwnZXhhbXBsZSBtZW1iZXIga2V5IChub3QgdGhlIGhvc3RlZCBr
ZXkpMCAXDTI2MTIwNjExMjc0MloYDzIxMjYxMTEyMTEyNzQyWjAyMTAwLgYDVQQD
DCdleGFtcGxlIG1lbWJlciBrZXkgKG5vdCB0aGUgaG9zdGVkIGtleSkwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAAQq+H8vOM0ZoYJZJuO4TZgHWCYShb2YHs6zVCPk
tGY/s3rgUUGR58hOkMThmadPpoEvZTQqnwzZ+ic/LYeP4xfwo1MwUTAdBgNVHQ4E
FgQU9eUNTNIVkbw8ForIEvCFHEK3MMMwHwYDVR0jBBgwFoAU9eUNTNIVkbw8ForI
EvCFHEK3MMMwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNJADBGAiEA2tSt
sCXrt5vniu3i7FqGZ5iPAfhEs3guxsRKKhkda8YCIQC6mYyg01WNVvIa/LQUMYfG
V1584ZcTPhbJ1awv/LadkA==
-----END CERTIFICATE-----
`;

export interface RequestExample {
  body: unknown;
  /** The status the example gets from a freshly started service (with the admin key where needed). */
  status: number;
  /** Values of the route's path parameters (shown as parameter examples; the test fills the path with them). */
  params?: Readonly<Record<string, string>>;
}

export const examples = {
  issueCredential: {
    body: { credential: credentialToIssue, options: { format: 'ldp_vc', cryptosuite: 'eddsa-rdfc-2022', credentialStatus: true } },
    status: 201,
  },
  // Derivation needs an ecdsa-sd-2023 base proof (POST /credentials/issue with that cryptosuite); this credential has none: 400.
  deriveCredential: { body: { verifiableCredential: w3cEddsaRdfc2022Credential, options: { selectivePointers: ['/credentialSubject/id'] } }, status: 400 },
  verifyCredential: { body: { verifiableCredential: w3cEddsaRdfc2022Credential }, status: 422 },
  provePresentation: {
    body: {
      // The service signs only within its closed context set; the W3C examples context is outside it.
      presentation: { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'] },
      options: { format: 'ldp_vp', cryptosuite: 'eddsa-rdfc-2022', challenge: 'c-1', domain: 'connector.example' },
    },
    status: 201,
  },
  verifyPresentation: {
    // A presentation without its holder's proof: the report says PROOF_MISSING.
    body: {
      verifiablePresentation: { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: [w3cEddsaRdfc2022Credential] },
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
    body: { presentation: { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: legalPersonSubmission() }, options: { labelLevel: 'SC', dryRun: true } },
    status: 422,
  },
  // An envelope without a VP-JWT in its data: URL: 400 at /id as JSON, 400 as a JWT media type's text.
  offerCompliance: { body: { '@context': VC_V2_CONTEXT, type: 'EnvelopedVerifiablePresentation', id: 'data:application/vp+jwt,not-a-vp-jwt' }, status: 400 },
  offerCredential: {
    body: { '@context': [VC_V2_CONTEXT], type: ['VerifiablePresentation'], verifiableCredential: legalPersonSubmission() },
    status: 422,
  },
  createMember: { body: { slug: 'acme', name: 'acme GmbH', keys: 'generate' }, status: 201 },
  createApiKey: { params: { id: exampleMember.slug }, body: { role: 'connector' }, status: 201 },
  rotateMemberKeys: { params: { id: exampleMember.slug }, body: { previous: 'retire' }, status: 200 },
  // A credential this service never issued: the unknown id's 404.
  changeCredentialVisibility: { params: { id: 'urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33' }, body: { visibility: 'public' }, status: 404 },
  installMemberCertificate: {
    // A chain for another key than the member's RSA key: 422 CERTIFICATE_KEY_MISMATCH. The chain a CA
    // issued for the request of POST /members/{id}/keys/{kid}/csr gets 200.
    params: { id: exampleMember.slug, kid: 'rsa' },
    body: { certificateChain: EXAMPLE_FOREIGN_CERTIFICATE },
    status: 422,
  },
  presentMemberCredentials: {
    // No credential with this id: 404 (another member's credential is answered the same way).
    params: { id: exampleMember.slug },
    body: { credentials: ['urn:uuid:00000000-0000-4000-8000-000000000000'], challenge: 'nonce-from-the-verifier', audience: 'https://verifier.example' },
    status: 404,
  },
  createCredentialOffer: {
    // No credential with this id: 404 (another member's credential is answered the same way).
    params: { id: exampleMember.slug },
    body: { credentials: ['urn:uuid:00000000-0000-4000-8000-000000000000'], format: 'jwt_vc_json', txCode: true },
    status: 404,
  },
  walletToken: {
    // A code no offer has: 400 invalid_grant.
    body: 'grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Apre-authorized_code&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536',
    status: 400,
  },
  walletNonce: { body: {}, status: 200 },
  walletCredential: {
    // Without the access token of the token endpoint: 401 invalid_token.
    body: { credential_configuration_id: 'GaiaXLegalPerson_jwt_vc_json', proofs: { jwt: ['eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCJ9.e30.c2ln'] } },
    status: 401,
  },
  reviewCredentialOffer: {
    // No offer with this id: 404.
    params: { id: exampleMember.slug, offerId: '00000000-0000-4000-8000-000000000000' },
    body: { decision: 'refused', reason: 'the registration number could not be confirmed' },
    status: 404,
  },
  walletDeferredCredential: {
    // Without the access token of the token endpoint: 401 invalid_token.
    body: { transaction_id: '8xLOxBtZp8' },
    status: 401,
  },
  requestMemberLabel: {
    // A member not onboarded yet holds no LegalPerson: 422 LABEL_CREDENTIALS_MISSING naming what is missing.
    params: { id: exampleMember.slug },
    body: { level: 'standard-compliance' },
    status: 422,
  },
  createPresentationRequest: {
    // No dcqlQuery: the default one (a Gaia-X label of level 1 or above, and the LegalPerson it covers).
    body: { expiresInSeconds: 300 },
    status: 201,
  },
  presentationResponse: {
    // No request with this id: 400 PRESENTATION_REQUEST_UNKNOWN (OAuth error invalid_request).
    params: { id: '00000000-0000-4000-8000-000000000000' },
    body: 'vp_token=%7B%22label%22%3A%5B%22eyJhbGciOiJFUzI1NiJ9.e30.c2ln%22%5D%7D&state=b3BhcXVl',
    status: 400,
  },
  onboardParticipant: { body: { participant }, status: 201 },
  onboardServiceOffering: {
    // A LegalPerson this service never issued: 404 at /legalPerson. With the credentials[0].id that
    // POST /participants answered, the same body gets 201 (test/http/openapi.test.ts sends both).
    body: { legalPerson: 'urn:uuid:00000000-0000-4000-8000-000000000000', credentials: serviceOfferingCredentials },
    status: 404,
  },
} satisfies Record<string, RequestExample>;
