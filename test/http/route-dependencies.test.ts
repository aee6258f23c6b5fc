/**
 * Each route module is given only what it names (issue 12): servedRoutes binds every route of the
 * table to its own module's dependencies, and a handler reads nothing of another module's.
 */
import { describe, expect, it } from 'vitest';
import { bindRoutes, defineRoute, json, type RouteContext } from '../../src/http/route.js';
import { ROUTES, servedRoutes, type RouteDependencies } from '../../src/http/route-table.js';

const MODULES = ['credentials', 'statusLists', 'presentations', 'danube', 'compliance', 'members', 'records', 'audit', 'identity', 'ops', 'docs'] as const;

/** Dependencies whose every read is recorded under the module they were given to. */
function recordedDependencies(reads: string[], overrides: Partial<Record<keyof RouteDependencies, object>> = {}): RouteDependencies {
  const entries = MODULES.map((module) => [module, new Proxy(overrides[module] ?? {}, {
    get(target, property, receiver) {
      if (typeof property === 'string') reads.push(`${module}.${property}`);
      return Reflect.get(target, property, receiver);
    },
  })]);
  return Object.fromEntries(entries) as unknown as RouteDependencies;
}

const context = { params: {}, query: {} } as unknown as RouteContext;

describe('the route table, served', () => {
  it('serves every route of the table, each once, when every module serves all of its routes', () => {
    const reads: string[] = [];
    const served = servedRoutes(recordedDependencies(reads, { ops: { metrics: { registry: {} }, serveMetrics: true } }));
    expect(served.map((route) => route.operationId)).toEqual(ROUTES.map((route) => route.operationId));
  });

  it('leaves out a route its own module\'s dependencies do not serve (/metrics without metrics)', () => {
    const served = servedRoutes(recordedDependencies([]));
    expect(served.map((route) => route.path)).not.toContain('/metrics');
    expect(served).toHaveLength(ROUTES.length - 1);
  });

  it('hands a handler its own module\'s dependencies and no other module\'s', async () => {
    const reads: string[] = [];
    const served = servedRoutes(recordedDependencies(reads, { docs: { openApiDocument: '{"openapi":"3.1.0"}' } }));
    reads.length = 0;
    const openApi = served.find((route) => route.path === '/openapi.json')!;
    expect(await openApi.handler(context)).toMatchObject({ status: 200, text: '{"openapi":"3.1.0"}' });
    expect(reads).toEqual(['docs.openApiDocument']);
  });
});

describe('bindRoutes', () => {
  it('closes each handler over the dependencies given, and asks `served` with them', async () => {
    const deps = { answer: 42, on: false };
    const routes = [
      defineRoute({ method: 'get', path: '/a', operationId: 'a', summary: 'a', tag: 'Operations', responses: {}, handler: (_context, d: typeof deps) => json(200, d.answer) }),
      defineRoute({ method: 'get', path: '/b', operationId: 'b', summary: 'b', tag: 'Operations', responses: {}, served: (d: typeof deps) => d.on, handler: () => json(200, 0) }),
    ];
    const bound = bindRoutes(routes, deps);
    expect(bound.map((route) => route.path)).toEqual(['/a']);
    expect(await bound[0]!.handler(context)).toEqual({ status: 200, json: 42 });
    expect('served' in bound[0]!).toBe(false);
  });
});
