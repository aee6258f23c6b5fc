/**
 * Starts the real gx-trust app on 127.0.0.1, port 0, with its own temporary keys folder. The port
 * is known before the service is built, so the service's did:web (`did:web:localhost%3A<port>`)
 * is served by the very server under test and other instances resolve it over loopback HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../../src/config.js';
import { createService, type Service, type ServiceOverrides } from '../../src/service.js';

export interface RunningService {
  url: string;
  port: number;
  service: Service;
  apiKey: string;
  close(): Promise<void>;
}

export async function startService(
  env: Record<string, string> = {},
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  const dir = mkdtempSync(join(tmpdir(), 'gx-trust-test-'));
  const server: Server = createServer();
  // Longer than any client keeps an idle connection: a test process whose event loop is held (a
  // key generated synchronously, a loaded machine) would otherwise send its next request on a
  // keep-alive socket this server closed meanwhile, and read ECONNRESET instead of an answer.
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const config = parseConfig({
    PORT: String(port),
    GX_BASE_URL: `http://localhost:${port}`,
    GX_KEYS_DIR: join(dir, 'keys'),
    GX_DATA_DIR: join(dir, 'data'),
    GX_LOG_LEVEL: 'silent',
    // The verification deadline is wall-clock time: on a machine busy with other work a Data
    // Integrity verification can take seconds, and a test would read CHECK_NOT_RUN where it
    // asserts on a result. Tests of the deadline itself set their own.
    GX_VERIFY_DEADLINE_MS: '60000',
    ...env,
  });
  const service = await createService(config, { log: () => {}, ...overrides });
  server.on('request', service.listener);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    service,
    apiKey: service.adminApiKey ?? '',
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<{ status: number; contentType: string; body: any; text: string }> {
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const contentType = response.headers.get('content-type') ?? '';
  let parsed: unknown = text;
  if (contentType.includes('json')) parsed = JSON.parse(text);
  return { status: response.status, contentType, body: parsed, text };
}

/**
 * A metric's value as GET /metrics exposes it (the line `name value`, no labels); throws when the
 * service does not expose it, so a renamed metric fails the test instead of reading as 0.
 */
export async function metricValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  if (line === undefined) throw new Error(`${name} is not in ${url}/metrics`);
  return Number(line.split(' ')[1]);
}

/** Verifies at a service that never saw the issuer: it resolves every DID and fetches every status list afresh. */
export async function verifyAtFreshPartner(verifiableCredential: unknown): ReturnType<typeof postJson> {
  const partner = await startService();
  try {
    return await postJson(`${partner.url}/credentials/verify`, { verifiableCredential });
  } finally {
    await partner.close();
  }
}
