import { createHash, generateKeyPairSync, randomUUID, sign, verify } from 'node:crypto';
import type { AuditEntryInput, SignCheckpoint, VerifyCheckpointSignature } from '../../src/audit/log.js';
import type { CredentialRecord, StatusAllocation, Store } from '../../src/storage/store.js';

export function makeCredentialRecord(overrides: Partial<Omit<CredentialRecord, 'createdAt'>> = {}): Omit<CredentialRecord, 'createdAt'> {
  const id = overrides.id ?? `urn:uuid:${randomUUID()}`;
  const credential =
    overrides.credential ??
    JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      id,
      type: ['VerifiableCredential', 'LegalPerson'],
      issuer: 'did:web:issuer.example',
      credentialSubject: { id: 'did:web:member.example' },
    });
  return {
    id,
    types: ['VerifiableCredential', 'LegalPerson'],
    subject: 'did:web:member.example',
    issuer: 'did:web:issuer.example',
    format: 'eddsa-rdfc-2022',
    digest: `sha256:${createHash('sha256').update(credential).digest('hex')}`,
    statusEntries: [],
    issuedBy: 'member:acme',
    credential,
    ...overrides,
  };
}

export function makeAuditInput(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return {
    actor: 'member:acme',
    action: 'credential.issued',
    subject: `urn:uuid:${randomUUID()}`,
    digests: { credential: `sha256:${'0'.repeat(64)}` },
    ...overrides,
  };
}

/** Issues one credential the way the issuing path will: reserve an index, then one transaction. */
export async function issueOne(store: Store, listId: string): Promise<{ credentialId: string; statusIndex: number; auditIndex: number }> {
  const credential = makeCredentialRecord();
  const statusIndex = await store.reserveStatusIndex({ listId, credentialId: credential.id });
  const allocations: StatusAllocation[] = [{ listId, index: statusIndex, credentialId: credential.id }];
  const { auditEntry } = await store.recordIssuance({
    credential: { ...credential, statusEntries: [{ listId, index: statusIndex, purpose: 'revocation' }] },
    allocations,
    audit: makeAuditInput({ subject: credential.id, digests: { credential: credential.digest } }),
  });
  return { credentialId: credential.id, statusIndex, auditIndex: auditEntry.index };
}

/** A real Ed25519 checkpoint key, as the service key will be. */
export function makeCheckpointKeys(keyId = 'did:web:issuer.example#audit-1'): {
  signCheckpoint: SignCheckpoint;
  verifySignature: VerifyCheckpointSignature;
} {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    signCheckpoint: async (bytes) => ({ keyId, signature: sign(null, bytes, privateKey).toString('base64') }),
    verifySignature: async (checkpoint, bytes) =>
      checkpoint.keyId === keyId && verify(null, bytes, publicKey, Buffer.from(checkpoint.signature, 'base64')),
  };
}
