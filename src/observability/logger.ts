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

/** A logger whose lines carry the request's id, for errors logged while answering it. */
export function requestLogger(logger: Logger, requestId: string | undefined): Logger {
  return requestId === undefined ? logger : logger.child({ reqId: requestId });
}

/** The fields of a request's log line: named scalars only, never a body, header or query. */
export interface AccessLine {
  reqId: string | undefined;
  method: string;
  /** The path without its query string: queries may carry challenges or tokens. */
  path: string;
  contentType: string | undefined;
  contentLength: number | undefined;
  status: number;
  route: string | undefined;
  responseContentLength: number | undefined;
  actor: string | undefined;
  /** The answer was not finished (the connection closed first). */
  aborted: boolean;
  startedAt: number;
}

export interface AccessLog {
  /** Whether any request line would be written (error is the least that one is written at). */
  enabled(): boolean;
  write(line: AccessLine): void;
}

/**
 * Request lines, at info (warn for 4xx, error for 5xx and aborted answers). Nothing is built per
 * request before the line itself (no child logger, no serializer pass): it is one object literal
 * of the fields above.
 */
export function accessLog(logger: Logger): AccessLog {
  const access = accessLoggers.get(logger) ?? logger;
  const enabled = (): boolean => access.isLevelEnabled('error');
  const write = (line: AccessLine): void => {
    const level = line.aborted || line.status >= 500 ? 'error' : line.status >= 400 ? 'warn' : 'info';
    if (!access.isLevelEnabled(level)) return;
    access[level](
      {
        reqId: line.reqId,
        req: { method: line.method, path: line.path, contentType: line.contentType, contentLength: line.contentLength },
        res: { statusCode: line.status, route: line.route, contentLength: line.responseContentLength, actor: line.actor },
        responseTime: Math.round(performance.now() - line.startedAt),
      },
      `${line.method} ${line.route ?? 'unmatched'} ${line.aborted ? 'aborted' : line.status}`,
    );
  };
  return { enabled, write };
}

export function numberOrUndefined(value: string | number | readonly string[] | undefined): number | undefined {
  return value === undefined || Array.isArray(value) ? undefined : Number(value);
}
