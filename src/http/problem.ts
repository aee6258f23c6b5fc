/**
 * RFC 9457 problem details. No maintained library does better than these few lines: the
 * candidates on npm are 0.x packages unchanged for years, and the format is a plain JSON object.
 * @see https://www.rfc-editor.org/rfc/rfc9457
 */
import { ERROR_STATUS, GxTrustError, type ErrorCode, type ProblemDetail } from '../errors.js';
import { describeJsonSyntaxError, type JsonSyntaxError } from '../json-syntax.js';

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
  SIGNER_BUSY: 'Signer busy',
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

/**
 * Whether an answer with this error is a fault worth a log line with its stack: a 5xx, except load
 * shedding, which is the service working as designed (and, under a flood, would write a stack
 * trace per refused request). Shed requests are counted on /metrics instead.
 */
export function isFault(error: GxTrustError): boolean {
  return ERROR_STATUS[error.code] >= 500 && error.code !== 'VERIFIER_BUSY' && error.code !== 'SIGNER_BUSY';
}

/** A body over GX_BODY_LIMIT_BYTES, however it was read. */
export function bodyTooLarge(): GxTrustError {
  return new GxTrustError('PAYLOAD_TOO_LARGE', 'the request body is larger than the limit', {
    hint: 'Send at most GX_BODY_LIMIT_BYTES bytes (256 KiB by default)',
  });
}

/**
 * A JSON body that does not parse (told where: line, column and byte offset, as an editor shows
 * them), or (strict) is JSON but not an object or array.
 */
export function bodyNotJson(syntax?: JsonSyntaxError): GxTrustError {
  if (syntax === undefined) {
    return new GxTrustError('INVALID_INPUT', 'the request body is JSON but not an object or array', {
      pointer: '',
      hint: 'Send a JSON object as application/json, or a compact JWT as its media type (application/vc+jwt, application/vp+jwt)',
    });
  }
  return new GxTrustError('INVALID_INPUT', `the request body is not valid JSON: ${describeJsonSyntaxError(syntax)}`, {
    pointer: '',
    hint: `Fix the JSON at line ${syntax.line}, column ${syntax.column} (a trailing comma, a missing quote, brace or bracket are the usual causes) and send it as application/json`,
  });
}

/**
 * The content codings gx-trust decodes (RFC 9110 §8.4.1); named in Accept-Encoding when a
 * request uses another one, as RFC 9110 §12.5.3 asks of a 415 for a content coding.
 */
export const ACCEPTED_CONTENT_CODINGS = 'gzip, deflate, br';

/** The answer to a path and method no route serves. */
export function notAnEndpoint(method: string, path: string): GxTrustError {
  return new GxTrustError('NOT_FOUND', `${method} ${path} is not an endpoint of gx-trust`, {
    hint: 'See docs/api.md, or GET /openapi.json',
  });
}

/**
 * An error Express itself raised while routing: a path parameter that is not valid
 * percent-encoding (the router's URIError, status 400), or another http-errors error it exposes as
 * the caller's. Undefined for anything else (a fault: 500).
 */
export function fromHttpError(error: unknown): GxTrustError | undefined {
  const { status, expose } = (error ?? {}) as { status?: unknown; expose?: unknown };
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  if (error instanceof URIError) {
    return new GxTrustError('INVALID_INPUT', 'the request path is not valid percent-encoding', {
      pointer: '',
      hint: 'Percent-encode each path segment as UTF-8 (RFC 3986, section 2.1)',
    });
  }
  if (expose !== true) return undefined;
  return new GxTrustError(status === 404 ? 'NOT_FOUND' : 'INVALID_INPUT', 'the request could not be read', { pointer: '' });
}
