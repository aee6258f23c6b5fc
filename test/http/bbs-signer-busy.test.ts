/**
 * The bound on the BBS signing thread's queue (GX_BBS_QUEUE_MAX): bbs-2023 base proofs are signed
 * on one thread, one at a time, so a burst of issuances used to make every later one wait for all
 * of them. Past the bound an issuance is refused at once, over HTTP, with 503 SIGNER_BUSY and
 * Retry-After, and nothing is recorded for it; once the queue drains, issuance works again. Every
 * signature here is a real BBS signature made by the service's thread.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricValue, postJson, startService, type RunningService } from '../helpers/service.js';

const VCDM2 = 'https://www.w3.org/ns/credentials/v2';
const QUEUE_MAX = 2;

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_BBS_QUEUE_MAX: String(QUEUE_MAX), GX_RESULT_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await svc?.close();
});

const credential = (id: string) => ({
  '@context': [VCDM2, { '@vocab': 'https://gx-trust.example/vocab#' }],
  id,
  type: ['VerifiableCredential'],
  issuer: svc.service.keyring.did,
  credentialSubject: { id: 'did:web:member.example', legalName: 'Example GmbH', country: 'DE' },
});
const issue = (id: string) => postJson(`${svc.url}/credentials/issue`, { credential: credential(id), options: { cryptosuite: 'bbs-2023' } }, auth());

const metric = (name: string) => metricValue(svc.url, name);

/**
 * Keeps the signing thread's queue full with signatures of the service's own key: one being made
 * and QUEUE_MAX waiting. Each chain asks for its next signature in the continuation of the one the
 * thread just answered, in the same turn of the event loop, so no request reaching the signer in
 * between ever finds room (no timing is relied on).
 */
function fillQueue(): { stop(): Promise<number> } {
  const signer = svc.service.keyring.bbsKey()!.signer();
  const input = { header: new Uint8Array([1, 2, 3]), messages: [new TextEncoder().encode('filler'), new TextEncoder().encode(randomUUID())] };
  let filling = true;
  let signed = 0;
  const chain = async () => {
    while (filling) {
      const signature = await signer.multisign(input);
      expect(signature.length).toBeGreaterThan(0);
      signed += 1;
    }
  };
  const chains = Array.from({ length: QUEUE_MAX + 1 }, chain);
  return {
    async stop() {
      filling = false;
      await Promise.all(chains);
      return signed;
    },
  };
}

describe('a full BBS signing queue', () => {
  it('refuses the next bbs-2023 issuance with 503 SIGNER_BUSY and Retry-After, records nothing, and issues again once drained', async () => {
    const auditBefore = await svc.service.store.auditSize();
    const refusedId = `urn:uuid:${randomUUID()}`;
    const filler = fillQueue();
    let refused: Awaited<ReturnType<typeof postJson>> & { retryAfter: string | null };
    try {
      const response = await fetch(`${svc.url}/credentials/issue`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth() },
        body: JSON.stringify({ credential: credential(refusedId), options: { cryptosuite: 'bbs-2023' } }),
      });
      const text = await response.text();
      refused = { status: response.status, contentType: response.headers.get('content-type') ?? '', body: JSON.parse(text), text, retryAfter: response.headers.get('retry-after') };
    } finally {
      expect(await filler.stop()).toBeGreaterThanOrEqual(QUEUE_MAX + 1);
    }
    expect(refused.status, refused.text).toBe(503);
    expect(refused.contentType).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ status: 503, code: 'SIGNER_BUSY', title: 'Signer busy', hint: expect.stringContaining('Retry-After') });
    expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1);

    // Nothing of the refused issuance was recorded.
    expect(await svc.service.store.getCredential(refusedId)).toBeFalsy();
    expect(await svc.service.store.auditEntriesForSubject(refusedId)).toEqual([]);
    expect(await svc.service.store.auditSize()).toBe(auditBefore);
    expect(await metric('gx_bbs_signatures_shed_total')).toBe(1);
    expect(await metric('gx_bbs_signatures_queued')).toBe(0);
    expect(await metric('gx_bbs_signature_wait_seconds_count')).toBeGreaterThanOrEqual(QUEUE_MAX + 1);

    // The queue drained: the same issuance is signed and recorded, and its derivation verifies.
    const issued = await issue(refusedId);
    expect(issued.status, issued.text).toBe(201);
    expect(issued.body.verifiableCredential.proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'bbs-2023' });
    expect(await svc.service.store.getCredential(refusedId)).toBeTruthy();
    expect(await svc.service.store.auditEntriesForSubject(refusedId)).toHaveLength(1);
    const derived = await postJson(`${svc.url}/credentials/derive`, { verifiableCredential: issued.body.verifiableCredential, options: { selectivePointers: ['/credentialSubject/legalName'] } }, auth());
    expect(derived.status, derived.text).toBe(201);
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: derived.body.verifiableCredential }, auth());
    expect(verified.status, verified.text).toBe(200);
    expect(verified.body.verified, verified.text).toBe(true);
  });
});
