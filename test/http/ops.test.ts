/** /ready, /metrics and the request id in problem+json answers, over real HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleBody, examples } from '../../src/http/openapi/examples.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

/** The value of one sample of the Prometheus text format, or undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{')) continue;
    const body = line.slice(name.length + 1, line.lastIndexOf('}'));
    if (Object.entries(labels).every(([k, v]) => body.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('GET /metrics', () => {
  it('counts requests per route pattern and times each verification check after a verify', async () => {
    // Issued elsewhere, so that verifying here resolves the issuer's did:web over loopback HTTP.
    const issuer = await startService();
    let verified;
    try {
      const issued = await postJson(`${issuer.url}/credentials/issue`, exampleBody(examples.issueCredential.body, issuer.service.keyring.did), { authorization: `Bearer ${issuer.apiKey}` });
      expect(issued.status, issued.text).toBe(201);
      verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: issued.body.verifiableCredential });
    } finally {
      await issuer.close();
    }
    expect(verified.status, verified.text).toBe(200);
    await fetch(`${svc.url}/status-lists/does-not-exist`);

    const response = await fetch(`${svc.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();

    expect(sample(text, 'gx_http_requests_total', { method: 'POST', route: '/credentials/verify', status: '200' })).toBe(1);
    expect(sample(text, 'gx_http_request_duration_seconds_count', { method: 'POST', route: '/credentials/verify' })).toBe(1);
    // The route pattern, never the raw path: cardinality stays bounded.
    expect(sample(text, 'gx_http_requests_total', { route: '/status-lists/:id', status: '404' })).toBe(1);
    expect(text).not.toContain('does-not-exist');

    expect(sample(text, 'gx_verifications_total', { kind: 'credential', format: 'eddsa-rdfc-2022', result: 'verified' })).toBe(1);
    for (const check of ['proof', 'validity', 'status']) {
      expect(sample(text, 'gx_verification_checks_total', { kind: 'credential', check, result: 'passed' }), check).toBeGreaterThanOrEqual(1);
    }
    for (const check of ['proof', 'status', 'did-resolution']) {
      expect(sample(text, 'gx_verification_check_duration_seconds_count', { check }), check).toBeGreaterThanOrEqual(1);
    }
    expect(sample(text, 'gx_cache_lookups_total', { cache: 'did', result: 'miss' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });

  it('counts verification result cache lookups: a miss, then a hit for the same credential', async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, exampleBody(examples.issueCredential.body, svc.service.keyring.did), { authorization: `Bearer ${svc.apiKey}` });
    expect(issued.status, issued.text).toBe(201);
    const lookups = async () => {
      const text = await (await fetch(`${svc.url}/metrics`)).text();
      const count = (result: string) => sample(text, 'gx_cache_lookups_total', { cache: 'verification-result', result }) ?? 0;
      return { hit: count('hit'), miss: count('miss') };
    };
    const verify = async () => {
      const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: issued.body.verifiableCredential });
      expect(verified.status, verified.text).toBe(200);
    };
    // Each verification looks up the credential and, through the status check, its status list
    // credential: the first misses (the list may already be cached), the second only hits.
    const before = await lookups();
    await verify();
    const first = await lookups();
    expect(first.hit - before.hit).toBeLessThanOrEqual(1);
    expect(first.miss - before.miss).toBeGreaterThanOrEqual(1);
    await verify();
    const second = await lookups();
    expect(second.miss).toBe(first.miss);
    expect(second.hit - first.hit).toBeGreaterThanOrEqual(1);
  });

  it('keeps each service instance\'s metrics apart', async () => {
    const other = await startService();
    try {
      const text = await (await fetch(`${other.url}/metrics`)).text();
      expect(sample(text, 'gx_http_requests_total', { route: '/credentials/verify' })).toBeUndefined();
    } finally {
      await other.close();
    }
  });

  it('is absent when GX_METRICS_ENABLED=false', async () => {
    const other = await startService({ GX_METRICS_ENABLED: 'false' });
    try {
      const response = await fetch(`${other.url}/metrics`);
      expect(response.status).toBe(404);
    } finally {
      await other.close();
    }
  });
});

describe('GET /ready', () => {
  it('answers 200 when the store answers and keys are loaded, and 503 problem+json once the store is closed', async () => {
    const other = await startService();
    try {
      const ready = await fetch(`${other.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', checks: { store: 'ok' } });

      await other.service.store.close();
      const notReady = await fetch(`${other.url}/ready`);
      expect(notReady.status).toBe(503);
      expect(notReady.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await notReady.json()) as { code: string; requestId: string };
      expect(problem.code).toBe('NOT_READY');
      expect(problem.requestId).toBe(notReady.headers.get('x-request-id'));
      // Liveness is not readiness: the process still answers.
      expect((await fetch(`${other.url}/health`)).status).toBe(200);
    } finally {
      await other.close().catch(() => {});
    }
  });
});

describe('request ids', () => {
  it('puts the X-Request-Id in every problem+json answer', async () => {
    const response = await postJson(`${svc.url}/credentials/issue`, { credential: 1 }, { authorization: `Bearer ${svc.apiKey}` });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('INVALID_INPUT');
    expect(response.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps a well-formed incoming X-Request-Id and replaces a malformed one', async () => {
    const kept = await fetch(`${svc.url}/nowhere`, { headers: { 'x-request-id': 'trace-0123456789abcdef' } });
    expect(kept.headers.get('x-request-id')).toBe('trace-0123456789abcdef');
    expect(((await kept.json()) as { requestId: string }).requestId).toBe('trace-0123456789abcdef');

    const replaced = await fetch(`${svc.url}/nowhere`, { headers: { 'x-request-id': 'bad id\twith "quotes"' } });
    expect(replaced.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
