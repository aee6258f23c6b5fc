/**
 * Bodies that are malformed on the wire, on routes of each kind: a content coding gx-trust does
 * not read is 415 with Accept-Encoding (RFC 9110 §12.5.3); bytes that do not decode as the coding
 * they claim, and JSON nested deeper than any accepted input, are 400 problem+json. None of them is
 * ever a 500.
 */
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { CompactSign } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertJsonInput as assertJsonLimits, MAX_INPUT_DEPTH as MAX_JSON_DEPTH } from '../../src/json-input.js';
import { GxTrustError } from '../../src/errors.js';
import { startService, type RunningService } from '../helpers/service.js';
import { makeIssuer } from '../formats/jose/fixtures.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

async function post(path: string, body: Buffer | string, headers: Record<string, string>) {
  const response = await fetch(`${svc.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${svc.apiKey}`, ...headers },
    body,
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    acceptEncoding: response.headers.get('accept-encoding'),
    body: text.startsWith('{') ? JSON.parse(text) : text,
  };
}

/** Routes of each kind: verification, open, authenticated. */
const PATHS = ['/credentials/verify', '/presentations/verify', '/danube/validate', '/credentials/issue', '/participants', '/members'];
const JSON_TYPE = { 'content-type': 'application/json' };

/** 100,000 nested arrays: 200 KB, under the default body limit of 256 KiB. */
const DEEP_ARRAYS = '['.repeat(100_000) + ']'.repeat(100_000);

describe('Content-Encoding', () => {
  it.each(PATHS.flatMap((path) => [
    [path, 'gzip'],
    [path, 'deflate'],
    [path, 'br'],
  ]))('%s: bytes that are not %s are 400 INVALID_INPUT, not 500', async (path, coding) => {
    const response = await post(path, 'this is not compressed', { ...JSON_TYPE, 'content-encoding': coding });
    expect(response.status).toBe(400);
    expect(response.contentType).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ code: 'INVALID_INPUT', detail: `the request body is not valid ${coding} data`, pointer: '' });
  });

  it.each(PATHS.flatMap((path) => [
    [path, 'x-unknown'],
    [path, 'gzip, gzip'],
    [path, 'compress'],
  ]))('%s: the coding %s is 415 UNSUPPORTED_MEDIA_TYPE naming the codings accepted', async (path, coding) => {
    const response = await post(path, '{}', { ...JSON_TYPE, 'content-encoding': coding });
    expect(response.status).toBe(415);
    expect(response.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.acceptEncoding).toBe('gzip, deflate, br');
  });

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('a %s body that decodes is read as usual', async (coding, compress) => {
    const response = await post('/danube/validate', compress(Buffer.from('[]')), { ...JSON_TYPE, 'content-encoding': coding });
    expect(response.status, JSON.stringify(response.body)).not.toBeGreaterThanOrEqual(500);
    expect(response.body.code).not.toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('deep nesting', () => {
  it.each(PATHS)('%s: 100,000 nested arrays are 400 with the pointer of the first value too deep', async (path) => {
    const response = await post(path, `{"x":${DEEP_ARRAYS}}`, JSON_TYPE);
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_INPUT');
    expect(response.body.detail).toBe(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
    expect(response.body.pointer).toBe(`/x${'/0'.repeat(MAX_JSON_DEPTH - 1)}`);
  });

  it.each(PATHS)('%s: 30,000 nested objects are 400', async (path) => {
    const response = await post(path, '{"a":'.repeat(30_000) + '1' + '}'.repeat(30_000), JSON_TYPE);
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/nests deeper than/);
  });

  it('a gzip body that inflates to deep nesting is 400 as well', async () => {
    const response = await post('/credentials/verify', gzipSync(`{"verifiableCredential":${DEEP_ARRAYS}}`), { ...JSON_TYPE, 'content-encoding': 'gzip' });
    expect(response.status).toBe(400);
    expect(response.body.detail).toMatch(/nests deeper than/);
  });

  describe('inside a signed JWT payload', () => {
    let jwt: string;
    beforeAll(async () => {
      const issuer = makeIssuer('ES256');
      // 60,000 levels: 160 KB once base64url-encoded, under the body limit.
      const deep = '['.repeat(60_000) + ']'.repeat(60_000);
      const payload = `{"@context":["https://www.w3.org/ns/credentials/v2"],"type":["VerifiableCredential"],"issuer":"${issuer.did}","credentialSubject":{"id":"did:web:member.example","deep":${deep}}}`;
      jwt = await new CompactSign(new TextEncoder().encode(payload)).setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', kid: issuer.kid }).sign(issuer.privateKey);
    });

    it('POST /credentials/verify reports a failed format check (422), not 500', async () => {
      const response = await post('/credentials/verify', jwt, { 'content-type': 'application/vc+jwt' });
      expect(response.status).toBe(422);
      expect(response.body.checks[0]).toMatchObject({ check: 'format', verified: false, code: 'INVALID_INPUT', message: `the JWS payload nests deeper than ${MAX_JSON_DEPTH} levels` });
    });

    it('POST /danube/validate answers 400, pointing at the JWT', async () => {
      const response = await post('/danube/validate', JSON.stringify([jwt]), JSON_TYPE);
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/0' });
      expect(response.body.detail).toMatch(new RegExp(`^in the JWT payload at /credentialSubject/deep(/0)+: the input nests deeper than ${MAX_JSON_DEPTH} levels$`));
    });
  });
});

describe('assertJsonInput()', () => {
  const nested = (levels: number): unknown => JSON.parse('['.repeat(levels) + ']'.repeat(levels));

  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    expect(() => assertJsonLimits(nested(MAX_JSON_DEPTH))).not.toThrow();
    expect(() => assertJsonLimits(nested(MAX_JSON_DEPTH + 1))).toThrow(GxTrustError);
  });

  it('points at the first value too deep, through object members and array items', () => {
    const value = { ok: [1, 2], deep: [{ a: nested(MAX_JSON_DEPTH) }] };
    try {
      assertJsonLimits(value);
      expect.unreachable();
    } catch (error) {
      expect((error as GxTrustError).pointer).toBe(`/deep/0/a${'/0'.repeat(MAX_JSON_DEPTH - 3)}`);
    }
  });
});
