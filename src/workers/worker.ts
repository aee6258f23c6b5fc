/**
 * The pool thread's task function (loaded through entry.mjs, which registers tsx). Each thread has
 * its own copy of the pinned contexts and of jsonld's processed-context cache; it resolves DIDs
 * only from the documents the main thread sent (did:key and did:jwk offline) and never fetches.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { createDidResolver } from '../dids/index.js';
import type { DidDocument, DidResolver } from '../dids/types.js';
import { createDocumentLoader } from '../document-loader/index.js';
import { shareActiveContextDefinitions } from '../document-loader/active-context.js';
import { GxTrustError, isGxTrustError, type ErrorCode } from '../errors.js';
import { dataIntegrityFormat } from '../verifying/data-integrity.js';
import type { VerifyContext } from '../verifying/types.js';
import type { VerifyDataIntegrityTask, WorkerOutcome, WorkerTask } from './tasks.js';

// This thread's jsonld, as the main thread's (src/service.ts).
shareActiveContextDefinitions();
lowerThreadPriority();

/**
 * Canonicalization yields the CPU to the event loop: on Linux the nice value is per thread, so this
 * thread (not the process) runs at nice 10. While the main thread has work (JWT verifications,
 * cached results, health checks) it is served first; while it has none, the pool has the cores as
 * before. Without it, a flood of expensive Data Integrity inputs (poison graphs at 3 ms each) took
 * the cores from every cheap request. Elsewhere, or if refused, the thread keeps its priority.
 * @see https://man7.org/linux/man-pages/man2/setpriority.2.html (BUGS: the nice value is per thread)
 */
function lowerThreadPriority(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, 10);
  } catch {
    // Not Linux, or not allowed: nothing to do.
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
    documentLoader: createDocumentLoader({ resolver }),
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
