/**
 * The HTTP layer (W3C VC-API and the Gaia-X paths): the route table (route-table.ts) served by one
 * request pipeline (pipeline.ts). Nothing here decides whether a credential is valid.
 *
 * Two ways in, one behaviour. Express (the server the project is built on) routes every request:
 * path parameters, other spellings of a path (a trailing slash, another case), automatic OPTIONS
 * answers and the 404. A request whose method and path are exactly those of a route without
 * parameters is handed to the same route's pipeline by the node:http listener directly, before
 * Express sees it: Express's request and response decoration (two prototype swaps and a dozen
 * getters per request) and its router walk were most of the time of a vc+jwt verification.
 * Measured on this 2-core machine (autocannon, 32 connections, vc+jwt, no result cache), one
 * event loop served 2,467 verifications/s through Express with its middleware chain, 2,800/s with
 * only the router skipped, and 4,557/s without Express at all. Both ways run the very same
 * functions in the same order; test/http/dispatch.test.ts sends each case both ways and compares.
 * @see https://w3c-ccg.github.io/vc-api/
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import proxyaddr from 'proxy-addr';
import type { Authenticator } from '../access/authenticator.js';
import { accessLog, requestLogger, type AccessLog, type Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { securityHeaders } from './answer-headers.js';
import { openApiDocument } from './openapi.js';
import { createRequestPipeline, type Exchange } from './pipeline.js';
import { mediaTypeReaders } from './request-body.js';
import { notAnEndpoint } from './problem.js';
import { createRateLimiter, type RateLimiter, type RateLimitSettings } from './rate-limit.js';
import type { ServedRoute } from './route.js';
import { ROUTES, servedRoutes, type RouteDependencies } from './route-table.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface AppDependencies {
  /** What each route module is given, built module by module by the composition root (src/service.ts). */
  routes: RouteDependencies;
  authenticator: Authenticator;
  bodyLimitBytes: number;
  /** Faults that are not the caller's; by default a log line with the request id. */
  log?: (error: unknown) => void;
  /** Request log lines (pino); none when absent. */
  logger?: Logger;
  /** Prometheus metrics of every request (the /metrics route is the ops module's). */
  metrics?: Metrics;
  rateLimit?: RateLimitSettings;
  /** Whether the verify endpoints answer callers without an API key (default true; GX_ANONYMOUS_VERIFY). */
  anonymousVerify?: boolean;
  /** Express's `trust proxy`: whose X-Forwarded-For names the client (rate limits and budgets are per client address). */
  trustProxy?: number | string[];
  /** GX_ENV=production: the service's own faults are answered without their details (src/http/problem.ts publicProblem). */
  production?: boolean;
}

/** The Express app (tests walk its router), and the listener to serve it with (the fast dispatch in front). */
export interface HttpInterface {
  app: express.Express;
  listener: RequestListener;
}

export interface ServeOptions {
  /** The routes, each bound to its module's dependencies (route-table.ts servedRoutes). */
  routes: readonly ServedRoute[];
  authenticator: Authenticator;
  bodyLimitBytes: number;
  anonymousVerify?: boolean;
  production?: boolean;
  rateLimiter?: RateLimiter | undefined;
  trustProxy?: number | string[] | undefined;
  metrics?: Metrics | undefined;
  accessLog?: AccessLog | undefined;
  logError?: (error: unknown, requestId: string) => void;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** Serves `routes`: the Express app with every route mounted, and the listener with the fast dispatch. */
export function serveRoutes(options: ServeOptions): HttpInterface {
  const app = express();
  app.disable('x-powered-by');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  // The same client address as Express's req.ip, under the same `trust proxy`, for both ways in.
  const trust = options.trustProxy === undefined ? undefined : (app.get('trust proxy fn') as (address: string, hop: number) => boolean);
  const pipeline = createRequestPipeline({
    authenticator: options.authenticator,
    bodyLimitBytes: options.bodyLimitBytes,
    securityHeaders: securityHeaders(),
    anonymousVerify: options.anonymousVerify !== false,
    production: options.production === true,
    rateLimiter: options.rateLimiter,
    clientAddress: trust === undefined ? (req) => req.socket.remoteAddress : (req) => proxyaddr(req, trust),
    metrics: options.metrics,
    accessLog: options.accessLog,
    logError: options.logError ?? (() => {}),
    mediaTypeReaders: mediaTypeReaders(options.routes),
  });

  // Express's way in: the pipeline's first steps for every request, then the router picks the route.
  const exchanges = new WeakMap<IncomingMessage, Exchange>();
  app.use((req, res, next) => {
    const exchange = pipeline.begin(req, res);
    exchanges.set(req, exchange);
    pipeline.admit(exchange).then(() => next(), (error: unknown) => pipeline.fail(exchange, error));
  });
  const fast = new Map<string, Map<string, ServedRoute>>();
  for (const route of options.routes) {
    app[route.method](route.path, (req, res) => {
      const exchange = exchanges.get(req) ?? pipeline.begin(req, res);
      pipeline.answer(exchange, route, req.params as Record<string, string>).catch((error: unknown) => pipeline.fail(exchange, error));
    });
    if (!route.path.includes(':')) {
      const method = route.method.toUpperCase();
      if (!fast.has(method)) fast.set(method, new Map());
      fast.get(method)!.set(route.path, route);
    }
  }
  app.use((req, _res, next) => next(notAnEndpoint(req.method, req.path)));
  app.use((error: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    pipeline.fail(exchanges.get(req) ?? pipeline.begin(req, res), error);
  });

  // The fast way in: exactly a route's method and static path, straight to its pipeline.
  const listener: RequestListener = (req, res) => {
    const byPath = fast.get(req.method ?? '');
    if (byPath !== undefined) {
      const url = req.url ?? '/';
      const mark = url.indexOf('?');
      const route = byPath.get(mark === -1 ? url : url.slice(0, mark));
      if (route !== undefined) {
        pipeline.serve(route, req, res, NO_PARAMS);
        return;
      }
    }
    app(req, res);
  };
  return { app, listener };
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** /openapi.json of the route table, built once: the routes do not change while the process runs. */
export function openApiJson(baseUrl?: string, serviceDid?: string): string {
  return JSON.stringify(openApiDocument(ROUTES, { version: VERSION, ...(baseUrl === undefined ? {} : { serverUrl: baseUrl }), ...(serviceDid === undefined ? {} : { serviceDid }) }));
}

export function createApp(deps: AppDependencies): HttpInterface {
  const logger = deps.logger;
  const log = deps.log;
  return serveRoutes({
    routes: servedRoutes(deps.routes),
    authenticator: deps.authenticator,
    bodyLimitBytes: deps.bodyLimitBytes,
    anonymousVerify: deps.anonymousVerify !== false,
    production: deps.production === true,
    rateLimiter: deps.rateLimit === undefined ? undefined : createRateLimiter(deps.rateLimit, deps.authenticator),
    trustProxy: deps.trustProxy,
    metrics: deps.metrics,
    accessLog: logger === undefined ? undefined : accessLog(logger),
    logError: (error, requestId) => {
      if (log !== undefined) log(error);
      else if (logger !== undefined) requestLogger(logger, requestId).error({ err: error }, 'request failed');
    },
  });
}
