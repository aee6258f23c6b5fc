/**
 * The pool thread's task function (loaded through entry.mjs, which registers tsx). Each thread has
 * its own copy of the pinned contexts and of jsonld's processed-context cache; it resolves DIDs
 * only from the documents the main thread sent (did:key and did:jwk offline) and never fetches.
 */
import { execFileSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Piscina } from 'piscina';
import { createDidResolver } from '../dids/index.js';
import type { DidDocument, DidResolver } from '../dids/types.js';
import { createDocumentLoader } from '../document-loader/index.js';
import { shareActiveContextDefinitions } from '../document-loader/active-context.js';
import { GxTrustError, isGxTrustError, type ErrorCode } from '../errors.js';
import { dataIntegrityFormat } from '../verifying/data-integrity.js';
import type { VerifyContext } from '../verifying/types.js';
import type { WorkerPriority } from './pool.js';
import type { PoolWorkerData, VerifyDataIntegrityTask, WorkerOutcome, WorkerTask } from './tasks.js';

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

function isTask(value: unknown): value is VerifyDataIntegrityTask {
  if (value === null || typeof value !== 'object') return false;
  const task = value as Record<string, unknown>;
  return task['task'] === 'verify-data-integrity' && Array.isArray(task['documents']) && typeof task['now'] === 'number' && typeof task['clock'] === 'number' && typeof task['clockSkewSeconds'] === 'number';
}

async function verifyDataIntegrity(task: VerifyDataIntegrityTask) {
  const resolver = taskResolver(new Map(task.documents), task.clock);
  const context: VerifyContext = {
    resolver,
    documentLoader: createDocumentLoader(),
    now: new Date(task.now),
    clockSkewSeconds: task.clockSkewSeconds,
  };
  const { document, ...result } = await dataIntegrityFormat.verifyCredential(task.input, context);
  // The document is the task's input: the main thread has it, so it is not cloned back.
  return { ...result, hasDocument: document !== undefined };
}

export default async function run(task: WorkerTask): Promise<WorkerOutcome<unknown>> {
  try {
    if (!isTask(task)) throw new GxTrustError('INVALID_INPUT', 'not a gx-trust worker task');
    return { ok: true, value: await verifyDataIntegrity(task) };
  } catch (error) {
    const code: ErrorCode = isGxTrustError(error) ? error.code : 'INTERNAL';
    return { ok: false, code, message: error instanceof Error ? error.message : String(error) };
  }
}
