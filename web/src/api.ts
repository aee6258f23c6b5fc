/**
 * The console's only way to the service: one documented API call per action (docs/api.md). The
 * API key lives in sessionStorage (gone with the tab), is sent only as a bearer header, and never
 * goes into a URL, the history or a log line.
 */
const KEY = 'gx-trust.apiKey';

export function apiKey(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function setApiKey(key: string | undefined): void {
  if (key === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, key);
}

/** One fault of an RFC 9457 problem: where (a JSON pointer into the request) and what to do. */
export interface Fault {
  code?: string;
  detail?: string;
  pointer?: string;
  hint?: string;
  rule?: string;
  message?: string;
}

export interface Problem extends Fault {
  status: number;
  title?: string;
  errors?: Fault[];
  findings?: Fault[];
  [member: string]: unknown;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

export interface Answer<T> {
  status: number;
  body: T;
}

export interface CallOptions {
  body?: unknown;
  /** A compact JWT sent as it is, with its own media type (vc+jwt, vp+jwt). */
  jwt?: { token: string; type: string };
  /** Statuses that are an answer, not a failure (the verify routes answer 422 with the report). */
  accept?: readonly number[];
  /** Without the API key (the open routes, and the sign-in probe with a key not stored yet). */
  key?: string | null;
}

export async function call<T = unknown>(method: string, path: string, options: CallOptions = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const key = options.key === undefined ? apiKey() : options.key;
  if (key !== null && key !== undefined) headers['authorization'] = `Bearer ${key}`;
  let body: string | undefined;
  if (options.jwt !== undefined) {
    headers['content-type'] = options.jwt.type;
    body = options.jwt.token;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(path, { method, headers, ...(body === undefined ? {} : { body }), credentials: 'omit', cache: 'no-store' });
  const type = response.headers.get('content-type') ?? '';
  const text = await response.text();
  const parsed: unknown = type.includes('json') && text !== '' ? JSON.parse(text) : text;
  if (response.ok || options.accept?.includes(response.status)) return { status: response.status, body: parsed as T };
  const problem: Problem = typeof parsed === 'object' && parsed !== null ? { ...(parsed as Problem), status: response.status } : { status: response.status, detail: text };
  throw new ApiError(problem);
}

/** Every fault a problem names, with its pointer: `findings` (self-descriptions), else `errors`, else the problem itself. */
export function faultsOf(problem: Problem): Fault[] {
  if (Array.isArray(problem.findings) && problem.findings.length > 0) return problem.findings;
  if (Array.isArray(problem.errors) && problem.errors.length > 0) return problem.errors;
  return [problem];
}

export type Role = 'admin' | 'member' | 'connector' | 'auditor';

export interface WhoAmI {
  role: Role;
  actor: string;
  memberId?: string;
  dids?: string[];
}

/** A path segment: ids are URNs and DIDs, with colons and slashes. */
export const segment = (value: string): string => encodeURIComponent(value);
