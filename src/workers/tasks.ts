/**
 * The work a pool thread does, as plain data in and out: what crosses the thread boundary is a
 * structured clone, so a GxTrustError travels as `{ code, message }` and is rebuilt on the other
 * side (its class and `code` would not survive the clone).
 */
import type { SelfDescriptionValidation, SelfDescriptionValidatorOptions } from '../danube/validate.js';
import type { DidDocument } from '../dids/types.js';
import type { ErrorCode } from '../errors.js';
import type { FormatResult } from '../verifying/types.js';
import type { WorkerPriority } from './pool.js';

/** What every pool thread is started with (piscina's workerData). */
export interface PoolWorkerData {
  priority: WorkerPriority;
}

/** Verify a Data Integrity credential's proof and key binding (the dataIntegrityFormat module). */
export interface VerifyDataIntegrityTask {
  task: 'verify-data-integrity';
  input: unknown;
  /**
   * The DID documents the proofs need, resolved by the main thread: resolution stays single-flight
   * and cached in one place, and a worker never goes to the network.
   */
  documents: [string, DidDocument][];
  /** The verification instant and the resolver clock's reading at dispatch, epoch ms. */
  now: number;
  clock: number;
  clockSkewSeconds: number;
  /** VerifyContext.expectedProofPurpose: the caller's, when it sent one. */
  expectedProofPurpose?: string;
}

/** How a pool thread builds its Danube validator (once per thread and setting): the options that clone. */
export type SelfDescriptionValidatorSettings = Omit<SelfDescriptionValidatorOptions, 'documentLoader' | 'now'>;

/** Validate one Danube self-description (src/danube/validate.ts): JSON-LD to RDF, SHACL, the rules in code. */
export interface ValidateSelfDescriptionTask {
  task: 'validate-self-description';
  credentials: readonly object[];
  settings: SelfDescriptionValidatorSettings;
  /** The instant the dated rules judge against, epoch ms. */
  now: number;
}

/**
 * The holder's step of selective disclosure (POST /credentials/derive): no key, only the pinned
 * contexts. A bbs-2023 derivation costs about 100 ms of CPU (its zero-knowledge proof), which on
 * the event loop would hold every other request.
 */
export interface DeriveCredentialTask {
  task: 'derive-credential';
  verifiableCredential: Record<string, unknown>;
  selectivePointers: readonly string[];
  presentationHeader?: Uint8Array;
}

export type WorkerTask = VerifyDataIntegrityTask | ValidateSelfDescriptionTask | DeriveCredentialTask;

/** A failure keeps its code, pointer and hint across the thread boundary (a refusal's problem+json needs them). */
export type WorkerOutcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string; pointer?: string; hint?: string };

/** A FormatResult without its document, which is the task's input: whether it had one. */
export type PooledFormatResult = Omit<FormatResult, 'document'> & { hasDocument: boolean };

export type VerifyDataIntegrityOutcome = WorkerOutcome<PooledFormatResult>;

export type ValidateSelfDescriptionOutcome = WorkerOutcome<SelfDescriptionValidation>;
