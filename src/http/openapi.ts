/**
 * The OpenAPI 3.1 description of gx-trust, derived from the route table (route-table.ts): paths,
 * roles, signing modules, and the zod schemas the pipeline and handlers parse requests with
 * (OpenAPI 3.1 schemas are JSON Schema 2020-12, which `z.toJSONSchema` writes).
 * test/http/openapi.test.ts sends every request example to a running service.
 * @see https://spec.openapis.org/oas/v3.1.1.html
 */
import { z } from 'zod';
import { exampleBody } from './openapi/examples.js';
import { ProblemDetails } from './openapi/schemas.js';
import type { Route } from './route.js';

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

function operationObject(op: Route<never>, serviceDid: string | undefined): Record<string, unknown> {
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
  // The pipeline answers a body of another media type (or none named) alike on every route that takes one.
  if (op.request !== undefined && responses['415'] === undefined) {
    responses['415'] = {
      description: `The body is not ${(op.request.mediaTypes ?? ['application/json']).join(' or ')} (no Content-Type, text/plain, form data): the hint names the Content-Type to send`,
      content: { 'application/problem+json': { schema: jsonSchemaOf(ProblemDetails, 'output') } },
    };
  }
  const operation: Record<string, unknown> = {
    operationId: op.operationId,
    summary: op.summary,
    tags: [op.tag],
    responses,
  };
  if (parameters.length > 0) operation['parameters'] = parameters;
  // The verify routes take callers with a key or (unless GX_ANONYMOUS_VERIFY=false) without one.
  operation['security'] = op.roles !== undefined ? [{ apiKey: [] }] : op.anonymousVerify === true || op.optionalKey === true ? [{}, { apiKey: [] }] : [];
  if (op.roles !== undefined) operation['x-roles'] = ['admin', ...op.roles];
  if (op.signing !== undefined) operation['x-signing-module'] = op.signing;
  if (op.request !== undefined) {
    const content: Record<string, unknown> = {};
    for (const mediaType of op.request.mediaTypes ?? ['application/json']) {
      content[mediaType] = mediaType.endsWith('jwt')
        ? { schema: { type: 'string', description: 'A compact JWS' } }
        : { schema: jsonSchemaOf(op.request.schema, 'input'), example: serviceDid === undefined ? op.request.example.body : exampleBody(op.request.example.body, serviceDid) };
    }
    operation['requestBody'] = { required: op.request.optional !== true, content };
  }
  return operation;
}

/** `serviceDid`: the instance's did:web, shown in request examples where they name the service. */
export function openApiDocument(routes: readonly Route<never>[], options: { version: string; serverUrl?: string; serviceDid?: string }): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of routes) {
    const path = openApiPath(op.path);
    paths[path] ??= {};
    paths[path][op.method] = operationObject(op, options.serviceDid);
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
