/**
 * Structured JSON logs: one pino logger per service, one line per request carrying the
 * request id the caller also sees in `X-Request-Id` and in problem+json answers.
 *
 * What never reaches a line: request and response bodies (a credential, a presentation, a key),
 * headers (Authorization carries the API key), query strings (challenges, tokens). The request
 * line below holds only method, route path, sizes and the principal's `actor` (an id
 * derived from the key's digest, never the key). The `redact` list is a second fence for code that
 * logs an object carrying one of those members by mistake.
 * @see https://getpino.io/#/docs/redaction
 */
import type { Request, RequestHandler, Response } from 'express';
import { pino, type DestinationStream, type Logger, type LoggerOptions as PinoOptions } from 'pino';

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
  const destination = options.destination ?? pino.destination({ dest: 1, sync: false });
  const common: PinoOptions = {
    level: options.level,
    base: { service: 'gx-trust' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const logger = pino({ ...common, redact: { paths: [...new Set(REDACT_PATHS)], censor: '[redacted]' } }, destination);
  // The request line is built below from named scalar fields only (no body, header or query can
  // reach it), so the redaction walk over 56 paths, paid on every line, buys it nothing: it goes
  // through a sibling logger on the same destination without one.
  accessLoggers.set(logger, pino(common, destination));
  return logger;
}

const accessLoggers = new WeakMap<Logger, Logger>();

/** The id an incoming `X-Request-Id` may carry: short, printable, no separators a log parser splits on. */
const REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;

export function acceptableRequestId(value: string | undefined): value is string {
  return value !== undefined && REQUEST_ID.test(value);
}

function routeOf(req: Request): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? req.baseUrl + path : undefined;
}

function requestIdOf(res: Response): string | undefined {
  const id = res.locals['requestId'];
  return typeof id === 'string' ? id : undefined;
}

/** A logger whose lines carry the request's id, for errors logged while answering it. */
export function requestLogger(logger: Logger, req: Request | undefined): Logger {
  const reqId = req?.res === undefined ? undefined : requestIdOf(req.res);
  return reqId === undefined ? logger : logger.child({ reqId });
}

function numberOrUndefined(value: string | number | readonly string[] | undefined): number | undefined {
  return value === undefined || Array.isArray(value) ? undefined : Number(value);
}

/**
 * One line per answered request, written when the answer is finished (or the connection closed);
 * the body is described by its size, never written. Nothing is built per request before that
 * (no child logger, no serializer pass): the line is one object literal of the fields below.
 */
export function httpLogger(logger: Logger): RequestHandler {
  const access = accessLoggers.get(logger) ?? logger;
  return (req, res, next) => {
    if (!access.isLevelEnabled('info') && !access.isLevelEnabled('warn') && !access.isLevelEnabled('error')) {
      next();
      return;
    }
    const started = performance.now();
    let done = false;
    const write = (): void => {
      if (done) return;
      done = true;
      const status = res.statusCode;
      const aborted = !res.writableFinished;
      const level = aborted || status >= 500 ? 'error' : status >= 400 ? 'warn' : 'info';
      if (!access.isLevelEnabled(level)) return;
      const route = routeOf(req);
      const principal = res.locals['principal'] as { actor?: string } | undefined;
      access[level](
        {
          reqId: requestIdOf(res),
          req: {
            method: req.method,
            // The path without its query string: queries may carry challenges or tokens.
            path: (req.originalUrl ?? req.url).split('?')[0],
            contentType: req.headers['content-type'],
            contentLength: numberOrUndefined(req.headers['content-length']),
          },
          res: { statusCode: status, route, contentLength: numberOrUndefined(res.getHeader('content-length')), actor: principal?.actor },
          responseTime: Math.round(performance.now() - started),
        },
        `${req.method} ${route ?? 'unmatched'} ${aborted ? 'aborted' : status}`,
      );
    };
    res.once('finish', write);
    res.once('close', write);
    next();
  };
}
