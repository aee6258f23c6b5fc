/**
 * A body over GX_BODY_LIMIT_BYTES is refused without being read, and the refusal reaches the
 * client: the 413 is written whole, then the rest of the body is read and thrown away (at most
 * DISCARD_BYTES, for at most DISCARD_MS) before the connection closes. Closing at once resets the
 * connection under a client that is still sending, and Node's fetch then reports `fetch failed`
 * (EPIPE) instead of the answer. Each case runs on both ways in: the fast dispatch
 * (POST /credentials/verify, and POST /credentials/issue with an API key) and the Express app (the
 * verify route with a trailing slash).
 */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';

const LIMIT = 256 * 1024;
const MIB = 1024 * 1024;

let svc: RunningService;

beforeAll(async () => {
  svc = await startService({ GX_BODY_LIMIT_BYTES: String(LIMIT) });
});
afterAll(async () => {
  await svc?.close();
});

const WAYS_IN = [
  ['the fast dispatch', '/credentials/verify'],
  ['Express (another spelling of the verify route)', '/credentials/verify/'],
  ['the fast dispatch (an issuing route)', '/credentials/issue'],
] as const;

/**
 * A connector in its own process, as in production: Node's fetch posts each body and prints what
 * it got. In the test's own process the reset races differently (both ends share one event loop).
 */
const CONNECTOR = `
const [base, apiKey, cases] = [process.argv[1], process.argv[2], JSON.parse(process.argv[3])];
const results = [];
for (const { path, bytes, streamed } of cases) {
  const text = JSON.stringify({ verifiableCredential: { padding: 'x'.repeat(bytes) } });
  const body = streamed ? new Blob([text]).stream() : text;
  try {
    const response = await fetch(base + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + apiKey },
      body,
      duplex: 'half',
    });
    results.push({ path, bytes, streamed, status: response.status, requestId: response.headers.get('x-request-id'), problem: await response.json() });
  } catch (error) {
    results.push({ path, bytes, streamed, error: error.message + ' (' + (error.cause?.code ?? error.cause?.message) + ')' });
  }
}
console.log(JSON.stringify(results));
`;

describe('a body over the limit, sent with fetch', () => {
  it('gets its 413 and problem details on every way in, announced or streamed, 2 MiB or 16 MiB', async () => {
    const cases = WAYS_IN.flatMap(([, path]) => [2 * MIB, 16 * MIB].flatMap((bytes) => [false, true].map((streamed) => ({ path, bytes, streamed }))));
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', CONNECTOR, svc.url, svc.apiKey, JSON.stringify(cases)], {
      maxBuffer: 16 * MIB,
    });
    const results = JSON.parse(stdout) as { path: string; status?: number; error?: string; requestId?: string; problem?: { code: string; requestId: string; instance: string } }[];
    expect(results).toHaveLength(cases.length);
    for (const result of results) {
      const label = JSON.stringify({ ...result, problem: undefined });
      expect(result.error, label).toBeUndefined();
      expect(result.status, label).toBe(413);
      expect(result.problem?.code, label).toBe('PAYLOAD_TOO_LARGE');
      expect(result.problem?.instance, label).toBe(result.path);
      expect(result.problem?.requestId, label).toBe(result.requestId);
    }
  });
});

interface Exchange {
  socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves with the first answer once it is whole (head and Content-Length bytes of body). */
  answer: Promise<{ head: string; body: string }>;
  /** Resolves when the server has closed: 'end' for a clean close, or the socket error's code. */
  closed: Promise<string>;
}

function open(head: string): Exchange {
  const socket = connect(svc.port, '127.0.0.1');
  let text = '';
  let resolveAnswer: (answer: { head: string; body: string }) => void = () => {};
  const answer = new Promise<{ head: string; body: string }>((resolve) => (resolveAnswer = resolve));
  const closed = new Promise<string>((resolve) => {
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.once('end', () => resolve('end'));
    socket.once('close', () => resolve('close'));
  });
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) return;
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end))?.[1] ?? 0);
    if (text.length - end - 4 >= length) resolveAnswer({ head: text.slice(0, end), body: text.slice(end + 4, end + 4 + length) });
  });
  socket.write(head);
  return { socket, received: () => text, answer, closed };
}

function headOf(path: string, framing: string): string {
  return `POST ${path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${svc.apiKey}\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`;
}

const chunk = (bytes: Buffer): Buffer => Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, Buffer.from('\r\n')]);

function expectRefusal(answer: { head: string; body: string }, path: string): void {
  expect(answer.head).toMatch(/^HTTP\/1\.1 413 /);
  expect(answer.head).toMatch(/\r\nconnection: close(\r\n|$)/i);
  expect(answer.head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
  const problem = JSON.parse(answer.body) as { code: string; instance: string };
  expect(problem.code).toBe('PAYLOAD_TOO_LARGE');
  expect(problem.instance).toBe(path);
}

/** Writes `bytes` (framed by `frame`) as fast as the connection takes them until `max` or the server closes; how much was taken. */
async function sendUntilClosed(exchange: Exchange, max: number, frame: (bytes: Buffer) => Buffer = (bytes) => bytes): Promise<number> {
  const piece = Buffer.alloc(64 * 1024, 'x');
  let sent = 0;
  let closed = false;
  void exchange.closed.then(() => (closed = true));
  while (sent < max && !closed) {
    const flushed = exchange.socket.write(frame(piece));
    sent += piece.length;
    if (!flushed) await Promise.race([once(exchange.socket, 'drain'), exchange.closed]);
  }
  return sent;
}

describe.each(WAYS_IN)('a body over the limit, on a raw connection, through %s', (_way, path) => {
  it('is answered before a byte of the body is sent, and the rest is read, not reset, when it comes', async () => {
    const body = Buffer.alloc(3 * MIB, 'x');
    const exchange = open(headOf(path, `Content-Length: ${body.length}`));
    expectRefusal(await exchange.answer, path);
    // A client that sends its whole body before it reads (many HTTP/1.1 clients do) is not reset:
    // the server reads the 3 MiB (within DISCARD_BYTES) and closes cleanly once the body has ended.
    exchange.socket.write(body);
    expect(await exchange.closed).toBe('end');
    exchange.socket.destroy();
  });

  it('refuses a streamed body as it passes the limit, and reads the rest of it before closing', async () => {
    const exchange = open(headOf(path, 'Transfer-Encoding: chunked'));
    exchange.socket.write(chunk(Buffer.alloc(LIMIT + 1, 'x')));
    expectRefusal(await exchange.answer, path);
    exchange.socket.write(chunk(Buffer.alloc(MIB, 'x')));
    exchange.socket.write('0\r\n\r\n');
    expect(await exchange.closed).toBe('end');
    exchange.socket.destroy();
  });

  it('does not read more than a bounded amount of a body that never ends', async () => {
    const exchange = open(headOf(path, 'Transfer-Encoding: chunked'));
    // The server reads the limit, then DISCARD_BYTES (or for DISCARD_MS), then closes; what the
    // client gets to send on top of that is what the kernel's socket buffers hold (a few MiB).
    // Reading all 64 MiB would take the server well under a second on loopback.
    const sent = await sendUntilClosed(exchange, 64 * MIB, chunk);
    expectRefusal(await exchange.answer, path);
    expect(sent).toBeGreaterThan(LIMIT);
    expect(sent).toBeLessThan(64 * MIB);
    exchange.socket.destroy();
  });
});

describe('a streamed body no parser reads', () => {
  it('is not read past the limit once the route has answered without it', async () => {
    // text/plain: no body parser reads it, so the issuing route answers (415, send
    // application/json) while the body streams.
    const head = `POST /credentials/issue HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${svc.apiKey}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const exchange = open(head);
    const sent = await sendUntilClosed(exchange, 64 * MIB, chunk);
    const answer = await exchange.answer;
    expect(answer.head).toMatch(/^HTTP\/1\.1 415 /);
    expect(JSON.parse(answer.body).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(sent).toBeLessThan(64 * MIB);
    exchange.socket.destroy();
  });
});
