/**
 * The verification lane (src/http/verification-lane.ts) answers POST /credentials/verify and
 * /presentations/verify itself; Express still routes every other spelling of those paths (here:
 * a trailing slash) to the same route. Both must give the same answer to the same request, so
 * each case is sent both ways and compared. Express marks its answers with an ETag, which the
 * lane does not send: that is how each test knows which way its request went (for a 413, the
 * problem's `instance`).
 */
import { once } from 'node:events';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let jwt: string;
let vpJwt: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One raw request, so that framing (Content-Length, chunks) is the test's to choose. */
function send(path: string, headers: Record<string, string>, chunks: (string | Buffer)[]): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${svc.url}${path}`, { method: 'POST', headers }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (chunk: Buffer) => parts.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text.length > 0 ? JSON.parse(text) : undefined });
      });
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

/** The same request through the lane and through Express; both answers, the lane's first. */
async function bothWays(path: string, headers: Record<string, string>, body: string | Buffer): Promise<[Answer, Answer]> {
  const [query = ''] = path.split('?').slice(1);
  const bare = path.split('?')[0]!;
  const framed = { 'content-length': String(Buffer.byteLength(body)), ...headers };
  const lane = await send(path, framed, [body]);
  const expressPath = `${bare}/${query === '' ? '' : `?${query}`}`;
  const express = await send(expressPath, framed, [body]);
  expect(lane.headers['etag']).toBeUndefined();
  // A refused body's answer is written without res.send (body-limit.ts), so without an ETag: its
  // problem's `instance` tells the way instead.
  if (express.status === 413) expect([lane.body.instance, express.body.instance]).toEqual([path, expressPath]);
  else expect(express.headers['etag']).toBeDefined();
  return [lane, express];
}

/** What must agree: status, media type and body, but for the per-request id and the instance path. */
function comparable(answer: Answer): unknown {
  const { requestId: _requestId, instance: _instance, ...body } = answer.body ?? {};
  return { status: answer.status, contentType: answer.headers['content-type'], body };
}

beforeAll(async () => {
  svc = await startService({ GX_BODY_LIMIT_BYTES: '4096' });
  const auth = { authorization: `Bearer ${svc.apiKey}`, 'content-type': 'application/json', accept: 'application/vc+jwt' };
  const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], credentialSubject: { id: 'did:web:member.example' } };
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

describe('the verification lane', () => {
  it('verifies a vc+jwt as Express does, with the security headers and a request id', async () => {
    const [lane, express] = await bothWays('/credentials/verify', { 'content-type': 'application/vc+jwt' }, jwt);
    expect(lane.status).toBe(200);
    expect(lane.body.verified).toBe(true);
    expect(comparable(lane)).toEqual(comparable(express));
    expect(lane.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    for (const name of ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options']) {
      expect(lane.headers[name], name).toBe(express.headers[name]);
    }
  });

  it('keeps a well-formed X-Request-Id of the caller', async () => {
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
  ])('answers %s as Express does', async (_name, contentType, body) => {
    const [lane, express] = await bothWays('/credentials/verify', { 'content-type': contentType }, body());
    expect(comparable(lane)).toEqual(comparable(express));
    if (lane.status >= 400 && lane.status !== 422) {
      expect(lane.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(typeof lane.body.code).toBe('string');
      expect(typeof lane.body.hint === 'string' || lane.body.errors !== undefined).toBe(true);
      expect(lane.body.requestId).toBe(lane.headers['x-request-id']);
    }
  });

  it('refuses a body that passes the limit while streaming, with no Content-Length to go by', async () => {
    const chunk = JSON.stringify({ verifiableCredential: 'x'.repeat(1500) });
    const answer = await send('/credentials/verify', { 'content-type': 'application/json', 'transfer-encoding': 'chunked' }, [chunk, chunk, chunk]);
    expect(answer.status).toBe(413);
    expect(answer.body.code).toBe('PAYLOAD_TOO_LARGE');
    expect(answer.headers['connection']).toBe('close');
    // A new connection is served: the service answers the next request.
    expect((await send('/credentials/verify', { 'content-type': 'application/vc+jwt' }, [jwt])).status).toBe(200);
  });

  it.each([
    ['the lane', '/credentials/verify'],
    ['Express', '/credentials/verify/'],
  ])('refuses a body announced over the limit through %s before reading it, and closes the connection', async (_way, path) => {
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
  });

  it('verifies a vp+jwt with the challenge and domain of the query, as Express does', async () => {
    const [lane, express] = await bothWays('/presentations/verify?challenge=c-123&domain=connector.example', { 'content-type': 'application/vp+jwt' }, vpJwt);
    expect(lane.status).toBe(200);
    expect(lane.body.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['challenge', 'domain']));
    expect(comparable(lane)).toEqual(comparable(express));
    const [wrongLane, wrongExpress] = await bothWays('/presentations/verify?challenge=replayed', { 'content-type': 'application/vp+jwt' }, vpJwt);
    expect(wrongLane.status).toBe(422);
    expect(wrongLane.body.checks.find((c: { check: string }) => c.check === 'challenge').code).toBe('CHALLENGE_MISMATCH');
    expect(comparable(wrongLane)).toEqual(comparable(wrongExpress));
  });

  it('leaves to Express what it does not read itself: compressed bodies, other charsets and media types', async () => {
    for (const headers of [
      { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      { 'content-type': 'application/json; charset=latin1' },
      { 'content-type': 'text/plain' },
    ]) {
      const answer = await send('/credentials/verify', { ...headers, 'content-length': '2' }, ['{}']);
      expect(answer.headers['etag'], JSON.stringify(headers)).toBeDefined();
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
    }
  });

  it('counts and logs its requests under the route, as the app does', async () => {
    await send('/credentials/verify', { 'content-type': 'application/vc+jwt' }, [jwt]);
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/gx_http_requests_total\{method="POST",route="\/credentials\/verify",status="200"\} [1-9]/);
  });
});

describe('the verification lane and the rate limit', () => {
  let limited: RunningService;
  beforeAll(async () => {
    limited = await startService({ GX_RATE_LIMIT_ANONYMOUS_MAX: '3' });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('counts lane and Express requests in one bucket per caller', async () => {
    const post = (path: string) => fetch(`${limited.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/vc+jwt' }, body: 'x.y.z' });
    const lane1 = await post('/credentials/verify');
    expect(lane1.headers.get('etag')).toBeNull();
    expect(lane1.headers.get('ratelimit')).toMatch(/^limit=3, remaining=2, reset=\d+$/);
    expect((await post('/credentials/verify/')).headers.get('ratelimit')).toMatch(/^limit=3, remaining=1, reset=\d+$/);
    expect((await post('/presentations/verify')).status).toBe(422);
    const over = await post('/credentials/verify');
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = (await over.json()) as { code: string; requestId: string };
    expect(problem.code).toBe('RATE_LIMITED');
    expect(problem.requestId).toBe(over.headers.get('x-request-id'));
    expect((await post('/credentials/verify/')).status).toBe(429);
  });
});
