import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hardenedFetch, isForbiddenAddress } from '../../src/dids/hardened-fetch.js';
import { GxTrustError } from '../../src/errors.js';
import { startDidWebServer, type DidWebServer } from '../helpers/did-web-server.js';

async function errorOf(promise: Promise<unknown>): Promise<GxTrustError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof GxTrustError)) throw new Error(`expected a GxTrustError, got ${String(error)}`);
  return error;
}

let server: DidWebServer;
beforeAll(async () => {
  server = await startDidWebServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('isForbiddenAddress()', () => {
  it.each([
    '127.0.0.1', '127.255.0.1', '10.0.0.5', '172.16.0.1', '172.31.255.255', '192.168.1.1', '100.64.0.1', '169.254.169.254',
    '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fc00::1', 'fd12:3456::1', 'fe80::1', 'ff02::1',
    '::ffff:127.0.0.1', '::ffff:169.254.169.254', '::ffff:7f00:1', '::ffff:a00:5', '64:ff9b::a00:5', 'not-an-ip',
  ])('refuses %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(true);
  });

  it.each(['93.184.216.34', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '::ffff:93.184.216.34'])('allows %s', (address) => {
    expect(isForbiddenAddress(address)).toBe(false);
  });
});

describe('hardenedFetch()', () => {
  it('returns status, headers and body from a loopback server in test mode', async () => {
    server.setRoute('/plain', (_req, res) => res.writeHead(200, { 'x-test': 'yes' }).end('hello'));
    const response = await hardenedFetch(`${server.origin}/plain`, { testMode: true });
    expect(response.status).toBe(200);
    expect(response.headers['x-test']).toBe('yes');
    expect(response.body.toString()).toBe('hello');
  });

  it.each([
    ['plain http outside test mode', 'http://example.com/x'],
    ['file:', 'file:///etc/passwd'],
    ['data:', 'data:application/json,{}'],
    ['an IP literal outside test mode', 'https://169.254.169.254/latest/meta-data/'],
    ['an IPv6 loopback literal outside test mode', 'https://[::1]/'],
    ['a URL with credentials', 'https://user:pass@example.com/'],
  ])('refuses %s before any connect', async (_name, url) => {
    const connect = vi.spyOn(net.Socket.prototype, 'connect');
    const error = await errorOf(hardenedFetch(url, { testMode: false }));
    expect(error.code).toBe('DID_FORBIDDEN');
    expect(connect).not.toHaveBeenCalled();
  });

  it('maps failures to the caller\'s own codes', async () => {
    const errorCodes = { forbidden: 'INVALID_INPUT', failed: 'X509_CHAIN', timeout: 'CHECK_NOT_RUN', notFound: 'NOT_FOUND' } as const;
    expect((await errorOf(hardenedFetch('http://example.com/', { testMode: false, errorCodes }))).code).toBe('INVALID_INPUT');
    expect((await errorOf(hardenedFetch(`${server.origin}/nothing-here`, { testMode: true, errorCodes }))).code).toBe('NOT_FOUND');
    server.setRoute('/teapot', (_req, res) => res.writeHead(418).end());
    expect((await errorOf(hardenedFetch(`${server.origin}/teapot`, { testMode: true, errorCodes }))).code).toBe('X509_CHAIN');
  });

  it('gives up when the connection is not made within connectTimeoutMs', async () => {
    // A resolver that never answers holds the socket in its connecting state.
    const lookup = (() => undefined) as unknown as net.LookupFunction;
    const error = await errorOf(hardenedFetch('http://hang.example/', { testMode: true, lookup, connectTimeoutMs: 100, timeoutMs: 10_000 }));
    expect(error.code).toBe('DID_RESOLUTION_TIMEOUT');
    expect(error.message).toContain('no connection within 100 ms');
  });

  it('fails with DID_RESOLUTION_FAILED when nothing listens', async () => {
    const closed = await startDidWebServer();
    const origin = closed.origin;
    await closed.close();
    expect((await errorOf(hardenedFetch(`${origin}/`, { testMode: true }))).code).toBe('DID_RESOLUTION_FAILED');
  });

  it('asks for an uncompressed body, so the cap bounds what is inflated', async () => {
    let acceptEncoding: string | undefined;
    server.setRoute('/encoding', (req, res) => {
      acceptEncoding = req.headers['accept-encoding'];
      res.end('{}');
    });
    await hardenedFetch(`${server.origin}/encoding`, { testMode: true });
    expect(acceptEncoding).toBe('identity');
  });
});

describe('hardenedFetch() per host', () => {
  it('keeps at most maxPerHost fetches in flight to one host; the others fail at once, without a connection', async () => {
    let arrived = 0;
    const held: (() => void)[] = [];
    server.setRoute('/held', (_req, res) => {
      arrived += 1;
      held.push(() => res.end('{}'));
    });
    const fetches = Array.from({ length: 10 }, () => hardenedFetch(`${server.origin}/held`, { testMode: true, maxPerHost: 3 }).then(() => 'ok', (error: unknown) => error));
    const refused = (await Promise.all(fetches.slice(3))) as GxTrustError[];
    for (const error of refused) {
      expect(error).toBeInstanceOf(GxTrustError);
      expect(error.code).toBe('DID_RESOLUTION_FAILED');
      expect(error.message).toContain('3 fetches to');
    }
    await vi.waitFor(() => expect(arrived).toBe(3));
    for (const answer of held) answer();
    expect(await Promise.all(fetches.slice(0, 3))).toEqual(['ok', 'ok', 'ok']);
    // The slots are free again.
    server.setRoute('/held', (_req, res) => res.end('{}'));
    expect((await hardenedFetch(`${server.origin}/held`, { testMode: true, maxPerHost: 3 })).status).toBe(200);
    expect(arrived).toBe(3);
  });
});
