/**
 * A real did:web server on loopback for tests: node:http on 127.0.0.1, port 0.
 *
 * It serves the documents you give it at the did:web paths of `did:web:localhost%3A<port>[:path...]`
 * (`/.well-known/did.json`, `/<path>/did.json`), answers 404 for everything else, and lets a test
 * take over any path with its own handler (slow loris, redirects, huge bodies...). A resolver
 * reaches it only in test mode (`createDidResolver({ testMode: true })`), where loopback hosts are
 * fetched over plain http.
 *
 * ```ts
 * const server = await startDidWebServer();
 * const did = server.didFor(['issuer']);            // did:web:localhost%3A41234:issuer
 * server.setDocument(did, { id: did, verificationMethod: [...] });
 * server.setRoute('/slow/did.json', (req, res) => { res.write('{'); });
 * server.requestCount('/issuer/did.json');          // how many GETs reached that path
 * await server.close();
 * ```
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface DidWebServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The did:web host part for this server: `localhost%3A<port>`. */
  host: string;
  port: number;
  /** `did:web:localhost%3A<port>` followed by `:segment` for each path segment. */
  didFor(path?: readonly string[]): string;
  /** Serves `document` (JSON-encoded) at the did.json path of `did`. */
  setDocument(did: string, document: unknown): void;
  /** Answers requests for `path` (e.g. `/slow/did.json`) with `handler` instead of a document. */
  setRoute(path: string, handler: RouteHandler): void;
  /** GETs received for `path`, or for any path when omitted. */
  requestCount(path?: string): number;
  /** TCP connections accepted so far. */
  connectionCount(): number;
  /** Resolves when every socket the server accepted has closed. */
  socketsClosed(): Promise<void>;
  close(): Promise<void>;
}

/** The path at which a did:web DID's document is served (the spec's Read steps). */
export function didWebPath(did: string): string {
  const [, ...segments] = did.replace(/^did:web:/, '').split(':');
  return segments.length === 0 ? '/.well-known/did.json' : `/${segments.join('/')}/did.json`;
}

export async function startDidWebServer(): Promise<DidWebServer> {
  const documents = new Map<string, string>();
  const routes = new Map<string, RouteHandler>();
  const counts = new Map<string, number>();
  const sockets = new Set<Socket>();
  let connections = 0;

  const server = createServer((req, res) => {
    // The request target as sent: parsed against a base, '//a/did.json' (did:web:host::a) would turn into host 'a'.
    const path = (req.url ?? '/').split('?')[0]!;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (route !== undefined) return route(req, res);
    const body = documents.get(path);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/did+json' }).end(body);
  });
  server.on('connection', (socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const host = `localhost%3A${port}`;

  return {
    origin: `http://127.0.0.1:${port}`,
    host,
    port,
    didFor: (path = []) => [`did:web:${host}`, ...path].join(':'),
    setDocument: (did, document) => documents.set(didWebPath(did), JSON.stringify(document)),
    setRoute: (path, handler) => routes.set(path, handler),
    requestCount: (path) => (path === undefined ? [...counts.values()].reduce((a, b) => a + b, 0) : (counts.get(path) ?? 0)),
    connectionCount: () => connections,
    socketsClosed: async () => {
      await Promise.all([...sockets].map((socket) => new Promise((resolve) => socket.once('close', resolve))));
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}
