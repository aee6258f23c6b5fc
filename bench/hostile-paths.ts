/**
 * The ReDoS case's time bound, measured here rather than asserted in a test (the test machine is
 * shared): how long the service takes to answer a 16 KB path parameter of `a-a-a...` on its
 * parametric routes, an unknown path of the same, and a urlencoded body nested 5000 levels, each
 * next to an ordinary request to the same route. path-to-regexp before 8.0 (Express 4) took seconds
 * on such paths for a route with two parameters in one segment; the case asks for an answer within
 * 50 ms. One server on loopback in this process, requests one at a time, after a warm-up.
 */
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Service } from '../src/service.js';

export interface HostilePathRow {
  name: string;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statuses: string;
}

const HOSTILE_SEGMENT = 'a' + '-a'.repeat(8000);
const NESTED_FORM = 'a' + '[a]'.repeat(5000) + '=1';

export async function benchmarkHostilePaths(service: Service, options: { iterations: number }): Promise<HostilePathRow[]> {
  const server = createServer(service.listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const send = (method: string, path: string, body?: string, contentType?: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false, headers: contentType === undefined ? {} : { 'content-type': contentType } }, (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(body);
    });
  const cases: [string, () => Promise<number>][] = [
    ['GET /status-lists/revocation-0 (ordinary)', () => send('GET', '/status-lists/revocation-0')],
    ['GET /status-lists/a-a-a... (16 KB)', () => send('GET', `/status-lists/${HOSTILE_SEGMENT}`)],
    ['GET /.well-known/x509/a-a-a....pem (16 KB)', () => send('GET', `/.well-known/x509/${HOSTILE_SEGMENT}.pem`)],
    ['GET /members/a-a-a.../did.json (16 KB)', () => send('GET', `/members/${HOSTILE_SEGMENT}/did.json`)],
    ['GET /a-a-a... (unknown, 16 KB)', () => send('GET', `/${HOSTILE_SEGMENT}`)],
    ['POST /credentials/verify urlencoded a[a]x5000', () => send('POST', '/credentials/verify', NESTED_FORM, 'application/x-www-form-urlencoded')],
  ];
  const rows: HostilePathRow[] = [];
  try {
    for (const [name, run] of cases) {
      for (let i = 0; i < 20; i++) await run();
      const times: number[] = [];
      const statuses = new Map<number, number>();
      for (let i = 0; i < options.iterations; i++) {
        const started = performance.now();
        const status = await run();
        times.push(performance.now() - started);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0;
      rows.push({ name, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times[times.length - 1] ?? 0, statuses: [...statuses].map(([s, n]) => `${s} x${n}`).join(', ') });
    }
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return rows;
}
