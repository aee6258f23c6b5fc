/**
 * The one request pipeline: every route of the table (route-table.ts) is answered by these steps,
 * in this order, whichever way the request was dispatched (app.ts: straight from node:http for a
 * static path, or through Express's router):
 *
 *   begin   security headers, request id, the request's metrics and log line (on finish)
 *   admit   the rate limit (one bucket per caller for every way in)
 *   answer  declared body size (413), no %00 in the target, the route's access (401 / audited 403),
 *           the body (limits, codings, JSON or JWT text), the input walk (prototype keys, depth,
 *           NUL), the route's zod schema (400 with a pointer per fault), the handler, the answer
 *   fail    problem+json for every refusal and fault (details of our own faults kept out in
 *           production), every 403 audited, a 413 answered whole before its connection closes
 *
 * It works on node:http's request and response only, so Express's request and response
 * decoration is never needed to answer (that decoration and body-parser were most of the time of a
 * vc+jwt verification behind Express: see app.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery, type ParsedUrlQuery } from 'node:querystring';
import accepts from 'accepts';
import etag from 'etag';
import fresh from 'fresh';
import { apiKeyOf, type Authenticator } from '../access/authenticator.js';
import { deny, recordUnrecordedDenial, requireRoles } from '../access/authorization.js';
import { ROLES, type Principal } from '../access/principal.js';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { assertJsonInput } from '../json-input.js';
import { numberOrUndefined, type AccessLog } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import { assignRequestId, type SecurityHeaders } from './answer-headers.js';
import { answerThenClose, closeOnUnreadBodyOver, closesConnection, declaresBodyOver } from './body-limit.js';
import { assertRequestTarget, missingBody, parseBody } from './parse.js';
import { bodyTooLarge, fromHttpError, isFault, publicProblem } from './problem.js';
import type { RateLimitedRequest, RateLimiter } from './rate-limit.js';
import { readRequestBody, type MediaTypeReaders } from './request-body.js';
import type { Answer, RouteContext, ServedRoute } from './route.js';

export interface PipelineSettings {
  authenticator: Authenticator;
  bodyLimitBytes: number;
  securityHeaders: SecurityHeaders;
  /** GX_ANONYMOUS_VERIFY: false closes the `anonymousVerify` routes to callers without an API key. */
  anonymousVerify: boolean;
  /** GX_ENV=production: the service's own faults are answered without their details (publicProblem). */
  production: boolean;
  rateLimiter?: RateLimiter | undefined;
  /** The caller's address: the socket's, or under GX_TRUST_PROXY the client X-Forwarded-For names. */
  clientAddress(req: IncomingMessage): string | undefined;
  metrics?: Metrics | undefined;
  accessLog?: AccessLog | undefined;
  /** Faults that are not the caller's (answered 5xx). */
  logError(error: unknown, requestId: string): void;
  /** The routes that read each JWT / SD-JWT media type: a 415 elsewhere names them. */
  mediaTypeReaders?: MediaTypeReaders | undefined;
}

/** One request on its way through the pipeline. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** The request target as sent (a problem's `instance`). */
  readonly url: string;
  readonly path: string;
  readonly requestId: string;
  readonly client: RateLimitedRequest;
  /** The route pattern, once a route has the request (the metrics label and the log line's route). */
  route: string | undefined;
  principal: Principal | undefined;
}

export interface RequestPipeline {
  /** Every step, for a request dispatched straight to its route. */
  serve(route: ServedRoute, req: IncomingMessage, res: ServerResponse, params: Readonly<Record<string, string>>): void;
  /** The steps before routing, for a request Express routes (app.ts). */
  begin(req: IncomingMessage, res: ServerResponse): Exchange;
  admit(exchange: Exchange): Promise<void>;
  /** The route's steps. */
  answer(exchange: Exchange, route: ServedRoute, params: Readonly<Record<string, string>>): Promise<void>;
  /** The answer to a refusal or a fault. */
  fail(exchange: Exchange, error: unknown): void;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** As Express's res.send: a text answer names its charset. */
function withCharset(type: string): string {
  return /;\s*charset=/i.test(type) ? type : `${type}; charset=utf-8`;
}

/**
 * The entity-tag policy, one for every answer: a GET (or HEAD) answered 2xx carries a weak ETag of
 * its body and a matching If-None-Match gets 304 without it (status lists, DID documents, the
 * OpenAPI document and the audit log's pages can be revalidated); an answer to any other method
 * carries none. An ETag validates a representation of the target resource for a later conditional
 * GET (RFC 9110 §8.8.3, §13.1.2); a verification report, an issued credential or a refusal is not
 * one, and hashing each such body cost every POST for nothing. (Express tagged every answer it
 * sent; the verification lane that answered POST /credentials/verify beside it tagged none.)
 */
function conditional(req: IncomingMessage, res: ServerResponse, status: number, body: string | Buffer): boolean {
  if ((req.method !== 'GET' && req.method !== 'HEAD') || status < 200 || status >= 300) return false;
  const tag = etag(body, { weak: true });
  res.setHeader('ETag', tag);
  return fresh(req.headers, { etag: tag });
}

class RequestContext implements RouteContext {
  private parsedQuery: ParsedUrlQuery | undefined;

  constructor(
    private readonly exchange: Exchange,
    private readonly authenticator: Authenticator,
    readonly method: string,
    readonly params: Readonly<Record<string, string>>,
    readonly body: unknown,
    private readonly queryString: string,
  ) {}

  get path(): string {
    return this.exchange.path;
  }

  get url(): string {
    return this.exchange.url;
  }

  get requestId(): string {
    return this.exchange.requestId;
  }

  get client(): RateLimitedRequest {
    return this.exchange.client;
  }

  get principal(): Principal | undefined {
    return this.exchange.principal;
  }

  /** As Express's `query parser: simple` (node:querystring), parsed when first asked for. */
  get query(): ParsedUrlQuery {
    this.parsedQuery ??= parseQuery(this.queryString);
    return this.parsedQuery;
  }

  caller(): Principal {
    const principal = this.exchange.principal;
    if (principal === undefined) throw new GxTrustError('INTERNAL', `${this.method} ${this.exchange.route ?? this.path} asks for a caller but names no roles`);
    return principal;
  }

  header(name: string): string | undefined {
    const value = this.exchange.req.headers[name.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }

  accepts(types: readonly string[]): string | false {
    return accepts(this.exchange.req).type([...types]);
  }

  deny(refusal: { reason: string; subject?: string; hint?: string; answer?: GxTrustError }): Promise<GxTrustError> {
    const request = { method: this.method, path: this.path, reason: refusal.reason, ...(refusal.subject === undefined ? {} : { subject: refusal.subject }) };
    return deny(this.authenticator, this.caller(), request, refusal.hint, refusal.answer);
  }
}

export function createRequestPipeline(settings: PipelineSettings): RequestPipeline {
  const { authenticator, bodyLimitBytes: limit, rateLimiter, metrics, accessLog } = settings;

  /** Writes what the route answered, with the one ETag policy; an unread streamed body is not read on. */
  function write(exchange: Exchange, answer: Answer): void {
    const { req, res } = exchange;
    let body: string | Buffer | undefined;
    let type: string | undefined;
    if ('json' in answer) {
      body = JSON.stringify(answer.json);
      type = JSON_TYPE;
    } else if ('text' in answer) {
      body = answer.text;
      type = withCharset(answer.type);
    } else if ('bytes' in answer) {
      body = answer.bytes;
      type = answer.type;
    } else if ('problem' in answer) {
      body = JSON.stringify({ ...answer.problem, requestId: answer.problem.requestId ?? exchange.requestId });
      type = PROBLEM_TYPE;
    }
    if (answer.headers !== undefined) for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    let status = answer.status;
    if (body !== undefined && conditional(req, res, status, body)) {
      status = 304;
      body = undefined;
    }
    if (!req.complete) closeOnUnreadBodyOver(req, limit);
    if (body === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': type ?? 'application/octet-stream', 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  }

  function begin(req: IncomingMessage, res: ServerResponse): Exchange {
    const startedAt = performance.now();
    settings.securityHeaders(res);
    const requestId = assignRequestId(req.headers, res);
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const exchange: Exchange = {
      req,
      res,
      url,
      path,
      requestId,
      client: { authorization: req.headers.authorization, ip: settings.clientAddress(req), path },
      route: undefined,
      principal: undefined,
    };
    const method = req.method ?? 'GET';
    if (metrics !== undefined) {
      res.once('finish', () => metrics.observeRequest(method, exchange.route ?? 'unmatched', (performance.now() - startedAt) / 1000, res.statusCode));
    }
    if (accessLog?.enabled()) {
      let logged = false;
      const line = (): void => {
        if (logged) return;
        logged = true;
        accessLog.write({
          reqId: requestId,
          method,
          path,
          contentType: req.headers['content-type'],
          contentLength: numberOrUndefined(req.headers['content-length']),
          status: res.statusCode,
          route: exchange.route,
          responseContentLength: numberOrUndefined(res.getHeader('content-length')),
          actor: exchange.principal?.actor,
          aborted: !res.writableFinished,
          startedAt,
        });
      };
      res.once('finish', line);
      res.once('close', line);
    }
    return exchange;
  }

  async function admit(exchange: Exchange): Promise<void> {
    if (rateLimiter === undefined) return;
    const decision = await rateLimiter.take(exchange.client);
    if (decision === undefined) return;
    for (const [name, value] of decision.headers) exchange.res.setHeader(name, value);
    if (decision.refusal !== undefined) throw decision.refusal;
  }

  async function answer(exchange: Exchange, route: ServedRoute, params: Readonly<Record<string, string>>): Promise<void> {
    exchange.route = route.path;
    const { req, res } = exchange;
    const method = req.method ?? 'GET';
    // Refused before anything is read or looked up: the body would not be read anyway.
    if (declaresBodyOver(req.headers, limit)) throw bodyTooLarge();
    assertRequestTarget(exchange.url);
    // Who is asking is settled before the body is judged: bad input from an authorized caller is
    // a 400, and an unauthenticated caller's body is never read.
    const roles = route.roles ?? (route.anonymousVerify === true && !settings.anonymousVerify ? ROLES : undefined);
    if (roles !== undefined) {
      const principal = await authenticator.authenticate(apiKeyOf(req.headers.authorization));
      exchange.principal = principal;
      await requireRoles(authenticator, principal, roles, { method, path: exchange.path });
    } else if (route.optionalKey === true && req.headers.authorization !== undefined) {
      exchange.principal = await authenticator.authenticate(apiKeyOf(req.headers.authorization));
    }
    let body: unknown;
    const spec = route.request;
    if (spec !== undefined) {
      body = await readRequestBody(req, res, limit, spec.mediaTypes, settings.mediaTypeReaders);
      if (body !== undefined) assertJsonInput(body, { refuseNul: true, what: 'the body' });
      else if (spec.optional !== true) throw missingBody(method, route.path, spec);
      if (spec.parse !== 'handler') body = parseBody(spec.schema, body === undefined && spec.optional === true ? {} : body, spec.hint);
    }
    const mark = exchange.url.indexOf('?');
    const context = new RequestContext(exchange, authenticator, method, params, body, mark === -1 ? '' : exchange.url.slice(mark + 1));
    write(exchange, await route.handler(context));
  }

  async function refuse(exchange: Exchange, error: unknown): Promise<void> {
    const { req, res } = exchange;
    let known = isGxTrustError(error) ? error : fromHttpError(error);
    if (known === undefined || isFault(known)) settings.logError(error, exchange.requestId);
    known ??= new GxTrustError('INTERNAL', 'the service failed to handle this request', { hint: 'Try again; if it persists, report it with the request id' });
    try {
      await recordUnrecordedDenial(authenticator, exchange.principal, { method: req.method ?? 'GET', path: exchange.path }, known);
    } catch (failure) {
      // A refusal is not told without its audit entry: the store's fault is the answer instead.
      await refuse(exchange, failure);
      return;
    }
    // A streamed body refused while it was read was answered already (answerThenClose).
    if (res.headersSent || res.destroyed) return;
    if (known.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(known.retryAfterSeconds));
    const problem = JSON.stringify({ ...publicProblem(known, exchange.url, settings.production), requestId: exchange.requestId });
    if (closesConnection(known)) {
      answerThenClose(req, res, known.status, PROBLEM_TYPE, problem);
      return;
    }
    if (!req.complete) closeOnUnreadBodyOver(req, limit);
    res.writeHead(known.status, { 'Content-Type': PROBLEM_TYPE, 'Content-Length': Buffer.byteLength(problem) });
    res.end(problem);
  }

  function fail(exchange: Exchange, error: unknown): void {
    refuse(exchange, error).catch((fault: unknown) => {
      settings.logError(fault, exchange.requestId);
      if (!exchange.res.headersSent) exchange.res.destroy();
    });
  }

  return {
    serve(route, req, res, params = NO_PARAMS) {
      const exchange = begin(req, res);
      const answered = rateLimiter === undefined ? answer(exchange, route, params) : admit(exchange).then(() => answer(exchange, route, params));
      answered.catch((error: unknown) => fail(exchange, error));
    },
    begin,
    admit,
    answer,
    fail,
  };
}
