/**
 * The work a pool thread does, as plain data in and out: what crosses the thread boundary is a
 * structured clone, so a GxTrustError travels as `{ code, message }` and is rebuilt on the other
 * side (its class and `code` would not survive the clone).
 */
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
}

export type WorkerTask = VerifyDataIntegrityTask;

export type WorkerOutcome<T> = { ok: true; value: T } | { ok: false; code: ErrorCode; message: string };

/** A FormatResult without its document, which is the task's input: whether it had one. */
export type PooledFormatResult = Omit<FormatResult, 'document'> & { hasDocument: boolean };

export type VerifyDataIntegrityOutcome = WorkerOutcome<PooledFormatResult>;
