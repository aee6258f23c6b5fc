/**
 * The web console (web/, built by `npm run build` into dist/web): its page at /console/ and its
 * hashed files at /console/assets/, served through the same pipeline as every route (security
 * headers, request id, ETag, logs), with a Content-Security-Policy stricter than helmet's default:
 * no inline script or style at all, nothing from another origin, and the page may only talk to
 * this service. The console is a client of the documented API and nothing more, so the only route
 * here that is not a file is GET /whoami, which tells the page what the API key's role may do.
 */
import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { GxTrustError } from '../../errors.js';
import { problem, UNAUTHORIZED } from '../openapi/responses.js';
import { defineRoute, json, text, type Answer, type AnswerHeaders } from '../route.js';

export interface ConsoleRouteDependencies {
  /** The built console: index.html and assets/ (GX_CONSOLE_DIR, dist/web by default). */
  consoleDir: string;
}

/**
 * helmet's default allows inline styles and styles and fonts from any https origin; the console
 * needs neither. `img-src data: blob:` covers the SVG chart and the downloads the page builds.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "font-src 'none'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** Vite's output names: a name, a content hash and an extension; nothing with a path in it. */
const ASSET_NAME = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.(?:js|css|svg)$/;

function notBuilt(dir: string, cause: unknown): GxTrustError {
  return new GxTrustError('NOT_FOUND', `the web console is not built (nothing at ${dir})`, {
    hint: 'Run npm run build, or set GX_CONSOLE_DIR to a built console',
    cause,
  });
}

async function consoleFile(dir: string, file: string, type: string, headers: AnswerHeaders): Promise<Answer> {
  try {
    return { status: 200, bytes: await readFile(join(dir, file)), type, headers: { 'Content-Security-Policy': CONSOLE_CSP, ...headers } };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notBuilt(dir, error);
    throw error;
  }
}

export const consoleRoutes = [
  defineRoute({
    method: 'get', path: '/', operationId: 'getRoot', tag: 'Operations',
    summary: 'Redirects to the web console', responses: { 302: { description: 'Location: /console/', mediaType: 'text/plain' } },
    handler: () => text(302, 'text/plain', 'The gx-trust console is at /console/\n', { Location: '/console/' }),
  }),
  defineRoute({
    method: 'get', path: '/console/', operationId: 'getConsole', tag: 'Operations',
    summary: 'The web console for members, connectors, auditors and the admin (docs/console.md)',
    responses: { 200: { description: 'HTML page', mediaType: 'text/html' }, 404: problem('The console is not built') },
    // Not cached: a new build names new asset files, and this page is what names them.
    handler: (_context, deps: ConsoleRouteDependencies) => consoleFile(deps.consoleDir, 'index.html', 'text/html; charset=utf-8', { 'Cache-Control': 'no-cache' }),
  }),
  defineRoute({
    method: 'get', path: '/console/assets/:file', operationId: 'getConsoleAsset', tag: 'Operations',
    summary: 'The files of the web console (scripts, styles, images), named by their content hash', params: { file: 'A file the console page loads' },
    responses: { 200: { description: 'The file (JavaScript, CSS or SVG)', mediaType: 'application/octet-stream' }, 404: problem('Not a file of the console') },
    handler(context, deps: ConsoleRouteDependencies) {
      const file = context.params['file'] ?? '';
      const type = TYPES[extname(file)];
      if (!ASSET_NAME.test(file) || type === undefined) {
        throw new GxTrustError('NOT_FOUND', `${file} is not a file of the console`, { pointer: '/file', hint: 'The console page names its files; open /console/' });
      }
      // A content hash names each file, so a name never changes meaning.
      return consoleFile(join(deps.consoleDir, 'assets'), file, type, { 'Cache-Control': 'public, max-age=31536000, immutable' });
    },
  }),
  defineRoute({
    method: 'get', path: '/whoami', operationId: 'getWhoAmI', tag: 'Identity', roles: ['member', 'connector', 'auditor'],
    summary: 'The caller as its API key names it: role, and for a member key its member id and DIDs (what the console shows in its menu)',
    responses: { 200: { description: '{role, actor, memberId?, dids?}' }, 401: UNAUTHORIZED },
    handler(context) {
      const caller = context.caller();
      return json(200, {
        role: caller.role,
        actor: caller.actor,
        ...(caller.memberId === undefined ? {} : { memberId: caller.memberId }),
        ...(caller.dids === undefined ? {} : { dids: caller.dids }),
      }, { 'Cache-Control': 'no-store' });
    },
  }),
];
