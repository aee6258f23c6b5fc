/**
 * Revocation through the real app: issue with a status entry -> verify -> revoke -> the status
 * check fails; suspend -> fails -> reinstate -> verifies. A partner service fetches the list over
 * loopback HTTP; the issuing service reads its own lists without HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let issuer: RunningService;
let partner: RunningService;
const auth = () => ({ authorization: `Bearer ${issuer.apiKey}` });

beforeAll(async () => {
  issuer = await startService();
  partner = await startService({ GX_TRUST_ANCHORS: join(issuer.service.config.keysDir, 'dev-root-ca.pem') });
});
afterAll(async () => {
  await Promise.all([issuer?.close(), partner?.close()]);
});

const credential = () => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  credentialSubject: { id: 'did:web:member.example' },
});

function statusCheck(report: { checks: { check: string; verified: boolean; code?: string }[] }) {
  return report.checks.find((c) => c.check === 'status');
}

async function setStatus(credentialId: string, status: 'revoked' | 'suspended' | 'active') {
  return postJson(`${issuer.url}/credentials/status`, { credentialId, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] }, auth());
}

describe('revocation with Bitstring Status Lists', () => {
  it('adds a BitstringStatusListEntry whose list the partner fetches and verifies; a revocation then fails the status check', async () => {
    const issued = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(), options: { credentialStatus: true } }, auth());
    expect(issued.status, issued.text).toBe(201);
    const vc = issued.body.verifiableCredential;
    const entry = vc.credentialStatus[0];
    expect(entry).toMatchObject({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    expect(entry.statusListIndex).toMatch(/^(0|[1-9]\d*)$/);
    expect(entry.statusListCredential.startsWith(`http://localhost:${issuer.port}/status-lists/`)).toBe(true);

    const ok = await postJson(`${issuer.url}/credentials/verify`, { verifiableCredential: vc });
    expect(ok.status, ok.text).toBe(200);
    expect(statusCheck(ok.body)?.verified).toBe(true);
    const partnerOk = await postJson(`${partner.url}/credentials/verify`, { verifiableCredential: vc });
    expect(partnerOk.status, partnerOk.text).toBe(200);

    const revoked = await setStatus(vc.id, 'revoked');
    expect(revoked.status, revoked.text).toBe(200);
    const after = await postJson(`${issuer.url}/credentials/verify`, { verifiableCredential: vc });
    expect(after.status).toBe(422);
    expect(statusCheck(after.body)).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    expect(checkOfProof(after.body)).toBe(true);

    const audit = await issuer.service.store.auditEntriesForSubject(vc.id);
    expect(audit.map((e) => JSON.parse(e.leaf).action)).toEqual(['credential.issued', 'credential.status-changed']);
  });

  it('suspends and reinstates a vc+jwt credential', async () => {
    const issued = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(), options: { format: 'vc+jwt', credentialStatus: ['suspension'] } }, { ...auth(), accept: 'application/vc+jwt' });
    expect(issued.status, issued.text).toBe(201);
    const id = JSON.parse(Buffer.from(issued.text.split('.')[1]!, 'base64url').toString()).id as string;
    expect((await setStatus(id, 'suspended')).status).toBe(200);
    const suspended = await postJson(`${issuer.url}/credentials/verify`, issued.text, { 'content-type': 'application/vc+jwt' });
    expect(statusCheck(suspended.body)).toMatchObject({ verified: false, code: 'CREDENTIAL_SUSPENDED' });
    expect((await setStatus(id, 'active')).status).toBe(200);
    const reinstated = await postJson(`${issuer.url}/credentials/verify`, issued.text, { 'content-type': 'application/vc+jwt' });
    expect(reinstated.status, reinstated.text).toBe(200);
  });

  it('gives Gaia-X profile credentials a revocation entry by default', async () => {
    const issued = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(), options: { profile: 'gaia-x-danube' } }, { ...auth(), accept: 'application/vc+jwt' });
    const payload = JSON.parse(Buffer.from(issued.text.split('.')[1]!, 'base64url').toString());
    expect(payload.credentialStatus[0].statusPurpose).toBe('revocation');
  });

  it('needs the API key to change a status', async () => {
    const response = await postJson(`${issuer.url}/credentials/status`, { credentialId: 'urn:uuid:x', credentialStatus: [{ type: 'BitstringStatusListCredential', status: 'revoked' }] });
    expect(response.status).toBe(401);
  });
});

function checkOfProof(report: { checks: { check: string; verified: boolean }[] }): boolean | undefined {
  return report.checks.find((c) => c.check === 'proof')?.verified;
}
