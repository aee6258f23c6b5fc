/**
 * The headers every answer carries, whichever way the request was dispatched (app.ts): helmet's
 * security headers and the request id.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { acceptableRequestId } from '../observability/logger.js';

export type SecurityHeaders = (res: ServerResponse) => void;

/**
 * helmet's headers, taken once from helmet itself and set in one step: with its default (static)
 * options they are the same on every answer, and helmet() walks a chain of a dozen middlewares
 * per request to set them. Should helmet ever stop answering synchronously, its middleware runs
 * per request instead (it reads nothing of the request).
 */
export function securityHeaders(): SecurityHeaders {
  return staticSecurityHeaders() ?? perRequestSecurityHeaders();
}

function perRequestSecurityHeaders(): SecurityHeaders {
  const middleware = helmet();
  return (res) => middleware({} as never, res as never, () => {});
}

function staticSecurityHeaders(): SecurityHeaders | undefined {
  const set: [string, number | string | readonly string[]][] = [];
  const removed: string[] = [];
  let complete = false;
  const recorder = {
    setHeader: (name: string, value: number | string | readonly string[]) => void set.push([name, value]),
    removeHeader: (name: string) => void removed.push(name),
  };
  helmet()({} as never, recorder as never, (error?: unknown) => {
    complete = error === undefined;
  });
  if (!complete) return undefined;
  return (res) => {
    for (const [name, value] of set) res.setHeader(name, value);
    for (const name of removed) res.removeHeader(name);
  };
}

/** A caller's or proxy's well-formed id is kept, so one id follows a request across services. */
export function assignRequestId(headers: IncomingHttpHeaders, res: ServerResponse): string {
  const incoming = headers['x-request-id'];
  const id = typeof incoming === 'string' && acceptableRequestId(incoming) ? incoming : randomUUID();
  res.setHeader('X-Request-Id', id);
  return id;
}
