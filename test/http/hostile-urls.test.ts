/**
 * Request lines and bodies built to make a parser work, over HTTP:
 * - the ReDoS case: path-to-regexp before 0.1.10/8.0 backtracks exponentially on a route with two
 *   parameters in one segment (`/:a-:b`) given `/a-a-a-...`, and body-parser's urlencoded parser
 *   before 1.20.3 spent seconds on deep `a[a][a]...` keys. No route of gx-trust has two parameters
 *   in one segment, no urlencoded parser is mounted, and each route given a 16 KB parameter of
 *   `a-a-a...` (and an unknown path of the same) answers with a problem, not a stall: the service
 *   answers the next request. How long it takes is measured by `npm run bench`, not asserted here;
 * - prototype keys in a query string (`a[__proto__][polluted]=1`, `a[length]=1e8`): the query
 *   parser is Node's flat one, so nothing global changes and no array is grown.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoutes } from '../helpers/express-routes.js';
import { startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** node:http, so the request line goes out exactly as written (fetch would normalise it). */
function send(method: string, path: string, body?: string, contentType?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${svc.apiKey}` };
    if (contentType !== undefined) headers['content-type'] = contentType;
    const req = request({ host: '127.0.0.1', port: svc.port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The row's input: `a` followed by `-a` 8000 times (16,001 characters). */
const HOSTILE_SEGMENT = 'a' + '-a'.repeat(8000);

/** Every route of the app, as `METHOD /path`. */
const routes = () => appRoutes(svc.service.app).map((route) => {
  const [method = '', path = ''] = route.split(' ');
  return { method: method.toUpperCase(), path };
});

function expectProblemAnswer(answer: Answer, label: string): void {
  expect(answer.status, `${label}: ${answer.body.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
  expect(answer.status, label).toBeLessThan(500);
  expect(answer.contentType, label).toContain('application/problem+json');
}

async function expectStillAnswering(): Promise<void> {
  expect((await send('GET', '/health')).status).toBe(200);
}

describe('the ReDoS case: hostile paths', () => {
  it('no route has two parameters in one path segment, the form path-to-regexp backtracked on', () => {
    const all = routes();
    expect(all.length).toBeGreaterThan(20);
    for (const { method, path } of all) {
      for (const segment of path.split('/')) {
        expect((segment.match(/[:*]/g) ?? []).length, `${method} ${path}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it('answers a 16 KB parameter of a-a-a... on every route that takes one with a problem, and keeps answering', async () => {
    const parametric = routes().filter(({ path }) => path.includes(':'));
    expect(parametric.length).toBeGreaterThan(5);
    for (const { method, path } of parametric) {
      // The first parameter gets the hostile value; any other a short one, to stay within Node's 16 KiB of headers.
      let first = true;
      const hostile = path.replace(/:[A-Za-z]+/g, () => {
        const value = first ? HOSTILE_SEGMENT : 'x';
        first = false;
        return value;
      });
      expectProblemAnswer(await send(method, hostile), `${method} ${path}`);
    }
    await expectStillAnswering();
  });

  it.each([['GET'], ['POST']])('answers %s of an unknown path /a-a-a... with 404', async (method) => {
    const answer = await send(method, `/${HOSTILE_SEGMENT}`);
    expectProblemAnswer(answer, method);
    expect(answer.status).toBe(404);
    await expectStillAnswering();
  });
});

describe('the ReDoS case: a urlencoded body', () => {
  const NESTED = 'a' + '[a]'.repeat(5000) + '=1&b[__proto__][polluted]=1';

  it('is read by no parser on any route that takes a body: 400 or 415, and nothing global changes', async () => {
    const posts = routes().filter(({ method }) => method === 'POST');
    expect(posts.length).toBeGreaterThan(10);
    for (const { path } of posts) {
      const concrete = path.replace(/:[A-Za-z]+/g, 'x');
      const answer = await send('POST', concrete, NESTED, 'application/x-www-form-urlencoded');
      expectProblemAnswer(answer, `POST ${path}`);
      expect([400, 404, 415], `POST ${path}: ${answer.body.slice(0, 200)}`).toContain(answer.status);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    await expectStillAnswering();
  });

  it('is 415 UNSUPPORTED_MEDIA_TYPE on the verify routes, the lane leaving it to Express', async () => {
    for (const path of ['/credentials/verify', '/presentations/verify']) {
      const answer = await send('POST', path, NESTED, 'application/x-www-form-urlencoded');
      expect(answer.status).toBe(415);
      expect(JSON.parse(answer.body)).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    }
  });
});

describe('prototype keys in a query string', () => {
  const QUERY = 'a[__proto__][polluted]=1&a[length]=100000000&__proto__[polluted]=1&constructor[prototype][polluted]=1';

  it.each([
    ['GET', '/audit/entries'],
    ['GET', '/health'],
    ['POST', '/credentials/verify'],
    ['POST', '/presentations/verify'],
    ['POST', '/compliance'],
  ])('%s %s?... changes nothing global, and is answered', async (method, path) => {
    const answer = await send(method, `${path}?${QUERY}`, method === 'POST' ? 'eyJhbGciOiJub25lIn0.e30.' : undefined, method === 'POST' ? 'application/vc+jwt' : undefined);
    expect(answer.status, answer.body.slice(0, 200)).toBeLessThan(500);
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});
