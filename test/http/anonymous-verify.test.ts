/**
 * GX_ANONYMOUS_VERIFY=false: the verify endpoints answer only callers with an API key (any role),
 * on both ways in (the fast dispatch and, for other spellings of the path, Express). Open by
 * default: test/http/roles.test.ts has verify answering every caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
let connectorKey: string;
const credential = { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiableCredential'], issuer: 'did:web:x.example', credentialSubject: { id: 'did:web:subject.example' } };

beforeAll(async () => {
  svc = await startService({ GX_ANONYMOUS_VERIFY: 'false' });
  const admin = { authorization: `Bearer ${svc.apiKey}` };
  const member = await postJson(`${svc.url}/members`, { slug: 'connector-ag', name: 'Connector AG' }, admin);
  const key = await postJson(`${svc.url}/members/${member.body.id}/api-keys`, { role: 'connector' }, admin);
  expect(key.status, key.text).toBe(201);
  connectorKey = key.body.apiKey;
});
afterAll(async () => {
  await svc?.close();
});

describe.each([
  ['/credentials/verify', { verifiableCredential: credential }],
  ['/credentials/verify/', { verifiableCredential: credential }],
  ['/presentations/verify', { verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] } }],
  ['/presentations/verify/', { verifiablePresentation: { '@context': ['https://www.w3.org/ns/credentials/v2'], type: ['VerifiablePresentation'] } }],
])('POST %s with GX_ANONYMOUS_VERIFY=false', (path, body) => {
  it('refuses a caller without an API key with 401', async () => {
    const answer = await postJson(`${svc.url}${path}`, body);
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('UNAUTHORIZED');
  });

  it('refuses a made-up key with 401', async () => {
    const answer = await postJson(`${svc.url}${path}`, body, { authorization: `Bearer gx_${'B'.repeat(43)}` });
    expect(answer.status).toBe(401);
  });

  it('verifies for a connector (the report: 422 for this proofless document)', async () => {
    const answer = await postJson(`${svc.url}${path}`, body, { authorization: `Bearer ${connectorKey}` });
    expect(answer.status).toBe(422);
    expect(answer.body.verified).toBe(false);
  });
});
