/**
 * The node:http servers a running gx-trust listens with: the service on GX_HOST:PORT, and /metrics
 * on a listener of its own when GX_METRICS_PORT is set (a monitoring network, not the public one).
 *
 * Both carry limits node:http leaves loose by default (headers 60 s, a request 300 s, checked only
 * every 30 s, connections unbounded): a client that sends its headers a byte at a time, or never
 * finishes its body, holds a socket and its memory for minutes, and enough of them exhaust the
 * process's file descriptors. Past GX_MAX_CONNECTIONS new connections are closed at once.
 * @see https://nodejs.org/docs/latest-v20.x/api/http.html#httpcreateserveroptions-requestlistener
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { GxTrustError } from '../errors.js';
import type { Metrics } from '../observability/metrics.js';
import { problemOf } from './problem.js';
import type { RequestListener } from './app.js';

/**
 * How often node:http looks for requests past their headers or request timeout. Its default of
 * 30 s would let a slow client keep its socket up to 30 s past either limit.
 */
const TIMEOUT_CHECK_INTERVAL_MS = 1000;

export interface Listeners {
  main: Server;
  /** The /metrics listener, when GX_METRICS_PORT is set. */
  metrics: Server | undefined;
  close(): Promise<void>;
}

function limitedServer(limits: Config['server'], listener: (req: IncomingMessage, res: ServerResponse) => void): Server {
  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, limits.headersTimeoutMs),
    },
    listener,
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  return server;
}

/** GET /metrics and nothing else. */
function metricsListener(metrics: Metrics): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      const problem = problemOf(new GxTrustError('NOT_FOUND', 'this listener serves GET /metrics only'), req.url);
      res.writeHead(404, { 'content-type': 'application/problem+json' }).end(JSON.stringify(problem));
      return;
    }
    metrics.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
      () => res.writeHead(500).end(),
    );
  };
}

function listenOn(server: Server, port: number, host: string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (host === undefined) server.listen(port, ready);
    else server.listen(port, host, ready);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
  });
}

/**
 * Starts the listeners of `config` for a service's request listener (and its metrics). /metrics is
 * served on the main port only when no metrics listener is configured (the app is built so).
 */
export async function startListeners(config: Pick<Config, 'port' | 'host' | 'metricsListener' | 'server'>, service: { listener: RequestListener; metrics: Metrics | undefined }): Promise<Listeners> {
  const main = limitedServer(config.server, service.listener);
  await listenOn(main, config.port, config.host);
  let metrics: Server | undefined;
  if (config.metricsListener !== undefined && service.metrics !== undefined) {
    metrics = limitedServer(config.server, metricsListener(service.metrics));
    try {
      await listenOn(metrics, config.metricsListener.port, config.metricsListener.host);
    } catch (error) {
      await closeServer(main);
      throw error;
    }
  }
  return {
    main,
    metrics,
    async close() {
      await Promise.all([closeServer(main), ...(metrics === undefined ? [] : [closeServer(metrics)])]);
    },
  };
}

/** `host:port` of a listening server, for the start-up line. */
export function addressOf(server: Server): string {
  const address = server.address() as AddressInfo | null;
  if (address === null) return 'not listening';
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
