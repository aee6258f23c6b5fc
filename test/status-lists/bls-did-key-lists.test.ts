/**
 * The BLS12-381 did:key's status lists with no worker pool (GX_WORKERS=0): the service derives the
 * served proof from its own bbs-2023 base proof on the event loop instead of on a worker thread.
 * test/interop/bbs-issue.test.ts covers the pooled service and a peer verifier.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_WORKERS: '0', GX_RESULT_CACHE_SECONDS: '0' });
});
afterAll(async () => {
  await svc?.close();
});

describe('status lists of the BLS12-381 did:key without a worker pool', () => {
  it('serves a derived list that gx-trust verifies, and the credential\'s status follows a revocation', async () => {
    expect(svc.service.workerPool).toBeUndefined();
    const { didKey } = svc.service.keyring.bbsKey()!;
    const issued = await postJson(`${svc.url}/credentials/issue`, {
      credential: {
        '@context': ['https://www.w3.org/ns/credentials/v2', { '@vocab': 'https://gx-trust.example/vocab#' }],
        type: ['VerifiableCredential'],
        issuer: didKey.did,
        credentialSubject: { id: 'did:web:member.example', legalName: 'Example GmbH' },
      },
      options: { cryptosuite: 'bbs-2023', credentialStatus: ['revocation'] },
    }, auth());
    expect(issued.status, issued.text).toBe(201);
    const base = issued.body.verifiableCredential;

    const list = (await (await fetch(base.credentialStatus[0].statusListCredential)).json()) as any;
    expect(list).toMatchObject({ issuer: didKey.did, proof: { cryptosuite: 'bbs-2023', verificationMethod: didKey.verificationMethodId } });
    expect(Buffer.from(list.proof.proofValue.slice(1, 5), 'base64url').subarray(0, 3)).toEqual(Buffer.from([0xd9, 0x5d, 0x03]));
    const listReport = await postJson(`${svc.url}/credentials/verify`, { verifiableCredential: list }, auth());
    expect(listReport.body.verified, listReport.text).toBe(true);

    const derived = await postJson(`${svc.url}/credentials/derive`, { verifiableCredential: base, options: { selectivePointers: ['/credentialSubject/legalName'] } }, auth());
    expect(derived.status, derived.text).toBe(201);
    const verify = () => postJson(`${svc.url}/credentials/verify`, { verifiableCredential: derived.body.verifiableCredential }, auth());
    const before = await verify();
    expect(before.body.checks, before.text).toContainEqual(expect.objectContaining({ check: 'status', verified: true }));
    const revoked = await postJson(`${svc.url}/credentials/status`, { credentialId: base.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] }, auth());
    expect(revoked.status, revoked.text).toBe(200);
    const after = await verify();
    expect(after.body.checks, after.text).toContainEqual(expect.objectContaining({ check: 'status', verified: false, code: 'CREDENTIAL_REVOKED' }));
  }, 60_000);
});
