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
import { UpdateStatusRequest } from '../status-lists/routes.js';
import type { Role } from './auth.js';
import { examples, type RequestExample } from './openapi/examples.js';
import {
  DanubeValidateRequest,
  DanubeValidation,
  Health,
  IssuedCredential,
  ProblemDetails,
  Readiness,
  SignedPresentation,
  UpdateStatusResponse,
  VerificationReport,
} from './openapi/schemas.js';
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
  tag: 'Credentials' | 'Presentations' | 'Revocation' | 'Danube' | 'Identity' | 'Operations' | (string & {});
  /** Roles allowed (admin always is); absent: no API key needed. */
  roles?: readonly Role[];
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
const VERIFY_MEDIA = ['application/json', 'application/vc+jwt'] as const;

/** Every route of the service. Add one entry per new route (the coverage test names missing ones). */
export const OPERATIONS: readonly OperationDoc[] = [
  {
    method: 'post', path: '/credentials/issue', operationId: 'issueCredential', tag: 'Credentials', roles: ['member'],
    summary: 'Issue a credential signed by the service, recorded with its audit entry (Idempotency-Key honoured)',
    request: { schema: IssueCredentialRequest, example: examples.issueCredential },
    responses: { 201: { description: 'The signed credential', schema: IssuedCredential }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 429: RATE_LIMITED },
  },
  {
    method: 'post', path: '/credentials/verify', operationId: 'verifyCredential', tag: 'Credentials',
    summary: 'Verify a credential in any supported proof format; a bare compact JWT may be sent as application/vc+jwt',
    request: { schema: VerifyCredentialRequest, example: examples.verifyCredential, mediaTypes: VERIFY_MEDIA },
    query: { challenge: 'For a compact JWT body', domain: 'For a compact JWT body' },
    responses: { 200: { description: 'Every check ran and passed', schema: VerificationReport }, 422: { description: 'A check failed or could not run (same report)', schema: VerificationReport }, 400: BAD_INPUT, 429: RATE_LIMITED },
  },
  {
    method: 'post', path: '/credentials/status', operationId: 'updateCredentialStatus', tag: 'Revocation', roles: ['member'],
    summary: 'Revoke, suspend or reinstate a credential this service issued (revocation is permanent)',
    request: { schema: UpdateStatusRequest, example: examples.updateCredentialStatus },
    responses: { 200: { description: 'The status now in force', schema: UpdateStatusResponse }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: problem('Not issued by this service'), 409: problem('The change is not allowed (revoked is final)') },
  },
  {
    method: 'get', path: '/status-lists/:id', operationId: 'getStatusList', tag: 'Revocation',
    summary: 'A signed BitstringStatusListCredential (JSON, or vc+jwt with ?format=vc+jwt or Accept)',
    params: { id: 'The status list id' }, query: { format: 'vc+jwt for the JWT form' },
    responses: { 200: { description: 'The signed list', schema: z.record(z.string(), z.unknown()) }, 404: problem('No such list') },
  },
  {
    method: 'post', path: '/presentations/prove', operationId: 'provePresentation', tag: 'Presentations', roles: ['member'],
    summary: 'Sign a presentation as the service (Data Integrity or vp+jwt)',
    request: { schema: ProvePresentationRequest, example: examples.provePresentation },
    responses: { 201: { description: 'The signed presentation', schema: SignedPresentation }, 400: BAD_INPUT, 401: UNAUTHORIZED, 403: FORBIDDEN },
  },
  {
    method: 'post', path: '/presentations/verify', operationId: 'verifyPresentation', tag: 'Presentations',
    summary: 'Verify a presentation and every credential it holds; a compact JWT may be sent as application/vp+jwt',
    request: { schema: VerifyPresentationRequest, example: examples.verifyPresentation, mediaTypes: ['application/json', 'application/vp+jwt'] },
    query: { challenge: 'For a compact JWT body', domain: 'For a compact JWT body' },
    responses: { 200: { description: 'Every check ran and passed', schema: VerificationReport }, 422: { description: 'A check failed or could not run (same report)', schema: VerificationReport }, 400: BAD_INPUT, 429: RATE_LIMITED },
  },
  {
    method: 'post', path: '/danube/validate', operationId: 'validateDanube', tag: 'Danube',
    summary: 'Check a self-description against the Danube shapes and Trust Framework rules (issues nothing)',
    request: { schema: DanubeValidateRequest, example: examples.validateDanube },
    responses: { 200: { description: 'Findings with JSON pointers into what was sent', schema: DanubeValidation }, 400: BAD_INPUT },
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
    ...pathParameters(op.path).map((name) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description: op.params?.[name] ?? name })),
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
