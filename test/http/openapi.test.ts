/**
 * /openapi.json is OpenAPI 3.1, documents every route the app serves and no other (the router and
 * the document both come from the route table), and its request examples are real: each is sent
 * to a running service and gets the status documented beside it.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiPath } from '../../src/http/openapi.js';
import { ROUTES } from '../../src/http/route-table.js';
import { exampleBody, exampleMember, examples, w3cEddsaRdfc2022Credential } from '../../src/http/openapi/examples.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { appRoutes } from '../helpers/express-routes.js';

let svc: RunningService;
let document: any;

beforeAll(async () => {
  svc = await startService();
  const response = await fetch(`${svc.url}/openapi.json`);
  expect(response.status).toBe(200);
  document = await response.json();
  // The state the member examples presume (their path parameters name this member).
  const created = await postJson(`${svc.url}/members`, exampleMember, { authorization: `Bearer ${svc.apiKey}` });
  expect(created.status, created.text).toBe(201);
});
afterAll(async () => {
  await svc?.close();
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document with info and paths', () => {
    expect(document.openapi).toMatch(/^3\.1\.\d+$/);
    expect(document.info.title).toBe('gx-trust');
    expect(typeof document.info.version).toBe('string');
    expect(document.jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(document.paths).length).toBeGreaterThan(5);
  });

  it('documents every route the app serves, and no route it does not serve', () => {
    const served = appRoutes(svc.service.app)
      .map((route) => {
        const [method, path] = route.split(' ') as [string, string];
        return `${method} ${openApiPath(path)}`;
      })
      .sort();
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, item]) => Object.keys(item).filter((m) => HTTP_METHODS.includes(m)).map((m) => `${m} ${path}`))
      .sort();
    expect(served.length).toBeGreaterThan(10);
    // A failure here names the route: add its entry to the route table (src/http/routes/).
    expect(served.filter((r) => !documented.includes(r)), 'routes without a route-table entry').toEqual([]);
    expect(documented.filter((r) => !served.includes(r)), 'documented routes the app does not serve').toEqual([]);
  });

  it('gives every operation a unique operationId, a summary, responses and path parameters', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      expect(path.startsWith('/'), path).toBe(true);
      for (const [method, operation] of Object.entries(item)) {
        expect(HTTP_METHODS, `${method} ${path}`).toContain(method);
        expect(operation.operationId, `${method} ${path}`).toMatch(/^[a-zA-Z][a-zA-Z0-9]*$/);
        expect(ids.has(operation.operationId), operation.operationId).toBe(false);
        ids.add(operation.operationId);
        expect(operation.summary.length, `${method} ${path}`).toBeGreaterThan(3);
        const statuses = Object.keys(operation.responses);
        expect(statuses.length, `${method} ${path}`).toBeGreaterThan(0);
        for (const status of statuses) {
          expect(status).toMatch(/^[1-5]\d\d$/);
          expect(typeof operation.responses[status].description).toBe('string');
        }
        const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
        const declared = (operation.parameters ?? []).filter((p: any) => p.in === 'path');
        expect(declared.map((p: any) => p.name).sort(), `${method} ${path}`).toEqual(templated);
        for (const parameter of declared) expect(parameter.required).toBe(true);
        for (const requirement of operation.security ?? []) {
          for (const scheme of Object.keys(requirement)) expect(document.components.securitySchemes).toHaveProperty(scheme);
        }
      }
    }
  });

  it('writes each request schema from the zod schema the handler parses with, as JSON Schema 2020-12', () => {
    for (const op of ROUTES.filter((o) => o.request !== undefined)) {
      const content = document.paths[openApiPath(op.path)][op.method].requestBody.content;
      if (content['application/json'] === undefined) continue;
      const media = content['application/json'];
      expect(media.schema, op.operationId).toEqual(
        (({ $schema: _, ...rest }) => rest)(z.toJSONSchema(op.request!.schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as any),
      );
      expect(media.example, op.operationId).toBeDefined();
    }
  });

  it('gives every endpoint that takes a body an example its own schema accepts', () => {
    for (const op of ROUTES.filter((o) => o.request !== undefined)) {
      const parsed = op.request!.schema.safeParse(op.request!.example.body);
      expect(parsed.success, `${op.operationId}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
    }
  });

  it('takes the verification example byte for byte from the W3C eddsa-rdfc-2022 test vector', () => {
    const vector = JSON.parse(readFileSync(new URL('../vectors/data-integrity/eddsa-rdfc-2022/signedDataInt.json', import.meta.url), 'utf8'));
    expect(w3cEddsaRdfc2022Credential).toEqual(vector);
  });

  describe.each(ROUTES.filter((o) => o.request !== undefined).map((o) => [o.operationId, o] as const))('the %s example', (_id, op) => {
    it('gets the status documented beside it from a running service', async () => {
      const headers: Record<string, string> = op.roles === undefined ? {} : { authorization: `Bearer ${svc.apiKey}` };
      const mediaType = op.request!.mediaTypes?.[0] ?? 'application/json';
      if (mediaType !== 'application/json') headers['content-type'] = mediaType;
      const path = op.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_match, name: string) => {
        const value = op.request!.example.params?.[name];
        if (value === undefined) throw new Error(`${op.operationId}: the example gives no value for :${name}`);
        return encodeURIComponent(value);
      });
      const response = await postJson(`${svc.url}${path}`, exampleBody(op.request!.example.body, svc.service.keyring.did), headers, op.method.toUpperCase());
      expect(response.status, response.text).toBe(op.request!.example.status);
      expect(op.responses, `${op.operationId} documents ${response.status}`).toHaveProperty(String(response.status));
      // The answer has the documented shape, not only the documented status.
      const schema = op.responses[response.status]?.schema;
      if (schema !== undefined) {
        const parsed = schema.safeParse(response.body);
        expect(parsed.success, `${op.operationId} ${response.status}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
      }
    });
  });

  it('shows path parameter values the examples use', () => {
    const parameters = document.paths['/members/{id}/api-keys'].post.parameters;
    expect(parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path', example: exampleMember.slug }));
  });

  it('gets 201 for the service offering example once its LegalPerson names one this service issued', async () => {
    const admin = { authorization: `Bearer ${svc.apiKey}` };
    const onboarded = await postJson(`${svc.url}/participants`, examples.onboardParticipant.body, admin);
    expect(onboarded.status, onboarded.text).toBe(201);
    const body = { ...examples.onboardServiceOffering.body, legalPerson: onboarded.body.credentials[0].id };
    const response = await postJson(`${svc.url}/service-offerings`, body, admin);
    expect(response.status, response.text).toBe(201);
    expect(response.body.credentials.map((c: any) => c.origin)).toEqual(['issued', 'issued', 'issued', 'referenced']);
  });

  it('keeps the examples table and the route table in step', () => {
    const used = ROUTES.flatMap((o) => (o.request === undefined ? [] : [o.request.example]));
    for (const example of Object.values(examples)) expect(used).toContain(example);
  });
});

describe('GET /docs', () => {
  it('serves Swagger UI from local files only, each of them served', async () => {
    const response = await fetch(`${svc.url}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(assets.length).toBeGreaterThanOrEqual(4);
    for (const asset of assets) {
      expect(asset, 'no CDN: the page must work offline').toMatch(/^\/docs\/assets\//);
      const served = await fetch(`${svc.url}${asset}`);
      expect(served.status, asset).toBe(200);
      expect((await served.arrayBuffer()).byteLength, asset).toBeGreaterThan(0);
    }
    const initializer = await (await fetch(`${svc.url}/docs/assets/gx-trust-initializer.js`)).text();
    expect(initializer).toContain("url: '/openapi.json'");
  });

  it('serves nothing else from the swagger-ui-dist folder', async () => {
    for (const path of ['/docs/assets/package.json', '/docs/assets/swagger-ui-bundle.js.map', '/docs/assets/../package.json']) {
      const response = await fetch(`${svc.url}${path}`);
      expect(response.status, path).toBe(404);
    }
  });
});
