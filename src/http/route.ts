/**
 * What a route is: one entry of the route table (route-table.ts), from which the Express router,
 * the fast dispatch of static paths, the role checks, the OpenAPI document and the roles test are
 * all derived. A handler sees a small context and returns its answer; it never touches Express or
 * node:http, so the same handler runs whichever way the request came in (app.ts).
 */
import type { ParsedUrlQuery } from 'node:querystring';
import type { z } from 'zod';
import type { Principal, Role } from '../access/principal.js';
import type { GxTrustError } from '../errors.js';
import type { SigningModule } from '../issuing/signing-policy.js';
import type { RequestExample } from './openapi/examples.js';
import type { Problem } from './problem.js';
import type { RateLimitedRequest } from './rate-limit.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ResponseDoc {
  description: string;
  /** JSON body schema; omit for non-JSON answers and give `mediaType` instead. */
  schema?: z.ZodType;
  mediaType?: string;
}

/**
 * How the pipeline reads a route's body. `schema`: the pipeline parses it with `schema` (zod
 * issues become one problem+json with a JSON pointer per fault) and the handler gets the parsed
 * value. `handler`: the route's input takes several shapes (a credential or a compact JWT, a
 * presentation or a request object, ...), so the handler parses it; the pipeline still reads,
 * limits and walks it (prototype keys, depth, NUL) first.
 */
export type BodyParsing = 'schema' | 'handler';

export interface RequestSpec<S extends z.ZodType = z.ZodType, P extends BodyParsing = BodyParsing> {
  schema: S;
  example: RequestExample;
  /** The media types documented (default application/json); a compact JWT is read as text. */
  mediaTypes?: readonly string[];
  parse?: P;
  /** The problem's hint when the schema refuses the body. */
  hint?: string;
  /** The body may be left out: no body reads as `{}` (documented as not required). */
  optional?: true;
}

/** A parsed body of a route: what its schema gives, or the body as read when the handler parses it. */
export type BodyOf<S extends z.ZodType, P extends BodyParsing> = P extends 'handler' ? unknown : z.output<S>;

export interface RouteContext<Body = unknown> {
  method: string;
  /** The path as requested, without the query. */
  path: string;
  /** The request target as sent (path and query): a problem's `instance`. */
  url: string;
  requestId: string;
  /** Path parameters by name (decoded), e.g. `id` of `/status-lists/:id`. */
  params: Readonly<Record<string, string>>;
  query: ParsedUrlQuery;
  /**
   * JSON as parsed, a compact JWT (a JWT media type) as its text, or undefined when the request
   * had no body of a media type gx-trust reads; for `parse: 'schema'` routes, the schema's output.
   */
  body: Body;
  /** The authenticated caller; undefined on routes open to anyone. */
  principal: Principal | undefined;
  /** The caller, on a route that names roles (an INTERNAL fault anywhere else: a table mistake). */
  caller(): Principal;
  header(name: string): string | undefined;
  /** Content negotiation over the Accept header (the `accepts` package, as Express's req.accepts). */
  accepts(types: readonly string[]): string | false;
  /** Who asks, for the rate limiter and the anonymous canonicalization share. */
  client: RateLimitedRequest;
  /**
   * Refuses the caller (an ownership check), audited as 'authorization.denied' before it is
   * answered; `answer` replaces the 403 when the refusal must look like an unknown id (no
   * existence oracle). Returns the error to throw.
   */
  deny(refusal: { reason: string; subject?: string; hint?: string; answer?: GxTrustError }): Promise<GxTrustError>;
}

export type AnswerHeaders = Readonly<Record<string, string>>;

/** What a handler answers: the pipeline writes it (media type, length, ETag policy, request id). */
export type Answer =
  | { status: number; json: unknown; headers?: AnswerHeaders }
  | { status: number; text: string; type: string; headers?: AnswerHeaders }
  | { status: number; bytes: Buffer; type: string; headers?: AnswerHeaders }
  | { status: number; problem: Problem & Record<string, unknown>; headers?: AnswerHeaders }
  | { status: 204; headers?: AnswerHeaders };

export const json = (status: number, value: unknown, headers?: AnswerHeaders): Answer => (headers === undefined ? { status, json: value } : { status, json: value, headers });
export const text = (status: number, type: string, body: string, headers?: AnswerHeaders): Answer =>
  headers === undefined ? { status, text: body, type } : { status, text: body, type, headers };
/** A problem document built by a route (one with more members than an error carries: findings, reports). */
export const problemAnswer = (problem: Problem & Record<string, unknown>): Answer => ({ status: problem.status, problem });

/**
 * One route. `roles` lists who may call it (admin always may; `[]`: admin only); without `roles`
 * no API key is needed, and `anonymousVerify` marks the routes GX_ANONYMOUS_VERIFY=false closes to
 * callers without a key (of any role).
 */
export interface Route<D = never> {
  method: HttpMethod;
  /** The Express route pattern: `/status-lists/:id`. A path without parameters is also dispatched without Express. */
  path: string;
  operationId: string;
  summary: string;
  tag: 'Credentials' | 'Presentations' | 'Revocation' | 'Compliance' | 'Audit' | 'Danube' | 'Identity' | 'Operations';
  roles?: readonly Role[];
  anonymousVerify?: true;
  /**
   * A route without `roles` that answers anyone, and more to a caller with a key: a key sent is
   * authenticated (401 when it is not valid) and the handler sees its principal.
   */
  optionalKey?: true;
  /**
   * The signing-policy module whose scoped signer this route uses (src/issuing/signing-policy.ts);
   * absent: the route has nothing signed. test/http/signing-policy.test.ts holds every route to it.
   */
  signing?: SigningModule;
  request?: RequestSpec;
  query?: Readonly<Record<string, string>>;
  /** Descriptions of path parameters (by name in the pattern). */
  params?: Readonly<Record<string, string>>;
  responses: Readonly<Record<number, ResponseDoc>>;
  /** Whether the app serves the route with these dependencies (default: always). */
  served?: (deps: D) => boolean;
  // The table holds routes of every body type; defineRoute checks each handler against its own schema.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler(context: RouteContext<any>, deps: D): Promise<Answer> | Answer;
}

type RouteDefinition<D, S extends z.ZodType, P extends BodyParsing> = Omit<Route<D>, 'request' | 'handler'> & {
  request?: RequestSpec<S, P>;
  handler(context: RouteContext<[S] extends [z.ZodNever] ? undefined : BodyOf<S, P>>, deps: D): Promise<Answer> | Answer;
};

/** Types a table entry: the handler's body is what the route's request spec makes of it. */
export function defineRoute<D, S extends z.ZodType = z.ZodNever, P extends BodyParsing = 'schema'>(definition: RouteDefinition<D, S, P>): Route<D> {
  return definition as Route<D>;
}

/**
 * A route bound to its module's dependencies: what the pipeline serves. Each route module is
 * given only what its handlers use (route-table.ts), so the handler is closed over that part.
 */
export interface ServedRoute extends Omit<Route, 'handler' | 'served'> {
  // The same any as Route's handler: the route's own schema typed it when it was defined.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handler(context: RouteContext<any>): Promise<Answer> | Answer;
}

/** The routes of one module, each with `deps`, leaving out those `served` says not to serve with them. */
export function bindRoutes<D>(routes: readonly Route<D>[], deps: D): ServedRoute[] {
  return routes
    .filter((route) => route.served === undefined || route.served(deps))
    .map(({ served: _served, handler, ...route }) => ({ ...route, handler: (context) => handler(context, deps) }));
}
