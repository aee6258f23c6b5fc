/**
 * The listeners a running gx-trust serves with (src/http/listeners.ts, as src/main.ts starts
 * them): the bind address (GX_HOST), /metrics on a listener of its own (GX_METRICS_PORT), the
 * node:http timeouts that cut off a client sending its request slowly, and the connection cap.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { startListeners, type Listeners } from '../../src/http/listeners.js';
import { createService, type Service } from '../../src/service.js';

interface Running {
  listeners: Listeners;
  service: Service;
  port: number;
  metricsPort: number | undefined;
}

const running: Running[] = [];
const dirs: string[] = [];

async function start(env: Record<string, string> = {}): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'gx-listeners-'));
  dirs.push(dir);
  const config = parseConfig({ PORT: '0', GX_KEYS_DIR: join(dir, 'keys'), GX_DATA_DIR: join(dir, 'data'), GX_LOG_LEVEL: 'silent', GX_WORKERS: '0', ...env });
  const service = await createService(config, { log: () => {} });
  const listeners = await startListeners(config, service);
  const port = (listeners.main.address() as AddressInfo).port;
  const metricsPort = listeners.metrics === undefined ? undefined : (listeners.metrics.address() as AddressInfo).port;
  const started = { listeners, service, port, metricsPort };
  running.push(started);
  return started;
}

afterEach(async () => {
  for (const r of running.splice(0)) {
    r.listeners.main.closeAllConnections();
    r.listeners.metrics?.closeAllConnections();
    await r.listeners.close();
    await r.service.close();
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A raw connection, with everything the server sends and a promise of its closing. */
function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', () => undefined);
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

describe('GX_HOST', () => {
  it('defaults to 127.0.0.1 in development and to every interface in production', () => {
    expect(parseConfig({}).host).toBe('127.0.0.1');
    expect(parseConfig({ GX_ENV: 'production', GX_BASE_URL: 'https://trust.example.org' }).host).toBeUndefined();
    expect(parseConfig({ GX_HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    expect(() => parseConfig({ GX_HOST: 'two words' })).toThrow(/GX_HOST/);
  });

  it('is the address the service listens on', async () => {
    expect((await start()).listeners.main.address()).toMatchObject({ address: '127.0.0.1' });
    const everywhere = await start({ GX_HOST: '0.0.0.0' });
    expect(everywhere.listeners.main.address()).toMatchObject({ address: '0.0.0.0' });
  });
});

describe('GX_METRICS_PORT', () => {
  it('serves /metrics on a listener of its own, on GX_METRICS_HOST, and no longer on the main port', async () => {
    const r = await start({ GX_METRICS_PORT: '0' });
    expect(r.listeners.metrics?.address()).toMatchObject({ address: '127.0.0.1' });
    expect((await fetch(`http://127.0.0.1:${r.port}/health`)).status).toBe(200);
    const onMain = await fetch(`http://127.0.0.1:${r.port}/metrics`);
    expect(onMain.status).toBe(404);
    const onOwn = await fetch(`http://127.0.0.1:${r.metricsPort}/metrics`);
    expect(onOwn.status).toBe(200);
    // The requests the main listener answered are counted there.
    expect(await onOwn.text()).toMatch(/gx_http_requests_total\{[^}]*route="\/health"/);
    expect((await fetch(`http://127.0.0.1:${r.metricsPort}/health`)).status).toBe(404);
  });

  it('leaves /metrics on the main port when unset', async () => {
    const r = await start();
    expect(r.listeners.metrics).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${r.port}/metrics`)).status).toBe(200);
  });

  it('is refused with GX_METRICS_ENABLED=false', () => {
    expect(() => parseConfig({ GX_METRICS_PORT: '9464', GX_METRICS_ENABLED: 'false' })).toThrow(/GX_METRICS_PORT/);
  });
});

describe('timeouts and the connection cap', () => {
  it('cuts off a client that sends its headers a line at a time past GX_HEADERS_TIMEOUT_SECONDS', async () => {
    const r = await start({ GX_HEADERS_TIMEOUT_SECONDS: '1', GX_REQUEST_TIMEOUT_SECONDS: '2' });
    const { socket, received, closed } = await rawConnection(r.port);
    socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n');
    let line = 0;
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write(`X-Slow-${line++}: ${'a'.repeat(8)}\r\n`);
    }, 200);
    await closed;
    clearInterval(drip);
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('cuts off a client whose body never arrives in full past GX_REQUEST_TIMEOUT_SECONDS', async () => {
    const r = await start({ GX_HEADERS_TIMEOUT_SECONDS: '1', GX_REQUEST_TIMEOUT_SECONDS: '2' });
    const { socket, received, closed } = await rawConnection(r.port);
    socket.write('POST /danube/validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[');
    await closed;
    expect(received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes connections past GX_MAX_CONNECTIONS at once, and takes new ones when there is room again', async () => {
    const r = await start({ GX_MAX_CONNECTIONS: '2' });
    const first = await rawConnection(r.port);
    const second = await rawConnection(r.port);
    // Both are served.
    for (const held of [first, second]) held.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await expect.poll(() => first.received() + second.received()).toMatch(/200 OK[\s\S]*200 OK/);
    const third = await rawConnection(r.port);
    third.socket.write('GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await third.closed;
    expect(third.received()).toBe('');
    first.socket.destroy();
    await first.closed;
    await expect.poll(async () => (await fetch(`http://127.0.0.1:${r.port}/health`).then((res) => res.status, () => 0))).toBe(200);
    second.socket.destroy();
  }, 30_000);

  it('refuses a headers timeout longer than the request timeout', () => {
    expect(() => parseConfig({ GX_HEADERS_TIMEOUT_SECONDS: '60', GX_REQUEST_TIMEOUT_SECONDS: '30' })).toThrow(/GX_HEADERS_TIMEOUT_SECONDS/);
  });
});
