/**
 * The worker pool for CPU-heavy work (JSON-LD expansion and RDF canonicalization of Data Integrity
 * proofs), so the event loop keeps answering (health checks, JWT verifications) while a burst of
 * Data Integrity verifications runs. piscina, sized to the cores (GX_WORKERS; 0 = no pool, all in
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
import type { WorkerOutcome, WorkerTask } from './tasks.js';

export interface WorkerPoolOptions {
  /** Threads; the number of cores when omitted. */
  threads?: number;
  /** A thread idle this long exits. Default 60 s. */
  idleTimeoutMs?: number;
}

export interface WorkerPool {
  readonly threads: number;
  /** Runs `task` on a pool thread; a GxTrustError thrown there is rethrown here with its code. */
  run<T>(task: WorkerTask): Promise<T>;
  /** Tasks waiting for a thread and threads alive (for metrics and the load driver). */
  stats(): { queued: number; threads: number; completed: number };
  destroy(): Promise<void>;
}

export const defaultWorkerThreads = (): number => availableParallelism();

export function createWorkerPool(options: WorkerPoolOptions = {}): WorkerPool {
  const threads = Math.max(1, options.threads ?? defaultWorkerThreads());
  let piscina: Piscina | undefined;
  let destroyed = false;

  const started = (): Piscina => {
    if (destroyed) throw new GxTrustError('INTERNAL', 'the worker pool is shut down');
    piscina ??= new Piscina({
      filename: new URL('./entry.mjs', import.meta.url).href,
      minThreads: 0,
      maxThreads: threads,
      idleTimeout: options.idleTimeoutMs ?? 60_000,
      // Tasks are async (they await the document loader): let a thread's event loop run between
      // tasks instead of blocking it in Atomics.wait.
      atomics: 'disabled',
      // Two tasks per thread: the next one is already there when one finishes, instead of waiting for
      // a round trip through the main thread (measured: +15 % Data Integrity verifications per second).
      concurrentTasksPerWorker: 2,
    });
    return piscina;
  };

  return {
    threads,
    async run<T>(task: WorkerTask): Promise<T> {
      const outcome = (await started().run(task)) as WorkerOutcome<T>;
      if (outcome.ok) return outcome.value;
      throw new GxTrustError(outcome.code, outcome.message);
    },
    stats() {
      return { queued: piscina?.queueSize ?? 0, threads: piscina?.threads.length ?? 0, completed: piscina?.completed ?? 0 };
    },
    async destroy() {
      destroyed = true;
      await piscina?.destroy();
    },
  };
}
