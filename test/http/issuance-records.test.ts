/**
 * A credential leaves the service only after it and its audit entry are committed; retries with an
 * Idempotency-Key get the byte-identical credential; a database that is down gives 503.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postJson, startService, type RunningService } from '../helpers/service.js';

let svc: RunningService;
const auth = () => ({ authorization: `Bearer ${svc.apiKey}` });
const credential = (n = 1, issuer = svc.service.keyring.did) => ({
  '@context': ['https://www.w3.org/ns/credentials/v2'],
  type: ['VerifiableCredential'],
  issuer,
  credentialSubject: { id: `did:web:member-${n}.example` },
});

beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => {
  await svc?.close();
});

describe('POST /credentials/issue with records', () => {
  it('stores the credential exactly as returned, with its audit entry', async () => {
    const issued = await postJson(`${svc.url}/credentials/issue`, { credential: credential(), options: { format: 'vc+jwt' } }, { ...auth(), accept: 'application/vc+jwt' });
    expect(issued.status).toBe(201);
    const id = JSON.parse(Buffer.from(issued.text.split('.')[1]!, 'base64url').toString()).id as string;
    const row = await svc.service.store.getCredential(id);
    expect(row?.credential).toBe(issued.text);
    expect(row?.format).toBe('vc+jwt');
    expect(row?.issuedBy).toMatch(/^api-key:[0-9a-f]{16}$/);
    const audit = await svc.service.store.auditEntriesForSubject(id);
    expect(audit).toHaveLength(1);
    const leaf = JSON.parse(audit[0]!.leaf);
    expect(leaf).toMatchObject({ action: 'credential.issued', subject: id, digests: { credential: row?.digest } });
    expect(JSON.stringify(leaf)).not.toContain(svc.apiKey);
  });

  it('answers a retry with the same Idempotency-Key and body with the byte-identical credential, once recorded', async () => {
    const headers = { ...auth(), 'idempotency-key': 'retry-1' };
    const first = await postJson(`${svc.url}/credentials/issue`, { credential: credential(2) }, headers);
    const again = await postJson(`${svc.url}/credentials/issue`, { credential: credential(2) }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    const id = first.body.verifiableCredential.id as string;
    expect(await svc.service.store.auditEntriesForSubject(id)).toHaveLength(1);
  });

  it('refuses the same Idempotency-Key with another body with 422', async () => {
    const headers = { ...auth(), 'idempotency-key': 'retry-2' };
    await postJson(`${svc.url}/credentials/issue`, { credential: credential(3) }, headers);
    const other = await postJson(`${svc.url}/credentials/issue`, { credential: credential(4) }, headers);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
  });

  it('returns no credential, but 503, when the database is down', async () => {
    const down = await startService();
    try {
      const before = await down.service.store.auditSize();
      expect(before).toBe(0);
      await down.service.store.close();
      const response = await postJson(`${down.url}/credentials/issue`, { credential: credential(5, down.service.keyring.did) }, { authorization: `Bearer ${down.apiKey}` });
      expect(response.status).toBe(503);
      expect(response.body.code).toBe('STORE_UNAVAILABLE');
      expect(response.text).not.toContain('proofValue');
    } finally {
      await down.close().catch(() => undefined);
    }
  });
});
