/**
 * `/openapi.json` and a human-readable page at `/docs`: Swagger UI from swagger-ui-dist's own
 * files, served by this service, so the page works with no internet access and under helmet's
 * `script-src 'self'` (hence the initializer is a file, not an inline script).
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { problem } from '../openapi/responses.js';
import { notAnEndpoint } from '../problem.js';
import { defineRoute, text, type Answer, type Route } from '../route.js';

const require = createRequire(import.meta.url);
const SWAGGER_UI_DIR = dirname(require.resolve('swagger-ui-dist/package.json'));

/** Only the files the page loads, with their media types; source maps and the rest of the package stay private. */
const ASSETS: ReadonlyMap<string, string> = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['index.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['swagger-ui-standalone-preset.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
  ['favicon-16x16.png', 'image/png'],
]);

const PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>gx-trust API</title>
    <link rel="stylesheet" type="text/css" href="/docs/assets/swagger-ui.css">
    <link rel="stylesheet" type="text/css" href="/docs/assets/index.css">
    <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/assets/swagger-ui-bundle.js" charset="UTF-8"></script>
    <script src="/docs/assets/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
    <script src="/docs/assets/gx-trust-initializer.js" charset="UTF-8"></script>
  </body>
</html>
`;

const INITIALIZER = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: '/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: 'StandaloneLayout',
  });
};
`;

/** The files are read once, on first request: they do not change while the process runs. */
const assetCache = new Map<string, Promise<Buffer>>();

async function asset(file: string, method: string, path: string): Promise<Answer> {
  if (file === 'gx-trust-initializer.js') return text(200, 'text/javascript', INITIALIZER, { 'Cache-Control': 'public, max-age=3600' });
  const type = ASSETS.get(file);
  if (type === undefined) throw notAnEndpoint(method, path);
  let bytes = assetCache.get(file);
  if (bytes === undefined) {
    bytes = readFile(join(SWAGGER_UI_DIR, file));
    assetCache.set(file, bytes);
  }
  return { status: 200, bytes: await bytes, type, headers: { 'Cache-Control': 'public, max-age=3600' } };
}

/** What the documentation routes are given: /openapi.json, built once from the route table. */
export interface DocsRouteDependencies {
  openApiDocument: string;
}

export const docsRoutes: readonly Route<DocsRouteDependencies>[] = [
  defineRoute({
    method: 'get', path: '/openapi.json', operationId: 'getOpenApi', tag: 'Operations',
    summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1', mediaType: 'application/json' } },
    handler: (_context, deps: { openApiDocument: string }) => text(200, 'application/json', deps.openApiDocument),
  }),
  defineRoute({
    method: 'get', path: '/docs', operationId: 'getDocs', tag: 'Operations',
    summary: 'Swagger UI over this document, served from local files', responses: { 200: { description: 'HTML page', mediaType: 'text/html' } },
    handler: () => text(200, 'text/html', PAGE),
  }),
  defineRoute({
    method: 'get', path: '/docs/assets/:file', operationId: 'getDocsAsset', tag: 'Operations',
    summary: 'The files of the Swagger UI page (swagger-ui-dist), and nothing else of that package', params: { file: 'A file the /docs page loads' },
    responses: { 200: { description: 'The file (CSS, JavaScript or PNG)', mediaType: 'application/octet-stream' }, 404: problem('Not a file of the page') },
    handler: (context) => asset(context.params['file'] ?? '', context.method, context.path),
  }),
];
