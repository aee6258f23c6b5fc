/**
 * The ignored-result case, end to end: jsonld-signatures (under @digitalbazaar/vc) reports a proof
 * that does not verify as `{verified: false}` and throws nothing, and the status check reports a
 * list it cannot trust as a failed check, so a handler that only catches errors answers 200. Each
 * place where such a result arrives must turn it into a refusal: POST /credentials/verify on both
 * ways in (the verification lane, and Express for a compressed body), with the proof checked on a
 * worker thread and in the main thread; a presentation whose own proof verifies but which holds a
 * credential whose proof does not; and a status list whose signature does not verify. Every answer
 * is 422 with `verified: false`, never 200.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/credentials/index.js';
import { encodeStatusList } from '../../src/status-lists/credential.js';
import { credentialListedAt, MIN_LIST_BYTES, signedRevocationList, startStatusListHost, type StatusListHost } from '../helpers/status-list-host.js';
import { postJson, startService, type RunningService } from '../helpers/service.js';

const V2 = 'https://www.w3.org/ns/credentials/v2';
const GX_CONTEXT = 'https://w3id.org/gaia-x/development#';

let pooled: RunningService;
let inThread: RunningService;

beforeAll(async () => {
  // No result cache: every verification reaches the libraries.
  pooled = await startService({ GX_RESULT_CACHE_SECONDS: '0', GX_WORKERS: '1' });
  inThread = await startService({ GX_RESULT_CACHE_SECONDS: '0', GX_WORKERS: '0' });
});
afterAll(async () => {
  await Promise.all([pooled?.close(), inThread?.close()]);
});

const admin = (svc: RunningService) => ({ authorization: `Bearer ${svc.apiKey}` });
const checkOf = (report: any, name: string) => report.checks.find((c: { check: string }) => c.check === name);

/** A Data Integrity credential of `svc`, with a signed field changed after signing. */
async function tamperedCredential(svc: RunningService, cryptosuite = 'eddsa-rdfc-2022'): Promise<JsonObject> {
  const credential = { '@context': [V2, GX_CONTEXT], type: ['VerifiableCredential'], issuer: svc.service.keyring.did, credentialSubject: { id: 'did:web:member.example', 'gx:countryCode': 'DE' } };
  const issued = await postJson(`${svc.url}/credentials/issue`, { credential, options: { format: 'ldp_vc', cryptosuite } }, admin(svc));
  expect(issued.status, issued.text).toBe(201);
  const vc = issued.body.verifiableCredential;
  vc.credentialSubject['gx:countryCode'] = 'FR';
  return vc;
}

/** The proof failed as a result, not as an error: the signature does not verify. */
function expectProofRefused(answer: { status: number; body: any; text: string }): void {
  expect(answer.status, answer.text).toBe(422);
  expect(answer.body.verified).toBe(false);
  expect(checkOf(answer.body, 'key-binding')).toMatchObject({ verified: true });
  expect(checkOf(answer.body, 'proof')).toMatchObject({ verified: false, code: 'INVALID_SIGNATURE' });
}

describe.each([
  ['on a worker thread', () => pooled],
  ['in the main thread', () => inThread],
])('a Data Integrity proof that does not verify, checked %s', (_where, service) => {
  it.each([['eddsa-rdfc-2022'], ['ecdsa-rdfc-2019'], ['Ed25519Signature2020']])('%s: POST /credentials/verify answers 422 through the verification lane', async (cryptosuite) => {
    const svc = service();
    expectProofRefused(await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await tamperedCredential(svc, cryptosuite) }));
  });

  it('POST /credentials/verify answers 422 through Express too (a gzip body, which the lane leaves to it)', async () => {
    const svc = service();
    const body = gzipSync(JSON.stringify({ verifiableCredential: await tamperedCredential(svc) }));
    const response = await fetch(`${svc.url}/credentials/verify`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    const text = await response.text();
    expectProofRefused({ status: response.status, body: JSON.parse(text), text });
  });

  it('POST /presentations/verify answers 422 for a well-signed presentation holding the credential', async () => {
    const svc = service();
    const proved = await postJson(
      `${svc.url}/presentations/prove`,
      { presentation: { '@context': [V2], type: ['VerifiablePresentation'], verifiableCredential: [await tamperedCredential(svc)] }, options: { format: 'ldp_vp', challenge: 'c-1' } },
      admin(svc),
    );
    expect(proved.status, proved.text).toBe(201);
    const answer = await postJson(`${svc.url}/presentations/verify`, { verifiablePresentation: proved.body.verifiablePresentation, options: { challenge: 'c-1' } });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.verified).toBe(false);
    // The presentation's own checks all passed: only the held credential's result refuses it.
    expect(answer.body.checks.filter((c: { verified: boolean }) => !c.verified)).toEqual([]);
    expect(answer.body.credentials).toHaveLength(1);
    expectProofRefused({ status: 422, body: answer.body.credentials[0], text: answer.text });
  });
});

describe('a status list whose proof does not verify', () => {
  let lists: StatusListHost;
  let listUrl: string;

  beforeAll(async () => {
    lists = await startStatusListHost();
    listUrl = lists.url('/lists/tampered');
  });
  afterAll(async () => {
    await lists?.close();
  });

  it.each([
    ['on a worker thread', () => pooled],
    ['in the main thread', () => inThread],
  ])('fails the status check (checked %s) with STATUS_VERIFICATION_ERROR: 422, never "not revoked"', async (_where, service) => {
    const svc = service();
    // The issuer's list, signed, then its bit for index 5 cleared by someone else: that the
    // credential was revoked is exactly what such an edit would hide.
    const revoked = new Uint8Array(MIN_LIST_BYTES);
    revoked[0] = 0b0000_0100;
    const signed = await signedRevocationList(svc.service, listUrl, { format: 'ldp_vc', bits: revoked });
    const list = signed.verifiableCredential;
    const tampered = { ...list, credentialSubject: { ...(list['credentialSubject'] as JsonObject), encodedList: encodeStatusList(new Uint8Array(MIN_LIST_BYTES)) } };
    lists.routes.set('/lists/tampered', (res) => res.writeHead(200, { 'content-type': 'application/vc+ld+json' }).end(JSON.stringify(tampered)));

    const answer = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: await credentialListedAt(svc.service, listUrl, '5') });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.body.verified).toBe(false);
    expect(checkOf(answer.body, 'proof')).toMatchObject({ verified: true });
    expect(checkOf(answer.body, 'status')).toMatchObject({ verified: false, code: 'STATUS_VERIFICATION_ERROR' });
    expect(checkOf(answer.body, 'status').message).toContain('does not verify (proof:');
  });
});
