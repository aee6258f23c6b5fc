/**
 * Structured JSON logs: one pino logger per service, one line per request (pino-http) carrying the
 * request id the caller also sees in `X-Request-Id` and in problem+json answers.
 *
 * What never reaches a line: request and response bodies (a credential, a presentation, a key),
 * headers (Authorization carries the API key), query strings (challenges, tokens). The request
 * serializer below writes only method, route path, sizes and the principal's `actor` (an id
 * derived from the key's digest, never the key). The `redact` list is a second fence for code that
 * logs an object carrying one of those members by mistake.
 * @see https://getpino.io/#/docs/redaction
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';

export type { Logger } from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Members that may hold a secret or a whole credential, at any of the first nesting levels. */
const REDACTED_KEYS = [
  'authorization',
  'Authorization',
  'apiKey',
  'privateKey',
  'privateKeyJwk',
  'privateKeyMultibase',
  'secretKeyMultibase',
  'd',
  'body',
  'credential',
  'verifiableCredential',
  'verifiablePresentation',
  'presentation',
  'jwt',
];
const REDACT_PATHS = REDACTED_KEYS.flatMap((key) => [key, `*.${key}`, `*.*.${key}`, `req.headers.${key.toLowerCase()}`]);

export interface LoggerOptions {
  level: LogLevel;
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'gx-trust' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: [...new Set(REDACT_PATHS)], censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** The id an incoming `X-Request-Id` may carry: short, printable, no separators a log parser splits on. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function acceptableRequestId(value: string | undefined): value is string {
  return value !== undefined && REQUEST_ID.test(value);
}

function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : undefined;
}

/** One line per answered request; the body is described by its size, never written. */
export function httpLogger(logger: Logger): RequestHandler {
  const middleware = pinoHttp<IncomingMessage, ServerResponse>({
    logger,
    genReqId: (_req, res) => String((res as unknown as Response).locals?.['requestId'] ?? ''),
    quietReqLogger: true,
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req as Request) ?? 'unmatched'} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req as Request) ?? 'unmatched'} ${res.statusCode}`,
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { raw?: Request }) => {
        const raw = (req.raw ?? req) as Request;
        const length = raw.headers['content-length'];
        return {
          method: raw.method,
          // The path without its query string: queries may carry challenges or tokens.
          path: (raw.originalUrl ?? raw.url ?? '').split('?')[0],
          contentType: raw.headers['content-type'],
          contentLength: length === undefined ? undefined : Number(length),
        };
      },
      res: (res: ServerResponse & { raw?: Response }) => {
        const raw = (res.raw ?? res) as Response;
        const length = raw.getHeader?.('content-length');
        const principal = raw.locals?.['principal'] as { actor?: string } | undefined;
        // Serialized when the answer is sent, so the matched route is known by then.
        return {
          statusCode: raw.statusCode,
          route: raw.req === undefined ? undefined : routeOf(raw.req),
          contentLength: length === undefined ? undefined : Number(length),
          actor: principal?.actor,
        };
      },
    },
  });
  return middleware as unknown as RequestHandler;
}
