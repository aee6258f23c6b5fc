/**
 * The worker pool for CPU-heavy work (JSON-LD expansion and RDF canonicalization of Data Integrity
 * proofs; Danube self-description validation: JSON-LD to RDF and SHACL), so the event loop keeps
 * answering (health checks, JWT verifications) while a burst of such work runs. piscina, sized to the cores (GX_WORKERS; 0 = no pool, all in
 * the main thread). Threads start on first use, so a process that never verifies Data Integrity
 * (the CLI, most tests) never starts one, and they leave after a minute idle.
 *
 * RSA (PS256) signing is deliberately not sent here: jose 6 signs through WebCrypto, whose jobs
 * already run on libuv's threadpool, off the event loop. Measured through this pool (a `sign-jws`
 * task with the KeyObject cloned to the thread), PS256 signing fell from 3,308/s to 1,379/s and
 * PS256 issuance over HTTP from 539/s to 312/s, for the same event-loop delay (66 ms p99).
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { GxTrustError } from '../errors.js';
import type { PoolWorkerData, WorkerOutcome, WorkerTask } from './tasks.js';

/**
 * How the pool's threads are scheduled against the event loop (Linux; elsewhere they keep the
 * process's priority). 'low' (the default) is nice 10: the event loop is served first and the pool
 * keeps about a tenth of a contended core. 'idle' is SCHED_IDLE: the threads run only when no other
 * thread wants the core and a waking event loop preempts them at once. 'normal' leaves them alone.
 *
 * Measured with the load run's generator on the same 2 cores: before the anonymous canonicalization
 * share existed, an anonymous poison-graph flood took the benign p99 to 4x at nice 10 and about
 * 2-2.7x as SCHED_IDLE (3.7x at nice 19: a nice value only weighs the time slices, it does not make
 * the waking loop preempt). With the share, which keeps anonymous floods off the pool, the two are
 * alike under attack (1.3x), while SCHED_IDLE verifies uncached Data Integrity about 10 % slower
 * (2.2-2.3x against 2.5x the raw library) for a /health p50 of 0.7 ms instead of 1.1 ms during a
 * burst. Hence 'low' by default, and 'idle' where callers with API keys may send floods of costly work.
 */
export type WorkerPriority = 'idle' | 'low' | 'normal';

export interface WorkerPoolOptions {
  /** Threads; the number of cores when omitted. */
  threads?: number;
  /** A thread idle this long exits. Default 60 s. */
  idleTimeoutMs?: number;
  /** Default 'low'. */
  priority?: WorkerPriority;
  /** Most tasks waiting for a thread; past it a task is refused at once with VERIFIER_BUSY. Default 128. */
  maxQueued?: number;
  /** Told of every task refused because the queue was full (for a metric). */
  onShed?: () => void;
}

export interface WorkerPool {
  readonly threads: number;
  /**
   * Runs `task` on a pool thread; a GxTrustError thrown there is rethrown here with its code.
   * `shed: false` waits for a thread however long the queue instead of being refused: for work the
   * service does for itself and must not fail under load (re-signing its own status lists), which
   * its caller keeps bounded.
   */
  run<T>(task: WorkerTask, options?: { shed?: boolean }): Promise<T>;
  /**
   * Refuses at once (VERIFIER_BUSY) when the queue is full, so a caller can shed a task before it
   * prepares it (resolving DIDs, cloning the input); `run` refuses the same way.
   */
  admit(): void;
  /**
   * Tasks waiting for a thread, tasks handed to `run` and not settled yet (queued included),
   * threads alive, tasks completed (for metrics, the load driver and tests).
   */
  stats(): { queued: number; inFlight: number; threads: number; completed: number };
  destroy(): Promise<void>;
}

/**
 * The worker threads' module. Compiled (dist/), it is worker.js beside this file; from source
 * (tests, `tsx src/main.ts`) a thread starts as plain Node and cannot load worker.ts, so
 * entry.mjs registers tsx first.
 */
const WORKER_FILE = new URL(import.meta.url.endsWith('.ts') ? './entry.mjs' : './worker.js', import.meta.url).href;

export const defaultWorkerThreads = (): number => availableParallelism();

export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const threads = Math.max(1, options.threads ?? defaultWorkerThreads());
  const maxQueued = options.maxQueued ?? 128;
  let piscina: Piscina | undefined;
  let destroyed = false;
  let inFlight = 0;

  const started = (): Piscina => {
    if (destroyed) throw new GxTrustError('INTERNAL', 'the worker pool is shut down');
    piscina ??= new Piscina({
      filename: WORKER_FILE,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
      // Tasks are async (they await the document loader): let a thread's event loop run between
      // tasks instead of blocking it in Atomics.wait.
      atomics: 'disabled',
      // Two tasks per thread: the next one is already there when one finishes, instead of waiting for
      // a round trip through the main thread (measured: +15 % Data Integrity verifications per second).
      concurrentTasksPerWorker: 2,
      workerData: { priority: options.priority ?? 'low' } satisfies PoolWorkerData,
    });
    return piscina;
  };

  // A bounded queue: past it, waiting would only grow memory and every caller's latency. The
  // caller is told to come back (503 with Retry-After) at the cost of a few microseconds.
  function admit(): void {
    const queued = piscina?.queueSize ?? 0;
    if (queued < maxQueued) return;
    options.onShed?.();
    throw new GxTrustError('VERIFIER_BUSY', `${queued} verifications or validations are already waiting for a worker thread`, {
      hint: 'Retry after the number of seconds in Retry-After',
      retryAfterSeconds: 1,
    });
  }

  return {
    threads,
    admit,
    async run<T>(task: WorkerTask, runOptions: { shed?: boolean } = {}): Promise<T> {
      if (runOptions.shed !== false) admit();
      const pending = started().run(task) as Promise<WorkerOutcome<T>>;
      inFlight += 1;
      const outcome = await pending.finally(() => (inFlight -= 1));
      if (outcome.ok) return outcome.value;
      throw new GxTrustError(outcome.code, outcome.message, {
        ...(outcome.pointer === undefined ? {} : { pointer: outcome.pointer }),
        ...(outcome.hint === undefined ? {} : { hint: outcome.hint }),
      });
    },
    stats() {
      return { queued: piscina?.queueSize ?? 0, inFlight, threads: piscina?.threads.length ?? 0, completed: piscina?.completed ?? 0 };
    },
    async destroy() {
      destroyed = true;
      await piscina?.destroy();
    },
  };
}
