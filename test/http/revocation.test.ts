/**
 * Revocation through the real app: issue with a status entry -> verify -> revoke -> the status
 * check fails; suspend -> fails -> reinstate -> verifies. A partner service fetches the list over
 * loopback HTTP; the issuing service reads its own lists without HTTP.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, verifyAtFreshPartner, type RunningService } from '../helpers/service.js';
import { externalKey } from '../members/fixtures.js';

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

const credential = (by = issuer.service.keyring.did) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer: by,
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

describe('every issuing DID has status lists of its own, signed by it', () => {
  let member: { id: string; did: string; slug: string };
  let memberKey: string;

  async function call(method: string, path: string, body: unknown, apiKey: string) {
    const response = await fetch(`${issuer.url}${path}`, { method, headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await response.text();
    return { status: response.status, text, body: JSON.parse(text) as any };
  }

  beforeAll(async () => {
    member = (await call('POST', '/members', { slug: 'revoker', name: 'Revoker GmbH' }, issuer.apiKey)).body;
    memberKey = (await call('POST', `/members/${member.id}/api-keys`, { role: 'member' }, issuer.apiKey)).body.apiKey;
  });

  const issuers = [
    ['the service\'s did:web', () => ({ apiKey: issuer.apiKey, did: issuer.service.keyring.did, scope: '', options: {} })],
    ['the service\'s Ed25519 did:key', () => ({ apiKey: issuer.apiKey, did: issuer.service.keyring.didKey('Ed25519').did, scope: `key.${issuer.service.keyring.didKey('Ed25519').did.slice(8)}.`, options: {} })],
    ['the service\'s P-256 did:key (vc+jwt)', () => ({ apiKey: issuer.apiKey, did: issuer.service.keyring.didKey('P-256').did, scope: `key.${issuer.service.keyring.didKey('P-256').did.slice(8)}.`, options: { format: 'vc+jwt', alg: 'ES256' } })],
    ['a hosted member', () => ({ apiKey: memberKey, did: member.did, scope: 'member.revoker.', options: {} })],
  ] as const;

  it.each(issuers)('%s: a revocable credential verifies, fails suspended, verifies reinstated, fails revoked', async (_name, who) => {
    const { apiKey, did, scope, options } = who();
    const issued = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(did), options: { ...options, credentialStatus: ['revocation', 'suspension'] } }, { authorization: `Bearer ${apiKey}` });
    expect(issued.status, issued.text).toBe(201);
    const vc = issued.body.verifiableCredential;
    const document = vc.type === 'EnvelopedVerifiableCredential' ? JSON.parse(Buffer.from(vc.id.split(',')[1].split('.')[1], 'base64url').toString()) : vc;
    expect(document.issuer).toBe(did);
    // The list id names its issuer, and the list says so.
    const lists = document.credentialStatus.map((entry: any) => entry.statusListCredential);
    expect(lists).toEqual([`http://localhost:${issuer.port}/status-lists/${scope}revocation-0`, `http://localhost:${issuer.port}/status-lists/${scope}suspension-0`]);
    const list = (await (await fetch(lists[0].replace(`http://localhost:${issuer.port}`, issuer.url))).json()) as Record<string, unknown>;
    expect(list).toMatchObject({ id: lists[0], issuer: did, type: ['VerifiableCredential', 'BitstringStatusListCredential'] });

    const verify = (at: string) => postJson(`${at}/credentials/verify`, { verifiableCredential: vc });
    const ok = await verify(issuer.url);
    expect(ok.status, ok.text).toBe(200);
    expect(statusCheck(ok.body)).toMatchObject({ verified: true });
    expect((await verifyAtFreshPartner(vc)).status).toBe(200);

    const change = (status: string) => call('POST', '/credentials/status', { credentialId: document.id, credentialStatus: [{ type: 'BitstringStatusListCredential', status }] }, apiKey);
    expect((await change('suspended')).status).toBe(200);
    const suspended = await verify(issuer.url);
    expect(suspended.status).toBe(422);
    expect(statusCheck(suspended.body)).toMatchObject({ verified: false, code: 'CREDENTIAL_SUSPENDED' });
    expect((await change('active')).status).toBe(200);
    expect((await verify(issuer.url)).status).toBe(200);

    expect((await change('revoked')).status).toBe(200);
    const revoked = await verify(issuer.url);
    expect(revoked.status).toBe(422);
    expect(statusCheck(revoked.body)).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
    expect(checkOfProof(revoked.body)).toBe(true);
    const elsewhere = await verifyAtFreshPartner(vc);
    expect(elsewhere.status).toBe(422);
    expect(statusCheck(elsewhere.body)).toMatchObject({ verified: false, code: 'CREDENTIAL_REVOKED' });
  });

  it('refuses credentialStatus for a member that signs elsewhere, before reserving any index', async () => {
    const { publicKeyJwk } = await externalKey();
    const external = (await call('POST', '/members', { slug: 'signs-elsewhere', name: 'Elsewhere AG', keys: { publicKeys: [{ publicKeyJwk }] } }, issuer.apiKey)).body;
    const key = (await call('POST', `/members/${external.id}/api-keys`, { role: 'member' }, issuer.apiKey)).body.apiKey;
    const refused = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(external.did), options: { credentialStatus: true } }, { authorization: `Bearer ${key}` });
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ code: 'INVALID_INPUT', pointer: '/options/credentialStatus', detail: expect.stringContaining('cannot sign status lists'), hint: expect.any(String) });
    expect(await issuer.service.store.getStatusList('member.signs-elsewhere.revocation-0')).toBeUndefined();
  });

  describe('key rotation of a member', () => {
    async function issueRevocable(apiKey: string, did: string) {
      const issued = await postJson(`${issuer.url}/credentials/issue`, { credential: credential(did), options: { credentialStatus: true } }, { authorization: `Bearer ${apiKey}` });
      expect(issued.status, issued.text).toBe(201);
      return issued.body.verifiableCredential;
    }

    it('keeps the lists a retired key signed verifying, and has the new key sign at once when the old ones are removed', async () => {
      const rotor = (await call('POST', '/members', { slug: 'list-rotor', name: 'Rotor GmbH' }, issuer.apiKey)).body;
      const key = (await call('POST', `/members/${rotor.id}/api-keys`, { role: 'member' }, issuer.apiKey)).body.apiKey;
      const before = await issueRevocable(key, rotor.did);
      const listUrl = before.credentialStatus[0].statusListCredential.replace(`http://localhost:${issuer.port}`, issuer.url);
      const signer = async () => ((await (await fetch(listUrl)).json()) as { proof: { verificationMethod: string } }).proof.verificationMethod;
      const first = await signer();
      expect(first).toBe(before.proof.verificationMethod);

      // Retired: the old key stays published while the lists it signed are valid.
      expect((await call('POST', `/members/${rotor.id}/keys/rotate`, {}, key)).status).toBe(200);
      expect((await verifyAtFreshPartner(before)).status).toBe(200);

      // Removed (a compromise): the list is signed again, by the current key, from the next GET on.
      expect((await call('POST', `/members/${rotor.id}/keys/rotate`, { previous: 'remove' }, key)).status).toBe(200);
      const after = await issueRevocable(key, rotor.did);
      expect(after.credentialStatus[0].statusListCredential).toBe(before.credentialStatus[0].statusListCredential);
      expect(await signer()).toBe(after.proof.verificationMethod);
      const verified = await verifyAtFreshPartner(after);
      expect(verified.status, verified.text).toBe(200);
      expect(statusCheck(verified.body)).toMatchObject({ verified: true });
    });
  });
});

function checkOfProof(report: { checks: { check: string; verified: boolean }[] }): boolean | undefined {
  return report.checks.find((c) => c.check === 'proof')?.verified;
}
