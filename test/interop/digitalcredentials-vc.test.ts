/**
 * The Digital Credentials Consortium's stack (@digitalcredentials/vc, its own Data Integrity and
 * Ed25519Signature2020 suites, and @digitalcredentials/vc-bitstring-status-list, the reader its
 * verifier-core and wallets use) reading what gx-trust issues: the credential verifies, the status
 * list credential fetched from GET /status-lists/{id} verifies and has the same issuer, and the bit
 * gx-trust sets on revocation or suspension is the bit the reader sees.
 */
import * as dccVc from '@digitalcredentials/vc';
import { checkStatus } from '@digitalcredentials/vc-bitstring-status-list';
import { DataIntegrityProof } from '@digitalcredentials/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import { Ed25519Signature2020 } from '@digitalcredentials/ed25519-signature-2020';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';
import { peerDocumentLoader, tampered, type PeerDocumentLoader, issuedByGxTrust } from './peers.js';

let svc: RunningService;
let documentLoader: PeerDocumentLoader;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });

beforeAll(async () => {
  svc = await startService({ GX_RESULT_CACHE_SECONDS: '0' });
  documentLoader = await peerDocumentLoader(`${svc.url}/.well-known/did.json`);
});
afterAll(async () => {
  await svc?.close();
});


async function setStatus(credential: { id: string }, status: 'revoked' | 'suspended' | 'active'): Promise<void> {
  const answer = await postJson(`${svc.url}/credentials/status`, { credentialId: credential.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] }, auth());
  expect(answer.status, answer.text).toBe(200);
}

const suite = () => [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }), new Ed25519Signature2020()];

interface DccResult {
  verified: boolean;
  error?: { message?: string; errors?: { message: string }[] };
  statusResult?: { verified: boolean; error?: Error; results?: { verified: boolean; credentialStatus: { statusPurpose: string } }[] };
}

async function verifyAtDcc(credential: unknown): Promise<DccResult> {
  return dccVc.verifyCredential({ credential, suite: suite(), documentLoader, checkStatus });
}

const explain = (result: DccResult) =>
  JSON.stringify({ error: result.error?.errors?.map((e) => e.message) ?? result.error?.message, status: result.statusResult?.error?.message ?? result.statusResult?.results });

/** The reader alone, as a wallet refreshes a held credential's status: `purpose` -> bit set? */
async function statusBits(credential: unknown): Promise<Record<string, boolean>> {
  const result = await checkStatus({ credential, documentLoader, suite: suite(), verifyBitstringStatusListCredential: true, verifyMatchingIssuers: true });
  expect(result.error?.message, 'the reader checked the list').toBeUndefined();
  return Object.fromEntries(result.results.map((r: { verified: boolean; credentialStatus: { statusPurpose: string } }) => [r.credentialStatus.statusPurpose, !r.verified]));
}

describe.each([['eddsa-rdfc-2022'], ['Ed25519Signature2020']])('@digitalcredentials/vc verifies a gx-trust %s credential', (cryptosuite) => {
  it('with its status entry and the signed list behind it', async () => {
    const credential = await issuedByGxTrust(svc, { cryptosuite, credentialStatus: true });
    const result = await verifyAtDcc(credential);
    expect(result.verified, explain(result)).toBe(true);
    expect(result.statusResult?.verified).toBe(true);
  });

  it('and refuses it with a changed subject', async () => {
    const result = await verifyAtDcc(tampered(await issuedByGxTrust(svc, { cryptosuite })));
    expect(result.verified).toBe(false);
    expect(explain(result)).toMatch(/signature/i);
  });
});

describe('@digitalcredentials/vc-bitstring-status-list reads gx-trust status lists', () => {
  it('sees the revocation bit gx-trust sets, and the credential no longer verifies', async () => {
    const credential = await issuedByGxTrust(svc, { credentialStatus: true });
    expect(await statusBits(credential)).toEqual({ revocation: false });
    await setStatus(credential, 'revoked');
    expect(await statusBits(credential)).toEqual({ revocation: true });
    const result = await verifyAtDcc(credential);
    expect(result.verified).toBe(false);
    expect(result.statusResult?.verified).toBe(false);
  });

  it('sees a suspension come and go on the suspension list, the revocation bit untouched', async () => {
    const credential = await issuedByGxTrust(svc, { credentialStatus: ['revocation', 'suspension'] });
    expect(await statusBits(credential)).toEqual({ revocation: false, suspension: false });
    await setStatus(credential, 'suspended');
    expect(await statusBits(credential)).toEqual({ revocation: false, suspension: true });
    await setStatus(credential, 'active');
    expect(await statusBits(credential)).toEqual({ revocation: false, suspension: false });
  });

  it('reads only the bit of its own entry: a neighbour revoked on the same list stays unset', async () => {
    const kept = await issuedByGxTrust(svc, { credentialStatus: true });
    const revoked = await issuedByGxTrust(svc, { credentialStatus: true });
    expect(revoked.credentialStatus[0].statusListCredential).toBe(kept.credentialStatus[0].statusListCredential);
    await setStatus(revoked, 'revoked');
    expect(await statusBits(revoked)).toEqual({ revocation: true });
    expect(await statusBits(kept)).toEqual({ revocation: false });
  });
});
