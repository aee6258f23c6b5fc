/**
 * The BLS12-381 did:key's status lists stay readable while bbs-2023 issuance is shed: a list's
 * re-signing (one BBS signature, then a derivation) goes ahead of the issuances waiting for the
 * signing thread and is never refused with SIGNER_BUSY, so an issuance burst does not make every
 * status check of that DID fail. The queue is held full (GX_BBS_QUEUE_MAX=1) by real signatures of
 * the service's key; issuance requests sent meanwhile are refused, the list is not.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isGxTrustError } from '../../src/errors.js';
import { decodeStatusList } from '../../src/status-lists/credential.js';
import { metricValue, postJson, startService, type RunningService } from '../helpers/service.js';

const VCDM2 = 'https://www.w3.org/ns/credentials/v2';
const QUEUE_MAX = 1;

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_BBS_QUEUE_MAX: String(QUEUE_MAX), GX_RESULT_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await svc?.close();
});

const credential = (issuer: string) => ({
  '@context': [VCDM2, { '@vocab': 'https://gx-trust.example/vocab#' }],
  id: `urn:uuid:${randomUUID()}`,
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: 'did:web:member.example', legalName: 'Example GmbH' },
});
const issue = (issuer: string, extra: Record<string, unknown> = {}) =>
  postJson(`${svc.url}/credentials/issue`, { credential: credential(issuer), options: { cryptosuite: 'bbs-2023', ...extra } }, auth());

const metric = (name: string) => metricValue(svc.url, name);

/**
 * Holds the issuance queue full with signatures of the service's key: one being made and
 * QUEUE_MAX waiting. Each chain asks for its next signature in the continuation of its last one,
 * in the same turn of the event loop, so no issuance reaching the signer in between finds room (no
 * timing is relied on). A chain overtaken by a list's signature finds the queue full itself: it is
 * refused (counted) and asks again once another chain's signature is answered.
 */
function fillQueue(): { stop(): Promise<{ signed: number; refused: number }> } {
  const signer = svc.service.keyring.bbsKey()!.signer();
  const input = { header: new Uint8Array([1, 2, 3]), messages: [new TextEncoder().encode('filler'), new TextEncoder().encode(randomUUID())] };
  let filling = true;
  let signed = 0;
  let refused = 0;
  let answered: { promise: Promise<void>; resolve: () => void } = turn();
  function turn() {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    return { promise, resolve };
  }
  const chain = async () => {
    while (filling) {
      try {
        expect((await signer.multisign(input)).length).toBeGreaterThan(0);
        signed += 1;
        const last = answered;
        answered = turn();
        last.resolve();
      } catch (error) {
        if (!isGxTrustError(error) || error.code !== 'SIGNER_BUSY') throw error;
        refused += 1;
        await answered.promise;
      }
    }
  };
  const chains = Array.from({ length: QUEUE_MAX + 1 }, chain);
  return {
    async stop() {
      filling = false;
      answered.resolve();
      await Promise.all(chains);
      return { signed, refused };
    },
  };
}

/** Bit `index` of a list (index 0 is the left-most bit of byte 0). */
const bitOf = (list: { credentialSubject: { encodedList: string } }, index: number): number =>
  (decodeStatusList(list.credentialSubject.encodedList)[index >> 3]! >> (7 - (index & 7))) & 1;

describe('a BLS12-381 did:key list while bbs-2023 issuance is shed', () => {
  it('answers 200 with the bit just changed and a proof that verifies, while issuance answers 503 SIGNER_BUSY', async () => {
    const { didKey } = svc.service.keyring.bbsKey()!;
    const issued = await issue(didKey.did, { credentialStatus: ['revocation'] });
    expect(issued.status, issued.text).toBe(201);
    const entry = issued.body.verifiableCredential.credentialStatus[0];
    const index = Number(entry.statusListIndex);
    const listUrl: string = entry.statusListCredential;
    const before = (await (await fetch(listUrl)).json()) as any;
    expect(bitOf(before, index)).toBe(0);

    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: issued.body.verifiableCredential.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);

    const shedBefore = await metric('gx_bbs_signatures_shed_total');
    const filler = fillQueue();
    let burst: Awaited<ReturnType<typeof issue>>[];
    let during: Awaited<ReturnType<typeof issue>>[];
    let listResponse: { status: number; text: string };
    let fill = { signed: 0, refused: 0 };
    try {
      // The queue is full: every issuance is refused.
      burst = await Promise.all([0, 1, 2].map(() => issue(svc.service.keyring.did)));
      // The list, re-signed for its new version amid more issuances.
      [listResponse, ...during] = await Promise.all([
        fetch(listUrl).then(async (r) => ({ status: r.status, text: await r.text() })),
        ...[0, 1, 2].map(() => issue(svc.service.keyring.did)),
      ]);
    } finally {
      fill = await filler.stop();
    }
    for (const refused of burst) {
      expect(refused.status, refused.text).toBe(503);
      expect(refused.body).toMatchObject({ code: 'SIGNER_BUSY' });
    }
    for (const answer of during) expect([201, 503], answer.text).toContain(answer.status);
    const refusedOverHttp = [...burst, ...during].filter((answer) => answer.status === 503).length;

    expect(listResponse.status, listResponse.text).toBe(200);
    const list = JSON.parse(listResponse.text);
    expect(list).toMatchObject({ issuer: didKey.did, proof: { cryptosuite: 'bbs-2023', verificationMethod: didKey.verificationMethodId } });
    expect(list.validFrom >= before.validFrom).toBe(true);
    expect(bitOf(list, index)).toBe(1);
    const verified = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: list }, auth());
    expect(verified.body.verified, verified.text).toBe(true);

    // Every refusal is counted: the issuances refused over HTTP and the filler's own.
    expect(fill.signed).toBeGreaterThanOrEqual(QUEUE_MAX + 1);
    expect(await metric('gx_bbs_signatures_shed_total')).toBe(shedBefore + refusedOverHttp + fill.refused);
    expect(await metric('gx_bbs_signatures_queued')).toBe(0);
  }, 120_000);
});
