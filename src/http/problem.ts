/**
 * RFC 9457 problem details. No maintained library fits Express 5 better than these few lines: the
 * candidates on npm are 0.x packages unchanged for years, and the format is a plain JSON object.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Request, Response } from 'express';
import { ERROR_STATUS, GxTrustError, isGxTrustError, type ErrorCode, type ProblemDetail } from '../errors.js';
import { answerThenClose, closesConnection } from './body-limit.js';

export const PROBLEM_TYPE_BASE = 'https://gx-trust.dev/problems/';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  pointer?: string;
  hint?: string;
  errors?: readonly ProblemDetail[];
  instance?: string;
  /** The X-Request-Id of the answer, so a caller's report can be matched with the log lines. */
  requestId?: string;
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  INVALID_INPUT: 'Invalid input',
  INVALID_DATE: 'Invalid date',
  UNSUPPORTED_FORMAT: 'Unsupported format',
  CONTEXT_NOT_ALLOWED: 'JSON-LD context not allowed',
  FORBIDDEN_KEY: 'Key not accepted',
  SAFE_MODE_VIOLATION: 'Term not defined by any context',
  UNAUTHORIZED: 'Authentication required',
  FORBIDDEN: 'Not allowed',
  SIGNING_NOT_ALLOWED: 'Signing not allowed',
  NOT_FOUND: 'Not found',
  PAYLOAD_TOO_LARGE: 'Request body too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  RATE_LIMITED: 'Too many requests',
  VERIFIER_BUSY: 'Verifier busy',
  NOT_READY: 'Not ready',
  INTERNAL: 'Internal error',
};

export function problemOf(error: GxTrustError, instance?: string): Problem {
  const problem: Problem = {
    type: PROBLEM_TYPE_BASE + error.code.toLowerCase().replaceAll('_', '-'),
    title: TITLES[error.code] ?? error.code.toLowerCase().replaceAll('_', ' '),
    status: error.status,
    detail: error.message,
    code: error.code,
  };
  if (error.pointer !== undefined) problem.pointer = error.pointer;
  if (error.hint !== undefined) problem.hint = error.hint;
  if (error.errors.length > 0) problem.errors = error.errors;
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

/**
 * The service's own faults: their messages are for operators (they name the store backend, the
 * driver's words, a file), not for callers. Other 5xx (a DID host that failed, load shed) say
 * something the caller can act on and keep their message.
 */
const OWN_FAULTS: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['INTERNAL', 'STORE_UNAVAILABLE', 'KEYS_UNAVAILABLE', 'CONFIG_INVALID']);

const FAULT_DETAILS: Partial<Record<ErrorCode, string>> = {
  STORE_UNAVAILABLE: 'the service cannot reach its database',
  KEYS_UNAVAILABLE: 'the service cannot use its signing keys',
};

/**
 * The problem document a caller gets. In production an own fault is told in general words only:
 * its message and the faults it lists stay in the log line written for the request (with the
 * same request id), so no answer names PostgreSQL, SQLite or quotes a driver.
 */
export function publicProblem(error: GxTrustError, instance: string | undefined, production: boolean): Problem {
  if (!production || !OWN_FAULTS.has(error.code)) return problemOf(error, instance);
  return problemOf(
    new GxTrustError(error.code, FAULT_DETAILS[error.code] ?? 'the service failed to handle this request', {
      hint: 'Try again; if it persists, report it with the request id',
    }),
    instance,
  );
}

export function sendProblem(res: Response, problem: Problem): void {
  const requestId = res.locals['requestId'];
  if (typeof requestId === 'string' && problem.requestId === undefined) problem.requestId = requestId;
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem));
}

/** The refusal of a body over the limit, from the Express app: answered, then the connection closes (body-limit.ts). */
export function refuseBody(req: IncomingMessage, res: ServerResponse, error: GxTrustError): void {
  const problem = problemOf(error, (req as Partial<Request>).originalUrl ?? req.url);
  const requestId = (res as Partial<Response>).locals?.['requestId'];
  if (typeof requestId === 'string') problem.requestId = requestId;
  answerThenClose(req, res, problem.status, 'application/problem+json; charset=utf-8', JSON.stringify(problem));
}

/**
 * Whether an answer with this error is a fault worth a log line with its stack: a 5xx, except load
 * shedding, which is the service working as designed (and, under a flood, would write a stack
 * trace per refused request). Shed requests are counted on /metrics instead.
 */
export function isFault(error: GxTrustError): boolean {
  return ERROR_STATUS[error.code] >= 500 && error.code !== 'VERIFIER_BUSY';
}

/** A body over GX_BODY_LIMIT_BYTES, however it was read. */
export function bodyTooLarge(): GxTrustError {
  return new GxTrustError('PAYLOAD_TOO_LARGE', 'the request body is larger than the limit', {
    hint: 'Send at most GX_BODY_LIMIT_BYTES bytes (256 KiB by default)',
  });
}

/** A JSON body that does not parse, or (strict) is not an object or array. */
export function bodyNotJson(): GxTrustError {
  return new GxTrustError('INVALID_INPUT', 'the request body is not valid JSON', {
    pointer: '',
    hint: 'Send a JSON object as application/json, or a compact JWT as its media type (application/vc+jwt, application/vp+jwt)',
  });
}

/**
 * The content codings body-parser decodes (RFC 9110 §8.4.1); named in Accept-Encoding when a
 * request uses another one, as RFC 9110 §12.5.3 asks of a 415 for a content coding.
 */
export const ACCEPTED_CONTENT_CODINGS = 'gzip, deflate, br';

/**
 * Errors from body-parser (and raw-body under it) are the caller's fault and say so. An unknown
 * content coding is 415 (RFC 9110 §15.5.16: "the request's indicated ... Content-Encoding"); a
 * known coding whose bytes do not decode (gzip that is not gzip) is malformed content: 400. Any
 * other http-errors error below 500 (a body shorter than its Content-Length, ...) is 400 too.
 */
function fromParserError(error: { type?: string; status?: number; message?: string; expose?: boolean }, req: Request): GxTrustError | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return bodyTooLarge();
    case 'entity.parse.failed':
      return bodyNotJson();
    case 'encoding.unsupported':
      return new GxTrustError('UNSUPPORTED_MEDIA_TYPE', error.message ?? 'unsupported content encoding', {
        hint: `Send the body uncompressed, or with Content-Encoding ${ACCEPTED_CONTENT_CODINGS.replaceAll(', ', ', or ')}`,
      });
    case 'charset.unsupported':
      return new GxTrustError('UNSUPPORTED_MEDIA_TYPE', error.message ?? 'unsupported charset');
    default:
  }
  if (typeof error.status !== 'number' || error.status < 400 || error.status >= 500 || error.expose !== true) return undefined;
  if (error.status === 413) return bodyTooLarge();
  if (error.status === 415) return new GxTrustError('UNSUPPORTED_MEDIA_TYPE', 'the request body has a media type or coding gx-trust does not read');
  const coding = req.get('content-encoding')?.trim().toLowerCase();
  if (coding !== undefined && coding !== '' && coding !== 'identity' && error.type === undefined) {
    // zlib's message (e.g. "incorrect header check") says nothing a caller needs; the coding does.
    return new GxTrustError('INVALID_INPUT', `the request body is not valid ${coding} data`, {
      pointer: '',
      hint: `Compress the body as Content-Encoding: ${coding} says, or send it uncompressed`,
    });
  }
  return new GxTrustError('INVALID_INPUT', 'the request body could not be read', {
    pointer: '',
    hint: 'Send a complete body of the length Content-Length announces',
  });
}

export function problemHandler(log: (error: unknown, req?: Request) => void, options: { production?: boolean } = {}): ErrorRequestHandler {
  return (error, req, res, _next) => {
    let known = isGxTrustError(error) ? error : fromParserError(error as { type?: string }, req);
    if (known === undefined) {
      log(error, req);
      known = new GxTrustError('INTERNAL', 'the service failed to handle this request', {
        hint: 'Try again; if it persists, report it with the request id',
      });
    } else if (isFault(known)) {
      log(error, req);
    }
    // A streamed body refused while a parser was still reading it was answered already (body-limit.ts):
    // the parser's own error arrives after that answer.
    if (res.headersSent) return;
    if (known.retryAfterSeconds !== undefined) res.set('Retry-After', String(known.retryAfterSeconds));
    if ((error as { type?: string }).type === 'encoding.unsupported') res.set('Accept-Encoding', ACCEPTED_CONTENT_CODINGS);
    if (closesConnection(known)) refuseBody(req, res, known);
    else sendProblem(res, publicProblem(known, req.originalUrl, options.production === true));
  };
}
