/**
 * The two ways a request reaches its route (src/http/app.ts): a route without path parameters,
 * asked for by exactly its method and path, is dispatched by the node:http listener straight to
 * its pipeline; every other spelling of the same path (here: a trailing slash) goes through
 * Express's router to the same pipeline. Both must give the same answer to the same request, so
 * each case is sent both ways and compared: status, every header but the per-request ones, body.
 * The test counts the requests Express handled, so it knows which way each one went.
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let jwt: string;
let vpJwt: string;
/** Requests the Express app handled (the fast dispatch hands nothing to it). */
let throughExpress = 0;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  body: any;
}

/** One raw request, so that framing (Content-Length, chunks) is the test's to choose. */
function send(path: string, headers: Record<string, string>, chunks: (string | Buffer)[], method = 'POST'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { method, headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        const json = /json/.test(res.headers['content-type'] ?? '') && text.length > 0;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body: json ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** Sends `path` and reports whether Express handled it. */
async function sendCounted(path: string, headers: Record<string, string>, chunks: (string | Buffer)[], method = 'POST'): Promise<{ answer: Answer; viaExpress: boolean }> {
  const before = throughExpress;
  const answer = await send(path, headers, chunks, method);
  return { answer, viaExpress: throughExpress > before };
}

/** The same request dispatched straight to its route and through Express; both answers, the fast one first. */
async function bothWays(path: string, headers: Record<string, string>, body: string | Buffer | undefined, method = 'POST'): Promise<[Answer, Answer]> {
  const [bare = '', query] = path.split('?');
  const framed = body === undefined ? headers : { 'content-length': String(Buffer.byteLength(body)), ...headers };
  const chunks = body === undefined ? [] : [body];
  const fast = await sendCounted(path, framed, chunks, method);
  const expressPath = `${bare}/${query === undefined ? '' : `?${query}`}`;
  const express = await sendCounted(expressPath, framed, chunks, method);
  expect([fast.viaExpress, express.viaExpress], 'the first request dispatched straight, the second through Express').toEqual([false, true]);
  return [fast.answer, express.answer];
}

/** Headers that differ per request, or per connection, by design. */
const PER_REQUEST = new Set(['date', 'x-request-id', 'connection', 'keep-alive', 'ratelimit']);

/** What must agree: status, headers and body, but for the per-request id and the problem's `instance` (the path as sent). */
function comparable(answer: Answer): unknown {
  const headers = Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !PER_REQUEST.has(name)));
  if (answer.body === undefined) return { status: answer.status, headers, text: answer.text };
  const { requestId: _requestId, instance: _instance, ...body } = answer.body;
  // The problem's length differs by the instance's extra slash.
  const { 'content-length': _length, ...rest } = headers;
  return { status: answer.status, headers: answer.body.instance === undefined ? headers : rest, body };
}

beforeAll(async () => {
  svc = await startService({ GX_BODY_LIMIT_BYTES: '4096' });
  const app = svc.service.app as unknown as { handle: (...args: unknown[]) => unknown };
  const handle = app.handle.bind(app);
  app.handle = (...args: unknown[]) => {
    throughExpress++;
    return handle(...args);
  };
  const auth = { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json', accept: 'application/vc+jwt' };
  const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example' } };
  const issued = await fetch(`${svc.url}/credentials/issue`, { method: 'POST', headers: auth, body: JSON.stringify({ credential, options: { format: 'vc+jwt', alg: 'ES256' } }) });
  expect(issued.status).toBe(201);
  jwt = (await issued.text()).trim();
  const presentation = {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiablePresentation'],
    verifiableCredential: [{ '@context': 'https://www.w3.org/ns/credentials/v2', type: 'EnvelopedVerifiableCredential', id: `data:application/vc+jwt,${jwt}` }],
  };
  const proved = await fetch(`${svc.url}/presentations/prove`, {
    method: 'POST',
    headers: { ...auth, accept: 'application/vp+jwt' },
    body: JSON.stringify({ presentation, options: { format: 'vp+jwt', alg: 'ES256', challenge: 'c-123', domain: 'connector.example' } }),
  });
  expect(proved.status).toBe(201);
  vpJwt = (await proved.text()).trim();
});
afterAll(async () => {
  await svc?.close();
});

describe('the fast dispatch and the Express dispatch of a route', () => {
  it('verify a vc+jwt alike, with the security headers and a request id', async () => {
    const [fast, express] = await bothWays('/credentials/verify', { 'content-type': 'application/vc+jwt' }, jwt);
    expect(fast.status).toBe(200);
    expect(fast.body.verified).toBe(true);
    expect(comparable(fast)).toEqual(comparable(express));
    expect(fast.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options']) {
      expect(fast.headers[name], name).toBeDefined();
    }
  });

  it('keep a well-formed X-Request-Id of the caller', async () => {
    const answer = await send('/credentials/verify', { 'content-type': 'application/vc+jwt', 'x-request-id': 'connector-trace-0001' }, [jwt]);
    expect(answer.headers['x-request-id']).toBe('connector-trace-0001');
  });

  it.each([
    ['a VC-API JSON body', 'application/json', () => JSON.stringify({ verifiableCredential: jwt })],
    ['JSON with a UTF-8 charset and a byte-order mark', 'application/json; charset=utf-8', () => `\uFEFF${JSON.stringify({ verifiableCredential: jwt })}`],
    ['a tampered JWT (422, every check reported)', 'application/vc+jwt', () => `${jwt.slice(0, -4)}AAAA`],
    ['a JWT with surrounding whitespace', 'application/vc+jwt', () => `\n ${jwt} \n`],
    ['JSON that does not parse (400)', 'application/json', () => '{"verifiableCredential": '],
    ['JSON that is not an object (400, strict)', 'application/json', () => '"a string"'],
    ['an empty JSON body (400, the schema names the field)', 'application/json', () => ''],
    ['an unknown member (400 with its pointer)', 'application/json', () => JSON.stringify({ verifiableCredential: jwt, colour: 'red' })],
    ['a body over GX_BODY_LIMIT_BYTES (413)', 'application/json', () => JSON.stringify({ verifiableCredential: 'x'.repeat(5000) })],
    ['a gzip body (read and verified)', 'application/json', () => gzipSync(JSON.stringify({ verifiableCredential: jwt })), { 'content-encoding': 'gzip' }],
    ['a content coding gx-trust does not read (415)', 'application/json', () => '{}', { 'content-encoding': 'compress' }],
    ['JSON in another charset (415)', 'application/json; charset=latin1', () => '{}'],
    ['a media type gx-trust does not read (415)', 'text/plain', () => '{}'],
  ] as [string, string, () => string | Buffer, Record<string, string>?][])('answer %s alike', async (_name, contentType, body, headers = {}) => {
    const [fast, express] = await bothWays('/credentials/verify', { 'content-type': contentType, ...headers }, body());
    expect(comparable(fast)).toEqual(comparable(express));
    if (fast.status >= 400 && fast.status !== 422) {
      expect(fast.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(typeof fast.body.code).toBe('string');
      expect(typeof fast.body.hint === 'string' || fast.body.errors !== undefined).toBe(true);
      expect(fast.body.requestId).toBe(fast.headers['x-request-id']);
      expect([fast.body.instance, express.body.instance]).toEqual(['/credentials/verify', '/credentials/verify/']);
    }
  });

  it('verify a vp+jwt with the challenge and domain of the query alike', async () => {
    const [fast, express] = await bothWays('/presentations/verify?challenge=c-123&domain=connector.example', { 'content-type': 'application/vp+jwt' }, vpJwt);
    expect(fast.status).toBe(200);
    expect(fast.body.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['challenge', 'domain']));
    expect(comparable(fast)).toEqual(comparable(express));
    const [wrongFast, wrongExpress] = await bothWays('/presentations/verify?challenge=replayed', { 'content-type': 'application/vp+jwt' }, vpJwt);
    expect(wrongFast.status).toBe(422);
    expect(wrongFast.body.checks.find((c: { check: string }) => c.check === 'challenge').code).toBe('CHALLENGE_MISMATCH');
    expect(comparable(wrongFast)).toEqual(comparable(wrongExpress));
  });

  it('refuse a caller without an API key on a route that needs one alike', async () => {
    const [fast, express] = await bothWays('/credentials/issue', { 'content-type': 'application/json' }, '{"credential":{}}');
    expect(fast.status).toBe(401);
    expect(comparable(fast)).toEqual(comparable(express));
  });

  it('refuse a body that passes the limit while streaming, with no Content-Length to go by', async () => {
    const chunk = JSON.stringify({ verifiableCredential: 'x'.repeat(1500) });
    const answer = await send('/credentials/verify', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [chunk, chunk, chunk]);
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.headers['connection']).toBe('close');
    // A new connection is served: the service answers the next request.
    expect((await send('/credentials/verify', { 'content-type': 'application/vc+jwt' }, [jwt])).status).toBe(200);
  });

  it.each([
    ['straight', '/credentials/verify'],
    ['through Express', '/credentials/verify/'],
  ])('refuse a body announced over the limit (%s) before reading it, and close the connection', async (_way, path) => {
    // Only the request head is sent: a server that read the body first would never answer. The
    // answer comes at once; the connection closes when the wait for a body to discard is over.
    const socket = connect(svc.port, '127.0.0.1');
    socket.write(`POST ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`);
    let received = '';
    let endedAfter: string | undefined;
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    socket.once('end', () => (endedAfter = received));
    await vi.waitUntil(() => /\r\n\r\n\{.*\}$/s.test(received), { timeout: 10_000 });
    expect(endedAfter).toBeUndefined();
    await once(socket, 'end');
    socket.destroy();
    const [head = '', body = ''] = received.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 413 /);
    expect(head).toMatch(/\r\nconnection: close\r\n/i);
    expect(head).toMatch(/\r\ncontent-type: application\/problem\+json/i);
    expect(JSON.parse(body).code).toBe('PAYLOAD_TOO_LARGE');
    expect(JSON.parse(body).instance).toBe(path);
  });

  it('count and log requests under the route pattern alike', async () => {
    const series = async () => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      return Number(/gx_http_requests_total\{method="POST",route="\/credentials\/verify",status="200"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await series();
    await bothWays('/credentials/verify', { 'content-type': 'application/vc+jwt' }, jwt);
    expect(await series()).toBe(before + 2);
  });
});

describe('the ETag policy, one for every answer either way', () => {
  it('tags a GET answer with a weak ETag of its body and answers If-None-Match with 304', async () => {
    const [fast, express] = await bothWays('/.well-known/did.json', {}, undefined, 'GET');
    expect(fast.status).toBe(200);
    expect(fast.headers['etag']).toMatch(/^W\/"[0-9a-f]+-[A-Za-z0-9+/_-]+"$/);
    expect(comparable(fast)).toEqual(comparable(express));
    const tag = fast.headers['etag'] as string;
    const [fastAgain, expressAgain] = await bothWays('/.well-known/did.json', { 'if-none-match': tag }, undefined, 'GET');
    expect([fastAgain.status, expressAgain.status]).toEqual([304, 304]);
    expect([fastAgain.text, expressAgain.text]).toEqual(['', '']);
  });

  it('tags no answer to a POST, and no refusal', async () => {
    const [fast, express] = await bothWays('/credentials/verify', { 'content-type': 'application/vc+jwt' }, jwt);
    expect([fast.headers['etag'], express.headers['etag']]).toEqual([undefined, undefined]);
    const [refused, refusedByExpress] = await bothWays('/members', {}, undefined, 'GET');
    expect(refused.status).toBe(401);
    expect([refused.headers['etag'], refusedByExpress.headers['etag']]).toEqual([undefined, undefined]);
  });
});

describe('the rate limit, either way', () => {
  let limited: RunningService;
  beforeAll(async () => {
    limited = await startService({ GX_RATE_LIMIT_ANONYMOUS_MAX: '3' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('counts both ways in one bucket per caller', async () => {
    const post = (path: string) => fetch(`${limited.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/vc+jwt' }, body: 'x.y.z' });
    const first = await post('/credentials/verify');
    expect(first.headers.get('ratelimit')).toMatch(/^limit=3, remaining=2, reset=\d+$/);
    expect((await post('/credentials/verify/')).headers.get('ratelimit')).toMatch(/^limit=3, remaining=1, reset=\d+$/);
    // A vc+jwt body is not read by the presentation route (415), and still counted.
    expect((await post('/presentations/verify')).status).toBe(415);
    const over = await post('/credentials/verify');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = (await over.json()) as { code: string; requestId: string };
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.requestId).toBe(over.headers.get('x-request-id'));
    expect((await post('/credentials/verify/')).status).toBe(429);
  });
});
