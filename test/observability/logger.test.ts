/**
 * Log lines are JSON, carry the request id the caller sees, and never hold an API key, the
 * Authorization header, a private key or the credential sent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleBody, examples } from '../../src/http/openapi/examples.js';
import { createLogger, requestLogger } from '../../src/observability/logger.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const lines: string[] = [];
const sink = new Writable({
  write(chunk, _encoding, done) {
    lines.push(...String(chunk).split('\n').filter((l) => l.length > 0));
    done();
  },
});

let svc: RunningService;
beforeAll(async () => {
  svc = await startService({ GX_LOG_LEVEL: 'info' }, { logDestination: sink });
});
afterAll(async () => {
  await svc?.close();
});

describe('request logs', () => {
  it('writes one JSON line per request with the X-Request-Id, and no key, header or credential', async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, exampleBody(examples.issueCredential.body, svc.service.keyring.did), { authorization: `Bearer ${svc.apiKey}`, 'x-request-id': 'issue-request-0001' });
    expect(issued.status, issued.text).toBe(201);
    const credential = issued.body.verifiableCredential;
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: credential });
    expect(verified.status).toBe(200);
    // A query challenge beside a JSON body is refused (400 at /challenge), and logged without its query.
    const withQuery = await postJson(`${svc.url}/credentials/verify?challenge=secret-challenge-value`, { verifiableCredential: credential });
    expect(withQuery.status).toBe(400);
    const rejected = await postJson(`${svc.url}/credentials/issue`, { credential: 1 }, { authorization: `Bearer ${svc.apiKey}` });
    expect(rejected.status).toBe(400);

    const records = lines.map((line) => JSON.parse(line) as Record<string, any>);
    const requests = records.filter((r) => r.req !== undefined);
    expect(requests.length).toBeGreaterThanOrEqual(3);
    for (const record of requests) {
      expect(typeof record.reqId).toBe('string');
      expect(typeof record.level).toBe('string');
    }
    const issueLine = requests.find((r) => r.reqId === 'issue-request-0001');
    expect(issueLine?.res.route).toBe('/credentials/issue');
    expect(issueLine?.res.statusCode).toBe(201);
    expect(issueLine?.res.actor).toMatch(/^api-key:[0-9a-f]{16}$/);
    expect(issueLine?.req.contentLength).toBeGreaterThan(0);
    expect(requests.find((r) => r.reqId === rejected.body.requestId)?.level).toBe('warn');

    const all = lines.join('\n');
    // The private key's PEM body, as any line of it would appear.
    const privatePem = readFileSync(join(svc.service.config.keysDir, 'ed25519.key.pem'), 'utf8');
    const privateBase64 = privatePem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----')).join('');
    expect(privateBase64.length).toBeGreaterThan(40);
    for (const secret of [svc.apiKey, `Bearer ${svc.apiKey}`, 'secret-challenge-value', credential.proof.proofValue, privateBase64]) {
      expect(all, 'a log line holds a secret or a credential').not.toContain(secret);
    }
    expect(all.toLowerCase()).not.toContain('authorization');
  });
});

describe('createLogger()', () => {
  it('redacts keys and bodies that code logs by mistake', () => {
    const captured: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void captured.push(line) } });
    logger.info({ apiKey: 'gxdev_secret', body: { credential: 'x' }, key: { privateKeyMultibase: 'z1secret', d: 'secret-d' } }, 'oops');
    const line = captured.join('');
    for (const secret of ['gxdev_secret', 'z1secret', 'secret-d', '"credential"']) expect(line).not.toContain(secret);
    expect(JSON.parse(line).apiKey).toBe('[redacted]');
  });
});

describe('requestLogger()', () => {
  it('gives an error logged while answering the request id of that answer, redacted as any line', () => {
    const captured: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void captured.push(line) } });
    requestLogger(logger, 'request-id-0042').error({ err: new Error('boom'), apiKey: 'gxdev_secret' }, 'request failed');
    requestLogger(logger, undefined).error('outside a request');
    const [inside, outside] = captured.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(inside?.['reqId']).toBe('request-id-0042');
    expect(inside?.['apiKey']).toBe('[redacted]');
    expect(outside?.['reqId']).toBeUndefined();
  });
});
