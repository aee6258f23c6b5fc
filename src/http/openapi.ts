/**
 * The OpenAPI 3.1 description of gx-trust, built from the zod schemas the handlers parse requests
 * with (OpenAPI 3.1 schemas are JSON Schema 2020-12, which `z.toJSONSchema` writes).
 *
 * Documenting a route is one entry in OPERATIONS below. test/http/openapi.test.ts walks the
 * Express app's routers and fails for any route that has no entry, and sends every request
 * example to a running service.
 * @see https://spec.openapis.org/oas/v3.1.1.html
 */
import { z } from 'zod';
import { ParticipantCredentialsRequest, ParticipantDataRequest, ServiceOfferingRequest } from '../danube/onboarding/request.js';
import { UpdateStatusRequest } from '../status-lists/routes.js';
import { ComplianceRequest } from './routes/compliance.js';
import type { Role } from './auth.js';
import type { SigningModule } from '../issuing/signing-policy.js';
import { examples, type RequestExample } from './openapi/examples.js';
import {
  CreatedApiKey,
  DanubeValidateRequest,
  DanubeValidation,
  Health,
  IssuedCredential,
  MemberList,
  MemberView,
  OnboardingResult,
  ProblemDetails,
  Readiness,
  RotatedKeys,
  SignedPresentation,
  UpdateStatusResponse,
  VerificationReport,
} from './openapi/schemas.js';
import { CreateApiKeyRequest, CreateMemberRequest, RotateKeysRequest } from './routes/members.js';
import { IssueCredentialRequest, VerifyCredentialRequest } from './routes/credentials.js';
import { ProvePresentationRequest } from './routes/presentations.js';
import { VerifyPresentationRequest } from './routes/credentials.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  description: string;
  /** JSON body schema; omit for non-JSON answers and give `mediaType` instead. */
  schema?: z.ZodType;
  mediaType?: string;
}

export interface OperationDoc {
  method: HttpMethod;
  /** The Express route pattern, exactly as mounted: `/status-lists/:id`. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Credentials' | 'Presentations' | 'Revocation' | 'Compliance' | 'Audit' | 'Danube' | 'Identity' | 'Operations' | (string & {});
  /** Roles allowed (admin always is; `[]`: admin only); absent: no API key needed. */
  roles?: readonly Role[];
  /**
   * The signing-policy module whose scoped signer this route uses (src/issuing/signing-policy.ts);
   * absent: the route has nothing signed. test/http/signing-policy.test.ts holds every route to it.
   */
  signing?: SigningModule;
  request?: { schema: z.ZodType; example: RequestExample; mediaTypes?: readonly string[] };
  query?: Readonly<Record<string, string>>;
  /** Descriptions of path parameters (by name in the pattern). */
  params?: Readonly<Record<string, string>>;
  responses: Readonly<Record<number, ResponseDoc>>;
}

const problem = (description: string): ResponseDoc => ({ description, schema: ProblemDetails });
const BAD_INPUT = problem('Invalid input: problem+json with a JSON pointer per fault');
const UNAUTHORIZED = problem('No API key, or not a valid one');
const FORBIDDEN = problem('The API key\'s role may not call this');
const RATE_LIMITED = problem('Rate limit exceeded; see the Retry-After header');
const VERIFIER_BUSY = problem('VERIFIER_BUSY: too many verifications wait for a worker thread; retry after Retry-After seconds');
const VERIFY_MEDIA = ['application/json', 'application/vc+jwt'] as const;
const SIGNING_REFUSED = problem('SIGNING_NOT_ALLOWED: a type this route may not have signed (labels, status lists, Gaia-X types as the service)');
const NOT_ONBOARDED = problem('Refused, nothing issued: SELF_DESCRIPTION_INVALID with findings[] (pointers into the request), or CREDENTIAL_UNVERIFIED with reports[]');
const MEMBER_ID = 'The member id, or its slug';

/** Every route of the service. Add one entry per new route (the coverage test names missing ones). */
export const OPERATIONS: readonly OperationDoc[] = [
  {
    method: 'post', path: '/credentials/issue', operationId: 'issueCredential', tag: 'Credentials', roles: ['member'], signing: 'credentials-api',
    summary: 'Issue a credential signed by the service, recorded with its audit entry (Idempotency-Key honoured)',
    request: { schema: IssueCredentialRequest, example: examples.issueCredential },
    responses: { 201: { description: 'The signed credential', schema: IssuedCredential }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: problem('The role may not call this, or may not sign as the issuer named'), 422: SIGNING_REFUSED, 429: RATE_LIMITED },
  },
  {
    method: 'post', path: '/credentials/verify', operationId: 'verifyCredential', tag: 'Credentials',
    summary: 'Verify a credential in any supported proof format; a bare compact JWT may be sent as application/vc+jwt',
    request: { schema: VerifyCredentialRequest, example: examples.verifyCredential, mediaTypes: VERIFY_MEDIA },
    query: { challenge: 'For a compact JWT body', domain: 'For a compact JWT body' },
    responses: { 200: { description: 'Every check ran and passed', schema: VerificationReport }, 422: { description: 'A check failed or could not run (same report)', schema: VerificationReport }, 400: BAD_INPUT, 401: problem('An API key is needed (GX_ANONYMOUS_VERIFY=false)'), 429: RATE_LIMITED, 503: VERIFIER_BUSY },
  },
  {
    method: 'post', path: '/credentials/status', operationId: 'updateCredentialStatus', tag: 'Revocation', roles: ['member'],
    summary: 'Revoke, suspend or reinstate a credential this service issued (revocation is permanent)',
    request: { schema: UpdateStatusRequest, example: examples.updateCredentialStatus },
    responses: { 200: { description: 'The status now in force', schema: UpdateStatusResponse }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Not issued by this service'), 409: problem('The change is not allowed (revoked is final)') },
  },
  {
    method: 'get', path: '/status-lists/:id', operationId: 'getStatusList', tag: 'Revocation', signing: 'status-lists',
    summary: 'A signed BitstringStatusListCredential (JSON, or vc+jwt with ?format=vc+jwt or Accept)',
    params: { id: 'The status list id, which names its issuer: revocation-0 (the service did:web), key.<multibase>.revocation-0 (a did:key of the service), member.<slug>.revocation-0 (a hosted member)' }, query: { format: 'vc+jwt for the JWT form' },
    responses: { 200: { description: 'The signed list', schema: z.record(z.string(), z.unknown()) }, 404: problem('No such list') },
  },
  {
    method: 'post', path: '/presentations/prove', operationId: 'provePresentation', tag: 'Presentations', roles: ['member'], signing: 'presentations',
    summary: 'Sign a presentation: a member as its own DID, an admin as the service (Data Integrity or vp+jwt); audited',
    request: { schema: ProvePresentationRequest, example: examples.provePresentation },
    responses: { 201: { description: 'The signed presentation', schema: SignedPresentation }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
  },
  {
    method: 'post', path: '/presentations/verify', operationId: 'verifyPresentation', tag: 'Presentations',
    summary: 'Verify a presentation and every credential it holds; a compact JWT may be sent as application/vp+jwt',
    request: { schema: VerifyPresentationRequest, example: examples.verifyPresentation, mediaTypes: ['application/json', 'application/vp+jwt'] },
    query: { challenge: 'For a compact JWT body', domain: 'For a compact JWT body' },
    responses: { 200: { description: 'Every check ran and passed', schema: VerificationReport }, 422: { description: 'A check failed or could not run (same report)', schema: VerificationReport }, 400: BAD_INPUT, 401: problem('An API key is needed (GX_ANONYMOUS_VERIFY=false)'), 429: RATE_LIMITED, 503: VERIFIER_BUSY },
  },
  {
    method: 'post', path: '/danube/validate', operationId: 'validateDanube', tag: 'Danube',
    summary: 'Check a self-description against the Danube shapes and Trust Framework rules (issues nothing)',
    request: { schema: DanubeValidateRequest, example: examples.validateDanube },
    responses: { 200: { description: 'Findings with JSON pointers into what was sent', schema: DanubeValidation }, 400: problem('Invalid input, or a self-description over the size limits (GRAPH_TOO_LARGE)'), 429: RATE_LIMITED, 503: VERIFIER_BUSY },
  },
  {
    method: 'post', path: '/compliance', operationId: 'decideCompliance', tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: 'Gaia-X compliance decision on a presentation: findings, and a compliance credential unless dryRun',
    request: { schema: ComplianceRequest, example: examples.decideCompliance, mediaTypes: ['application/json', 'application/vp+jwt'] },
    query: { dryRun: 'true: decide without issuing', labelLevel: 'SC, L1, L2 or L3', vcid: 'The id to give the issued credential (when the body is the presentation itself)' },
    responses: { 200: { description: 'Dry run: the decision' }, 201: { description: 'Compliant: the decision and the credential issued' }, 422: { description: 'Not compliant (unsigned presentations included): findings with JSON pointers' }, 400: problem('Not a presentation at all, or a bad option'), 401: UNAUTHORIZED, 403: FORBIDDEN, 415: problem('Neither JSON nor a JWT media type') },
  },
  ...(
    [
      ['/api/credential-offers/standard-compliance', 'offerStandardCompliance', 'Standard Compliance'],
      ['/api/credential-offers/label-level-1', 'offerLabelLevel1', 'Label Level 1'],
      ['/api/credential-offers/label-level-2', 'offerLabelLevel2', 'Label Level 2'],
      ['/api/credential-offers/label-level-3', 'offerLabelLevel3', 'Label Level 3'],
    ] as const
  ).map(([path, operationId, level]): OperationDoc => ({
    method: 'post', path, operationId, tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: `Gaia-X compliance service path: a VP-JWT in, a ${level} credential (vc+jwt) out`,
    request: { schema: z.string().describe('A compact VP-JWT'), example: examples.offerCompliance, mediaTypes: ['application/vp+jwt'] },
    query: { vcid: 'The id to give the issued credential' },
    responses: { 201: { description: 'The compliance credential', mediaType: 'application/vc+jwt' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 422: problem('Not compliant') },
  })),
  {
    method: 'post', path: '/api/credential-offers', operationId: 'offerCredential', tag: 'Compliance', roles: ['member'], signing: 'compliance',
    summary: 'Tagus-era path: a JSON-LD presentation in, a Standard Compliance credential out',
    request: { schema: z.record(z.string(), z.unknown()).describe('A JSON-LD verifiable presentation'), example: examples.offerCredential },
    responses: { 201: { description: 'The compliance credential' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 415: problem('A JWT was sent'), 422: problem('Not compliant') },
  },
  {
    method: 'get', path: '/compliance/decisions/:id', operationId: 'getComplianceDecision', tag: 'Compliance', roles: ['member', 'auditor'],
    summary: 'A recorded compliance decision', params: { id: 'The decision id (Location of a decision answer)' },
    responses: { 200: { description: 'The decision' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such decision') },
  },
  {
    method: 'post', path: '/participants', operationId: 'onboardParticipant', tag: 'Danube', roles: ['member'], signing: 'participants',
    summary: 'Onboard a participant from its data (gx-trust writes the credentials) or from its own credentials: LegalPerson, registration-number and Issuer VCs and their presentation, only when the whole self-description conforms (Idempotency-Key honoured)',
    request: { schema: z.union([ParticipantDataRequest, ParticipantCredentialsRequest]), example: examples.onboardParticipant },
    responses: { 201: { description: 'Issued', schema: OnboardingResult }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 422: NOT_ONBOARDED },
  },
  {
    method: 'post', path: '/service-offerings', operationId: 'onboardServiceOffering', tag: 'Danube', roles: ['member'], signing: 'service-offerings',
    summary: 'Issue a service offering and its resources (IPCEI-AI profiles included) for a LegalPerson this service issued or the member signed (Idempotency-Key honoured)',
    request: { schema: ServiceOfferingRequest, example: examples.onboardServiceOffering },
    responses: { 201: { description: 'Issued', schema: OnboardingResult }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('legalPerson names no credential this service issued'), 422: NOT_ONBOARDED },
  },
  {
    method: 'post', path: '/members', operationId: 'createMember', tag: 'Identity', roles: [],
    summary: 'Create a consortium member with did:web:<host>:members:<slug>: keys gx-trust generates and holds, or public keys the member holds the private halves of',
    request: { schema: CreateMemberRequest, example: examples.createMember },
    responses: { 201: { description: 'The member (Location: /members/<id>)', schema: MemberView }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 409: problem('The slug is taken') },
  },
  {
    method: 'get', path: '/members', operationId: 'listMembers', tag: 'Identity', roles: [],
    summary: 'Every member, without API keys',
    responses: { 200: { description: 'The members', schema: MemberList }, 401: UNAUTHORIZED, 403: FORBIDDEN },
  },
  {
    method: 'get', path: '/members/:id', operationId: 'getMember', tag: 'Identity', roles: ['member', 'connector', 'auditor'],
    summary: 'One member; a member\'s own API keys see only that member', params: { id: MEMBER_ID },
    responses: { 200: { description: 'The member', schema: MemberView }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
  },
  {
    method: 'get', path: '/members/:slug/did.json', operationId: 'getMemberDidDocument', tag: 'Identity',
    summary: 'A member\'s did:web document: its active keys, and retired ones until what they signed expires', params: { slug: 'The member slug' },
    responses: { 200: { description: 'DID document', mediaType: 'application/did+json' }, 404: problem('No such member') },
  },
  {
    method: 'post', path: '/members/:id/api-keys', operationId: 'createApiKey', tag: 'Identity', roles: [],
    summary: 'Give a member an API key of a role; the key is in this answer only', params: { id: MEMBER_ID },
    request: { schema: CreateApiKeyRequest, example: examples.createApiKey },
    responses: { 201: { description: 'The key (Cache-Control: no-store)', schema: CreatedApiKey }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
  },
  {
    method: 'delete', path: '/members/:id/api-keys/:keyId', operationId: 'revokeApiKey', tag: 'Identity', roles: [],
    summary: 'Revoke an API key: refused from the next request on', params: { id: MEMBER_ID, keyId: 'The API key id (not the key)' },
    responses: { 204: { description: 'Revoked' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member or key') },
  },
  {
    method: 'post', path: '/members/:id/keys/rotate', operationId: 'rotateMemberKeys', tag: 'Identity', roles: ['member'],
    summary: 'Rotate a member\'s signing keys: previous ones retire (stay published until what they signed expires) or are removed at once', params: { id: MEMBER_ID },
    request: { schema: RotateKeysRequest, example: examples.rotateMemberKeys },
    responses: { 200: { description: 'Previous and current verification methods', schema: RotatedKeys }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such member') },
  },
  {
    method: 'get', path: '/audit/entries', operationId: 'listAuditEntries', tag: 'Audit', roles: ['auditor'],
    summary: 'Audit log entries, a page at a time', query: { from: 'First index (default 0)', to: 'End index, exclusive' },
    responses: { 200: { description: 'Entries with their leaf hashes' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
  },
  {
    method: 'get', path: '/audit/checkpoints/latest', operationId: 'getLatestCheckpoint', tag: 'Audit', roles: ['auditor'],
    summary: 'The latest signed checkpoint (tree size and root)',
    responses: { 200: { description: 'Signed checkpoint' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No checkpoint yet') },
  },
  {
    method: 'get', path: '/audit/proofs/inclusion/:index', operationId: 'getInclusionProof', tag: 'Audit', roles: ['auditor'],
    summary: 'RFC 9162 inclusion proof of one entry', params: { index: 'Entry index' }, query: { treeSize: 'Tree size the proof is for (default: current)' },
    responses: { 200: { description: 'Inclusion proof' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('No such entry') },
  },
  {
    method: 'get', path: '/audit/proofs/consistency', operationId: 'getConsistencyProof', tag: 'Audit', roles: ['auditor'],
    summary: 'RFC 9162 consistency proof between two tree sizes', query: { from: 'Older tree size', to: 'Newer tree size (default: current)' },
    responses: { 200: { description: 'Consistency proof' }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
  },
  {
    method: 'get', path: '/audit/evidence/:credentialId', operationId: 'getCredentialEvidence', tag: 'Audit', roles: ['auditor'],
    summary: 'Everything the log holds about one credential, with inclusion proofs', params: { credentialId: 'The credential id' },
    responses: { 200: { description: 'Evidence bundle' }, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Unknown credential') },
  },
  {
    method: 'get', path: '/.well-known/did.json', operationId: 'getDidDocument', tag: 'Identity',
    summary: 'The service\'s did:web document',
    responses: { 200: { description: 'DID document', mediaType: 'application/did+json' } },
  },
  {
    method: 'get', path: '/.well-known/x509/:kind.pem', operationId: 'getCertificateChain', tag: 'Identity',
    summary: 'The X.509 chain named by a JWK\'s x5u', params: { kind: 'rsa or p256' },
    responses: { 200: { description: 'PEM chain, leaf first', mediaType: 'application/pem-certificate-chain' }, 404: problem('No chain of that kind') },
  },
  {
    method: 'get', path: '/health', operationId: 'getHealth', tag: 'Operations',
    summary: 'Liveness: the process answers', responses: { 200: { description: 'Up', schema: Health } },
  },
  {
    method: 'get', path: '/ready', operationId: 'getReadiness', tag: 'Operations',
    summary: 'Readiness: the store answers and the signing keys are loaded',
    responses: { 200: { description: 'Ready', schema: Readiness }, 503: problem('Not ready (NOT_READY)') },
  },
  {
    method: 'get', path: '/metrics', operationId: 'getMetrics', tag: 'Operations',
    summary: 'Prometheus metrics (absent when GX_METRICS_ENABLED=false)',
    responses: { 200: { description: 'Prometheus text exposition format', mediaType: 'text/plain; version=0.0.4' } },
  },
  {
    method: 'get', path: '/openapi.json', operationId: 'getOpenApi', tag: 'Operations',
    summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', mediaType: 'application/json' } },
  },
  {
    method: 'get', path: '/docs', operationId: 'getDocs', tag: 'Operations',
    summary: 'Swagger UI over this document, served from local files', responses: { 200: { description: 'HTML page', mediaType: 'text/html' } },
  },
];

/** `/status-lists/:id` -> `/status-lists/{id}`; `/x509/:kind.pem` -> `/x509/{kind}.pem`. */
export function openApiPath(expressPath: string): string {
  return expressPath.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}');
}

function pathParameters(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] as string);
}

/** JSON Schema 2020-12 of a zod schema: the input side for requests, the output side for answers. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

function operationObject(op: OperationDoc): Record<string, unknown> {
  const parameters = [
    ...pathParameters(op.path).map((name) => {
      const example = op.request?.example.params?.[name];
      return { name, in: 'path', required: true, schema: { type: 'string' }, description: op.params?.[name] ?? name, ...(example === undefined ? {} : { example }) };
    }),
    ...Object.entries(op.query ?? {}).map(([name, description]) => ({ name, in: 'query', required: false, schema: { type: 'string' }, description })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(op.responses)) {
    const isProblem = doc.schema === ProblemDetails;
    const content =
      doc.schema !== undefined
        ? { [isProblem ? 'application/problem+json' : 'application/json']: { schema: jsonSchemaOf(doc.schema, 'output') } }
        : doc.mediaType !== undefined
          ? { [doc.mediaType]: { schema: { type: 'string' } } }
          : undefined;
    responses[status] = content === undefined ? { description: doc.description } : { description: doc.description, content };
  }
  const operation: Record<string, unknown> = {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    responses,
  };
  if (parameters.length > 0) operation['parameters'] = parameters;
  operation['security'] = op.roles === undefined ? [] : [{ apiKey: [] }];
  if (op.roles !== undefined) operation['x-roles'] = ['admin', ...op.roles];
  if (op.signing !== undefined) operation['x-signing-module'] = op.signing;
  if (op.request !== undefined) {
    const content: Record<string, unknown> = {};
    for (const mediaType of op.request.mediaTypes ?? ['application/json']) {
      content[mediaType] = mediaType.endsWith('jwt')
        ? { schema: { type: 'string', description: 'A compact JWS' } }
        : { schema: jsonSchemaOf(op.request.schema, 'input'), example: op.request.example.body };
    }
    operation['requestBody'] = { required: true, content };
  }
  return operation;
}

export function openApiDocument(options: { version: string; serverUrl?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = operationObject(op);
  }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'gx-trust',
      version: options.version,
      summary: 'Issues and verifies Gaia-X (Danube 25.11) and W3C verifiable credentials',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    ...(options.serverUrl === undefined ? {} : { servers: [{ url: options.serverUrl }] }),
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <API key>' } },
    },
    paths,
  };
}
