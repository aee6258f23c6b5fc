/**
 * Evidence about one credential that an auditor can check with nothing else: the credential as it
 * left the service, its audit entries, their inclusion proofs in a signed checkpoint, and the
 * public key (the checkpoint's verification method and the DID document holding it) that checks
 * the signature. No network, no database.
 *
 * The embedded key proves the bundle is self-consistent; that it is the service's key is a
 * separate question the auditor answers by pinning the DID document or key they trust
 * (`verifyEvidenceBundle(bundle, { didDocument })`, `gx-trust audit verify-evidence --did-document`).
 *
 * Inclusion proofs prove presence, not completeness: a bundle from which someone dropped an entry
 * (say, the revocation) still verifies. Completeness comes from reading the whole log
 * (`GET /audit/entries`, `gx-trust audit verify`), which a checkpoint pins.
 */
import { createHash } from 'node:crypto';
import type { DidDocument, VerificationMethod } from '../dids/types.js';
import type { Keyring } from '../keyring/index.js';
import type { CredentialRecord } from '../storage/store.js';
import type { AuditRepository } from '../storage/repositories.js';
import { checkpointVerifier, type CheckpointSigner, type Checkpointer } from './checkpoints.js';
import { buildEvidence, verifyEvidence, type AuditEvidence, type AuditProblem } from './log.js';

export const EVIDENCE_BUNDLE_TYPE = 'GxTrustAuditEvidence';

export interface EvidenceBundle extends AuditEvidence {
  type: typeof EVIDENCE_BUNDLE_TYPE;
  /** The stored credential record; `credential.credential` is the exact text that was returned. */
  credential: CredentialRecord;
  /** The method named by `checkpoint.keyId`. */
  verificationMethod: VerificationMethod;
  /** The service's DID document when the bundle was made, for key lifecycle and identity. */
  didDocument: DidDocument;
}

export interface EvidenceVerification {
  ok: boolean;
  /** The DID whose key signed the checkpoint (from the pinned document, else the bundle's). */
  signer: string | undefined;
  problems: AuditProblem[];
}

/** The bundle for a stored credential, proven against a checkpoint that covers all its entries. */
export async function buildEvidenceBundle(deps: {
  store: AuditRepository;
  checkpointer: Checkpointer;
  signer: CheckpointSigner;
  keyring: Keyring;
  credential: CredentialRecord;
}): Promise<EvidenceBundle> {
  const entries = await deps.store.auditEntriesForSubject(deps.credential.id);
  // `latest()` syncs the tree first and signs when it has grown, so every entry read above is covered.
  const checkpoint = await deps.checkpointer.latest();
  const tree = await deps.checkpointer.sync();
  const didDocument = deps.keyring.didDocument();
  return {
    type: EVIDENCE_BUNDLE_TYPE,
    credential: deps.credential,
    ...buildEvidence({ tree, entries, checkpoint }),
    // The method that signed this checkpoint (another replica or an older key may have signed it).
    verificationMethod: didDocument.verificationMethod?.find((m) => m.id === checkpoint.keyId) ?? deps.signer.verificationMethod,
    didDocument,
  };
}

const sha256 = (text: string): string => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

export async function verifyEvidenceBundle(
  bundle: EvidenceBundle,
  options: { didDocument?: DidDocument } = {},
): Promise<EvidenceVerification> {
  const problems: AuditProblem[] = [];
  if (
    typeof bundle !== 'object' || bundle === null || bundle.type !== EVIDENCE_BUNDLE_TYPE ||
    !Array.isArray(bundle.entries) || !Array.isArray(bundle.inclusionProofs) ||
    typeof bundle.checkpoint !== 'object' || bundle.checkpoint === null ||
    typeof bundle.verificationMethod !== 'object' || bundle.verificationMethod === null
  ) {
    return { ok: false, signer: undefined, problems: [{ message: `not a ${EVIDENCE_BUNDLE_TYPE} bundle (entries, inclusionProofs, checkpoint, verificationMethod)` }] };
  }
  const document = options.didDocument ?? bundle.didDocument;
  // The signature is checked against the trusted document's methods only: a bundle cannot bring
  // its own key when the auditor pinned one.
  const methods = options.didDocument === undefined ? [bundle.verificationMethod] : (document?.verificationMethod ?? []);
  if (options.didDocument === undefined && bundle.didDocument?.verificationMethod?.every((m) => m.id !== bundle.verificationMethod?.id)) {
    problems.push({ message: 'the verification method is not in the bundled DID document' });
  }
  let result: { ok: boolean; problems: AuditProblem[] };
  try {
    result = await verifyEvidence(bundle, checkpointVerifier(methods));
  } catch (error) {
    result = { ok: false, problems: [{ message: `the bundle is malformed: ${error instanceof Error ? error.message : String(error)}` }] };
  }
  problems.push(...result.problems);

  const record = bundle.credential;
  if (typeof record?.credential !== 'string') {
    problems.push({ message: 'the bundle holds no credential text' });
  } else {
    if (sha256(record.credential) !== record.digest) problems.push({ message: 'the credential does not match its recorded digest' });
    const issued = bundle.entries.filter((e) => e.action === 'credential.issued' && e.subject === record.id);
    if (issued.length !== 1) problems.push({ message: `expected one credential.issued entry for ${record.id}, found ${issued.length}` });
    for (const entry of issued) {
      if (entry.digests?.['credential'] !== record.digest) {
        problems.push({ index: entry.index, message: 'the audit entry records another credential digest' });
      }
    }
    for (const entry of bundle.entries) {
      if (entry.subject !== record.id) problems.push({ index: entry.index, message: 'the entry is about another subject' });
    }
  }
  const signer = typeof bundle.checkpoint?.keyId === 'string' ? bundle.checkpoint.keyId.split('#')[0] : undefined;
  return { ok: problems.length === 0, signer, problems };
}
