/**
 * The pool thread's task function (loaded through entry.mjs, which registers tsx). Each thread has
 * its own copy of the pinned contexts and of jsonld's processed-context cache; it resolves DIDs
 * only from the documents the main thread sent (did:key and did:jwk offline) and never fetches.
 * Its Danube validators are built on the first validation with each setting and kept.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Piscina } from 'piscina';
import { createDidResolver } from '../dids/index.js';
import type { DidDocument, DidResolver } from '../dids/types.js';
import { createSelfDescriptionValidator, type SelfDescriptionValidator } from '../danube/validate.js';
import { createDocumentLoader, type DocumentLoader } from '../document-loader/index.js';
import { shareActiveContextDefinitions } from '../document-loader/active-context.js';
import { GxTrustError, isGxTrustError, type ErrorCode } from '../errors.js';
import { dataIntegrityFormat } from '../formats/data-integrity/verify.js';
import { deriveCredential } from '../formats/data-integrity/sign.js';
import type { VerifyContext } from '../verifying/types.js';
import type { WorkerPriority } from './pool.js';
import type { DeriveCredentialTask, PoolWorkerData, ValidateSelfDescriptionTask, VerifyDataIntegrityTask, WorkerOutcome, WorkerTask } from './tasks.js';

// This thread's jsonld, as the main thread's (src/service.ts).
shareActiveContextDefinitions();
lowerThreadPriority((Piscina.workerData as PoolWorkerData | undefined)?.priority ?? 'low');

/**
 * Canonicalization yields the cores to the event loop (GX_WORKER_PRIORITY; why each, in pool.ts).
 * On Linux scheduling is per thread, so this thread, not the process, gets nice 10 ('low') or
 * SCHED_IDLE ('idle'). Node has no binding for sched_setscheduler, so util-linux's chrt sets
 * SCHED_IDLE, once per thread; where chrt is missing or refused, the thread falls back to nice 19.
 * @see https://man7.org/linux/man-pages/man7/sched.7.html (SCHED_IDLE)
 * @see https://man7.org/linux/man-pages/man2/setpriority.2.html (BUGS: the nice value is per thread)
 */
function lowerThreadPriority(priority: WorkerPriority): void {
  if (priority === 'normal') return;
  let threadId: number;
  try {
    threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return; // not Linux: nothing to do
  }
  if (!Number.isInteger(threadId) || threadId <= 0) return;
  if (priority === 'idle') {
    try {
      execFileSync('chrt', ['--idle', '--pid', '0', String(threadId)], { stdio: 'ignore', timeout: 5_000 });
      return;
    } catch {
      // No chrt, or not allowed: the lowest nice value instead.
    }
  }
  try {
    setPriority(threadId, priority === 'idle' ? 19 : 10);
  } catch {
    // Not allowed: the thread keeps its priority.
  }
}

/** A resolver over the documents sent with the task: a did:web not among them fails closed. */
function taskResolver(documents: ReadonlyMap<string, DidDocument>, clockMs: number): DidResolver {
  // Built per task, so its caches are kept tiny: lru-cache allocates `max` slots up front, and at the
  // default 1000 that allocation was 8 % of a pool thread's time.
  const inner = createDidResolver({ testMode: false, localDocuments: documents, clock: () => new Date(clockMs), cache: { max: 4 } });
  const guard = (didUrl: string): void => {
    const did = didUrl.split('#')[0] ?? didUrl;
    if (did.startsWith('did:web:') && !documents.has(did)) {
      throw new GxTrustError('DID_RESOLUTION_FAILED', `${did} was not resolved before the proof check`);
    }
  };
  return {
    resolve: async (didUrl) => {
      guard(didUrl);
      return inner.resolve(didUrl);
    },
    resolveVerificationMethod: async (didUrl, options) => {
      // A method of another DID than the expected controller fails the binding before any
      // resolution, in here as in the main thread: only guard what would be resolved.
      if ((didUrl.split('#')[0] ?? didUrl) === options.expectedController) guard(didUrl);
      return inner.resolveVerificationMethod(didUrl, options);
    },
  };
}

function isVerifyTask(task: Record<string, unknown>): task is Record<string, unknown> & VerifyDataIntegrityTask {
  return task['task'] === 'verify-data-integrity' && Array.isArray(task['documents']) && typeof task['now'] === 'number' && typeof task['clock'] === 'number' && typeof task['clockSkewSeconds'] === 'number';
}

function isValidateTask(task: Record<string, unknown>): task is Record<string, unknown> & ValidateSelfDescriptionTask {
  return task['task'] === 'validate-self-description' && Array.isArray(task['credentials']) && typeof task['now'] === 'number' && task['settings'] !== null && typeof task['settings'] === 'object';
}

function isDeriveTask(task: Record<string, unknown>): task is Record<string, unknown> & DeriveCredentialTask {
  return (
    task['task'] === 'derive-credential' &&
    task['verifiableCredential'] !== null &&
    typeof task['verifiableCredential'] === 'object' &&
    Array.isArray(task['selectivePointers']) &&
    (task['presentationHeader'] === undefined || task['presentationHeader'] instanceof Uint8Array)
  );
}

async function verifyDataIntegrity(task: VerifyDataIntegrityTask) {
  const resolver = taskResolver(new Map(task.documents), task.clock);
  const context: VerifyContext = {
    resolver,
    documentLoader: createDocumentLoader(),
    now: new Date(task.now),
    clockSkewSeconds: task.clockSkewSeconds,
  };
  if (typeof task.expectedProofPurpose === 'string') context.expectedProofPurpose = task.expectedProofPurpose;
  const { document, ...result } = await dataIntegrityFormat.verifyCredential(task.input, context);
  // The document is the task's input: the main thread has it, so it is not cloned back.
  return { ...result, hasDocument: document !== undefined };
}

/**
 * Built once per setting (compiling the shapes is the costly part: 8x a validation with
 * shacl-engine, about 2 s for the official 25.11 file). Contexts come from the pinned set only: a
 * pool thread resolves no DID, so a `did:` URL in a submission's @context is not allowed here.
 */
const validators = new Map<string, SelfDescriptionValidator>();
let contextsOnly: DocumentLoader | undefined;
function validatorFor(settings: ValidateSelfDescriptionTask['settings']): SelfDescriptionValidator {
  const key = JSON.stringify(settings);
  let validator = validators.get(key);
  if (validator === undefined) {
    contextsOnly ??= createDocumentLoader();
    validator = createSelfDescriptionValidator({ ...settings, documentLoader: contextsOnly });
    validators.set(key, validator);
  }
  return validator;
}

export default async function run(task: WorkerTask): Promise<WorkerOutcome<unknown>> {
  try {
    const candidate: unknown = task;
    if (candidate === null || typeof candidate !== 'object') throw new GxTrustError('INVALID_INPUT', 'not a gx-trust worker task');
    const fields = candidate as Record<string, unknown>;
    if (isVerifyTask(fields)) return { ok: true, value: await verifyDataIntegrity(fields) };
    if (isDeriveTask(fields)) {
      contextsOnly ??= createDocumentLoader();
      const { verifiableCredential, selectivePointers, presentationHeader } = fields;
      return { ok: true, value: await deriveCredential({ verifiableCredential, selectivePointers, documentLoader: contextsOnly, ...(presentationHeader === undefined ? {} : { presentationHeader }) }) };
    }
    if (isValidateTask(fields)) return { ok: true, value: await validatorFor(fields.settings).validate(fields.credentials, { now: new Date(fields.now) }) };
    throw new GxTrustError('INVALID_INPUT', 'not a gx-trust worker task');
  } catch (error) {
    const code: ErrorCode = isGxTrustError(error) ? error.code : 'INTERNAL';
    const outcome: WorkerOutcome<unknown> = { ok: false, code, message: error instanceof Error ? error.message : String(error) };
    if (isGxTrustError(error) && error.pointer !== undefined) outcome.pointer = error.pointer;
    if (isGxTrustError(error) && error.hint !== undefined) outcome.hint = error.hint;
    return outcome;
  }
}
