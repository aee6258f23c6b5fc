/**
 * The Gaia-X compliance service's paths (/api/credential-offers/standard-compliance and
 * /label-level-{1,2,3}) read the presentation in every form POST /compliance reads, through the
 * same body reader: a compact VP-JWT as `application/vp+jwt` (what gaia-x-go and the Loire clients
 * send) or RFC 7519's generic `application/jwt`, and JSON: an EnvelopedVerifiablePresentation
 * (its `id` a data: URL of the VP-JWT, `application/vp+jwt` or, as the W3C suite writes it,
 * `application/jwt`) or a JSON-LD VP. Each answers as before: 201 with the label as a compact
 * vc+jwt (JSON when asked). A body of another media type is 415 naming every type these paths read;
 * an envelope whose `id` is not such a data: URL is 400 pointing at `/id`, not at the body.
 *
 * The Tagus-era path POST /api/credential-offers reads the same forms through the same reader (the
 * 22.10 service read its body raw, as a JWT or else as JSON) and answers JSON, as it does for a
 * JSON-LD VP. On every compliance path an EnvelopedVerifiablePresentation without the base context
 * is 400 at `/@context` (VCDM 2.0 §4.13.2), as the verify routes refuse it. A Gaia-X path answers
 * the label's JWT under the JWT media type asked for (no Accept at all: vc+jwt), with Vary: Accept.
 */
import { request } from 'node:http';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createParty, memberCredentials, startComplianceWorld, type ComplianceWorld } from '../compliance/fixtures.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const GAIA_X: [path: string, level: string][] = [
  ['/api/credential-offers/standard-compliance', 'SC'],
  ['/api/credential-offers/label-level-1', 'L1'],
];

let world: ComplianceWorld;
let vpJwt = '';

const envelope = (id: unknown) => ({ '@context': V2, type: 'EnvelopedVerifiablePresentation', id });

async function post(path: string, body: string, headers: Record<string, string>) {
  const response = await fetch(`${world.service.url}${path}`, { method: 'POST', headers: { ...world.auth, ...headers }, body });
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: await response.text() };
}

/** The label in a 201 answer: its level, once its media type is the one asked for. */
function labelLevelOf(answer: { status: number; contentType: string; text: string }, asJson = false): unknown {
  expect(answer.status, answer.text).toBe(201);
  expect(answer.contentType).toMatch(asJson ? /^application\/json/ : /^application\/vc\+jwt/);
  const jwt = asJson ? (JSON.parse(answer.text) as { jwt: string }).jwt : answer.text;
  const label = decodeJwt(jwt);
  expect(label['type']).toEqual(['VerifiableCredential', 'gx:LabelCredential']);
  return (label['credentialSubject'] as Record<string, unknown>)['gx:labelLevel'];
}

beforeAll(async () => {
  world = await startComplianceWorld();
  const member = await createParty(world.server, 'member', world.ca);
  vpJwt = await member.present(await memberCredentials(world, member));
});

afterAll(async () => {
  await world?.close();
});

describe.each(GAIA_X)('%s reads every form of a presentation POST /compliance reads', (path, level) => {
  it('a VP-JWT sent as application/jwt (RFC 7519\'s generic type): the label as vc+jwt', async () => {
    expect(labelLevelOf(await post(path, vpJwt, { 'content-type': 'application/jwt' }))).toBe(level);
  });

  it('an EnvelopedVerifiablePresentation of data:application/vp+jwt or data:application/jwt (as the W3C suite writes it): the label as vc+jwt, and as JSON when asked', async () => {
    for (const type of ['application/vp+jwt', 'application/jwt']) {
      const body = JSON.stringify(envelope(`data:${type},${vpJwt}`));
      expect(labelLevelOf(await post(path, body, { 'content-type': 'application/json' })), type).toBe(level);
      expect(labelLevelOf(await post(path, body, { 'content-type': 'application/json', accept: 'application/json' }), true), type).toBe(level);
    }
  });
});

describe('what the Gaia-X paths refuse', () => {
  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/vc+jwt'])('answers a body sent as %s 415, naming every media type the path reads', async (type) => {
    const answer = await post('/api/credential-offers/label-level-2', vpJwt, { 'content-type': type });
    expect(answer.status, answer.text).toBe(415);
    expect(answer.contentType).toMatch(/^application\/problem\+json/);
    const problem = JSON.parse(answer.text) as { code: string; pointer: string; detail: string; hint: string };
    expect(problem).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE', pointer: '' });
    for (const accepted of ['application/vp+jwt', 'application/jwt', 'application/json']) {
      expect(problem.detail, accepted).toContain(accepted);
      expect(problem.hint, accepted).toContain(`Content-Type: ${accepted}`);
    }
  });

  const BAD_IDS: [string, unknown][] = [
    ['a data: URL of text', 'data:text/plain,not a presentation'],
    ['a data: URL of an SD-JWT presentation', 'data:application/vp+sd-jwt,a.b.c~'],
    ['a data: URL of a credential', 'data:application/vc+jwt,a.b.c'],
    ['an https URL', 'https://member.example/presentations/1'],
    ['a data: URL holding no JWT', 'data:application/vp+jwt,not-a-jwt'],
    ['no string at all', 42],
  ];

  it.each(BAD_IDS)('answers an EnvelopedVerifiablePresentation whose id is %s 400 at /id, on a Gaia-X path and at POST /compliance', async (_name, id) => {
    for (const path of ['/api/credential-offers/standard-compliance', '/compliance']) {
      const answer = await post(path, JSON.stringify(envelope(id)), { 'content-type': 'application/json' });
      expect(answer.status, `${path}: ${answer.text}`).toBe(400);
      const problem = JSON.parse(answer.text) as { code: string; pointer: string; hint: string };
      expect(problem.code).toBe('INVALID_INPUT');
      expect(problem.pointer, path).toBe('/id');
      expect(problem.hint, path).toContain('data:application/vp+jwt,');
    }
  });

  it('answers POST /compliance\'s {presentation, options} sent to a Gaia-X path 400, naming the route that takes it', async () => {
    const answer = await post('/api/credential-offers/label-level-1', JSON.stringify({ presentation: vpJwt, options: { labelLevel: 'L1' } }), { 'content-type': 'application/json' });
    expect(answer.status, answer.text).toBe(400);
    const problem = JSON.parse(answer.text) as { code: string; pointer: string; hint: string };
    expect(problem).toMatchObject({ code: 'INVALID_INPUT', pointer: '' });
    expect(problem.hint).toContain('POST /compliance');
  });
});

/** A POST with exactly these headers: fetch would add an Accept of any type to a request that names none. */
function rawPost(path: string, body: string, headers: Record<string, string>): Promise<{ status: number; contentType: string; vary: string; text: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(path, world.service.url);
    const outgoing = request(target, { method: 'POST', headers: { ...world.auth, ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type'] ?? ''), vary: String(response.headers['vary'] ?? ''), text: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('POST /api/credential-offers reads what the Tagus (22.10) service read: a JWT, or else JSON', () => {
  it.each(['application/vp+jwt', 'application/vp+ld+jwt', 'application/jwt'])('a VP-JWT sent as %s: 201 with the label, as JSON', async (type) => {
    const answer = await post('/api/credential-offers', vpJwt, { 'content-type': type });
    expect(labelLevelOf(answer, true)).toBe('SC');
  });

  it('answers POST /compliance\'s {presentation, options} 400, naming the route that takes it', async () => {
    const answer = await post('/api/credential-offers', JSON.stringify({ presentation: vpJwt }), { 'content-type': 'application/json' });
    expect(answer.status, answer.text).toBe(400);
    const problem = JSON.parse(answer.text) as { code: string; pointer: string; hint: string };
    expect(problem).toMatchObject({ code: 'INVALID_INPUT', pointer: '' });
    expect(problem.hint).toContain('POST /compliance');
  });

  it('answers a body of another media type 415, naming JSON and the VP-JWT types it reads', async () => {
    const answer = await post('/api/credential-offers', vpJwt, { 'content-type': 'text/plain' });
    expect(answer.status, answer.text).toBe(415);
    const problem = JSON.parse(answer.text) as { code: string; detail: string; hint: string };
    expect(problem.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    for (const accepted of ['application/json', 'application/vp+jwt', 'application/jwt']) expect(problem.hint, accepted).toContain(`Content-Type: ${accepted}`);
  });
});

describe('an EnvelopedVerifiablePresentation\'s own @context on the compliance paths (VCDM 2.0 §4.13.2)', () => {
  const CONTEXTS: [string, unknown][] = [
    ['none', undefined],
    ['only the VCDM 1.1 context', 'https://www.w3.org/2018/credentials/v1'],
    ['a list without the base context', ['https://w3id.org/gaia-x/development#']],
  ];

  it.each(CONTEXTS)('answers one with %s 400 INVALID_INPUT at /@context, on every compliance path', async (_name, context) => {
    const body = JSON.stringify({ ...(context === undefined ? {} : { '@context': context }), type: 'EnvelopedVerifiablePresentation', id: `data:application/vp+jwt,${vpJwt}` });
    for (const path of ['/api/credential-offers/standard-compliance', '/api/credential-offers', '/compliance']) {
      const answer = await post(path, body, { 'content-type': 'application/json' });
      expect(answer.status, `${path}: ${answer.text}`).toBe(400);
      const problem = JSON.parse(answer.text) as { code: string; pointer: string; detail: string; hint: string };
      expect(problem, path).toMatchObject({ code: 'INVALID_INPUT', pointer: '/@context' });
      expect(problem.detail, path).toContain(V2);
      expect(problem.hint, path).toContain(`"@context": "${V2}"`);
    }
  });
});

describe('what a Gaia-X path answers for each Accept', () => {
  it('no Accept header at all (as gaia-x-go sends): the compact vc+jwt, with Vary: Accept', async () => {
    const answer = await rawPost('/api/credential-offers/label-level-1', vpJwt, { 'content-type': 'application/vp+jwt' });
    expect(labelLevelOf(answer)).toBe('L1');
    expect(answer.vary).toMatch(/\baccept\b/i);
  });

  it.each(['application/vc+ld+json+jwt', 'application/vc+ld+jwt', 'application/jwt'])('Accept: %s (another JWT type of the label): the same compact JWT, named by the type asked for', async (type) => {
    const answer = await rawPost('/api/credential-offers/standard-compliance', vpJwt, { 'content-type': 'application/vp+jwt', accept: type });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.contentType.split(';')[0]).toBe(type);
    expect(answer.vary).toMatch(/\baccept\b/i);
    const label = decodeJwt(answer.text);
    expect(label['type']).toEqual(['VerifiableCredential', 'gx:LabelCredential']);
  });

  it('Accept: application/vc+ld+json (a form the label does not have): the vc+jwt, the header disregarded, with Vary: Accept', async () => {
    const answer = await rawPost('/api/credential-offers/standard-compliance', vpJwt, { 'content-type': 'application/vp+jwt', accept: 'application/vc+ld+json' });
    expect(labelLevelOf(answer)).toBe('SC');
    expect(answer.vary).toMatch(/\baccept\b/i);
  });
});
