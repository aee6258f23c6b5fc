/**
 * The connectors' hot path. `POST /credentials/verify` and `POST /presentations/verify` with a
 * plain JSON or compact-JWT body are answered on node:http directly, without Express: measured on
 * this 2-core machine (autocannon, 32 connections, vc+jwt, no result cache), one event loop
 * served 2,467 verifications/s through Express with its middleware chain, 2,800/s with only the
 * router skipped (Express's request and response objects and body-parser kept), and 4,557/s
 * through this lane, which does the same work: the Express objects and body-parser, not our
 * checks, were most of the time.
 *
 * The lane does what the app does for these requests, from the same pieces: security headers and
 * request id (answer-headers.ts), the rate limiter (one store for both ways in), the body limit,
 * the check every parsed body passes (assertBodyInput), the route's own input parsing (verificationInputOf), the request metrics and the log line, and
 * problem+json for every refusal. What it does not claim goes to the Express app unchanged: other
 * routes, other spellings of these paths, other media types or charsets, and compressed bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { Express } from 'express';
import { GxTrustError, isGxTrustError } from '../errors.js';
import { numberOrUndefined, type AccessLog } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { VerificationReport } from '../verifying/index.js';
import type { VerifyOptions } from '../verifying/index.js';
import { assignRequestId, type SecurityHeaders } from './answer-headers.js';
import { assertRequestInput, JWT_MEDIA_TYPES } from './parse.js';
import { answerThenClose, closesConnection, declaresBodyOver } from './body-limit.js';
import { bodyNotJson, bodyTooLarge, isFault, publicProblem } from './problem.js';
import type { CanonicalizationBudget, RateLimiter } from './rate-limit.js';
import { bearerOf, type Authenticator } from './auth.js';
import { verificationInputOf, withCanonicalizationBudget, type VerifyCredentialRequest, type VerifyPresentationRequest } from './routes/credentials.js';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export interface VerificationRoute {
  field: 'verifiableCredential' | 'verifiablePresentation';
  schema: typeof VerifyCredentialRequest | typeof VerifyPresentationRequest;
  verify(input: unknown, options: VerifyOptions): Promise<VerificationReport>;
}

export interface VerificationLaneOptions {
  /** Everything the lane does not claim. */
  app: Express;
  /** By exact path. */
  routes: Readonly<Record<string, VerificationRoute>>;
  bodyLimitBytes: number;
  /** Own faults answered without their details, as the app does (publicProblem). */
  production?: boolean;
  securityHeaders: SecurityHeaders;
  rateLimiter?: RateLimiter | undefined;
  canonicalizationBudget?: CanonicalizationBudget | undefined;
  /** Set when verification needs an API key (GX_ANONYMOUS_VERIFY=false): any valid key, of any role. */
  requireApiKey?: Authenticator | undefined;
  /** The caller's address, as Express's req.ip gives it (the socket's, or X-Forwarded-For's under `trust proxy`). */
  clientAddress?: (req: IncomingMessage) => string | undefined;
  metrics?: Metrics | undefined;
  accessLog?: AccessLog | undefined;
  /** Faults that are not the caller's (answered 500 INTERNAL). */
  logError(error: unknown, requestId: string): void;
}

type BodyKind = 'json' | 'jwt';

const JSON_TYPES = new Set(['application/json', 'application/ld+json']);
const JWT_TYPES = new Set(JWT_MEDIA_TYPES);
const UTF8_PARAMETER = /^\s*charset\s*=\s*"?utf-8"?\s*$/i;

/** The body's kind, when it is one the lane reads exactly as body-parser would (UTF-8, not compressed). */
function bodyKindOf(req: IncomingMessage): BodyKind | undefined {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') return undefined;
  const contentType = req.headers['content-type'];
  if (contentType === undefined) return undefined;
  const semicolon = contentType.indexOf(';');
  if (semicolon !== -1 && !UTF8_PARAMETER.test(contentType.slice(semicolon + 1))) return undefined;
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (JSON_TYPES.has(mediaType)) return 'json';
  if (JWT_TYPES.has(mediaType)) return 'jwt';
  return undefined;
}

/** The whole body, refused as soon as it passes `limit` bytes (declared or streamed). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  if (declaresBodyOver(req.headers, limit)) return Promise.reject(bodyTooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        // Stop buffering; the answer discards a bounded rest and closes the connection (answerThenClose).
        req.off('data', onData);
        reject(bodyTooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

/**
 * The body as body-parser gives it to the route: UTF-8 without a byte-order mark; JSON in strict
 * mode (an object or array; an empty body is `{}`), a JWT as text.
 */
function parseBody(bytes: Buffer, kind: BodyKind): unknown {
  let text = bytes.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (kind === 'jwt') return text;
  if (text.length === 0) return {};
  const first = /\S/.exec(text)?.[0];
  try {
    if (first !== '{' && first !== '[') throw new SyntaxError('not an object or array');
    return JSON.parse(text) as unknown;
  } catch {
    throw bodyNotJson();
  }
}

function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function createVerificationLane(options: VerificationLaneOptions): RequestListener {
  const { app, routes, bodyLimitBytes, rateLimiter, canonicalizationBudget, metrics, accessLog } = options;
  const byPath = new Map(Object.entries(routes));

  async function answer(req: IncomingMessage, res: ServerResponse, path: string, query: string, route: VerificationRoute, kind: BodyKind): Promise<void> {
    const caller = { authorization: req.headers.authorization, ip: options.clientAddress?.(req) ?? req.socket.remoteAddress, path };
    if (rateLimiter !== undefined) {
      const decision = await rateLimiter.take(caller);
      for (const [name, value] of decision?.headers ?? []) res.setHeader(name, value);
      if (decision?.refusal !== undefined) throw decision.refusal;
    }
    // As the Express route's requireRole: who is asking is settled before the body is read.
    if (options.requireApiKey !== undefined) await options.requireApiKey.authenticate(bearerOf(req.headers.authorization));
    const body = parseBody(await readBody(req, bodyLimitBytes), kind);
    assertRequestInput(req.url ?? '/', body);
    const { input, options: verifyOptions } = verificationInputOf(body, parseQuery(query), route.field, route.schema);
    const report = await route.verify(input, withCanonicalizationBudget(verifyOptions, canonicalizationBudget, caller));
    send(res, report.verified ? 200 : 422, 'application/json; charset=utf-8', JSON.stringify(report));
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const route = req.method === 'POST' ? byPath.get(path) : undefined;
    const kind = route === undefined ? undefined : bodyKindOf(req);
    if (route === undefined || kind === undefined) {
      app(req, res);
      return;
    }
    const startedAt = performance.now();
    options.securityHeaders(res);
    const requestId = assignRequestId(req.headers, res);
    if (metrics !== undefined) {
      res.once('finish', () => metrics.observeRequest('POST', path, (performance.now() - startedAt) / 1000, res.statusCode));
    }
    if (accessLog?.enabled()) {
      let logged = false;
      const line = (): void => {
        if (logged) return;
        logged = true;
        accessLog.write({
          reqId: requestId,
          method: 'POST',
          path,
          contentType: req.headers['content-type'],
          contentLength: numberOrUndefined(req.headers['content-length']),
          status: res.statusCode,
          route: path,
          responseContentLength: numberOrUndefined(res.getHeader('content-length')),
          actor: undefined,
          aborted: !res.writableFinished,
          startedAt,
        });
      };
      res.once('finish', line);
      res.once('close', line);
    }
    answer(req, res, path, mark === -1 ? '' : url.slice(mark + 1), route, kind).catch((error: unknown) => {
      let known = isGxTrustError(error) ? error : undefined;
      if (known === undefined || isFault(known)) options.logError(error, requestId);
      known ??= new GxTrustError('INTERNAL', 'the service failed to handle this request', { hint: 'Try again; if it persists, report it with the request id' });
      if (res.headersSent || res.destroyed) return;
      if (known.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(known.retryAfterSeconds));
      const problem = JSON.stringify({ ...publicProblem(known, url, options.production === true), requestId });
      if (closesConnection(known)) answerThenClose(req, res, known.status, 'application/problem+json; charset=utf-8', problem);
      else send(res, known.status, 'application/problem+json; charset=utf-8', problem);
    });
  };
}
