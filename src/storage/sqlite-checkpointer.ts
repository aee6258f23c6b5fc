/**
 * WAL checkpoints on a thread of their own. In WAL mode SQLite copies committed pages back into
 * the database file once the log reaches `wal_autocheckpoint` pages, inside the COMMIT that
 * crossed it, with two fsyncs: on the event loop's thread, since better-sqlite3 is synchronous.
 * Profiled under recorded issuance, the commits that ran a checkpoint (over 5 ms each, up to 70 ms
 * on a busy disk) took 12-19 % of the run's wall time, every request waiting on them.
 *
 * Here a worker thread with its own connection runs `PRAGMA wal_checkpoint(PASSIVE)` every
 * `CHECKPOINT_INTERVAL_MS`. PASSIVE takes no lock a writer or reader needs and never waits (it
 * copies what no reader still uses, and leaves the rest for next time), so the event loop's
 * connection is never blocked by it; that connection's own automatic checkpoint stays as a
 * safety net at a size the worker keeps the log well below. Durability does not change: commits
 * are in the WAL (a killed process loses nothing committed); with `synchronous = NORMAL` the WAL
 * is synced at each checkpoint, so what an OS crash or power cut can lose is bounded by the
 * interval, where it was bounded by 1,000 pages of log before.
 * @see https://www.sqlite.org/wal.html#ckpt
 * @see https://www.sqlite.org/c3ref/wal_checkpoint_v2.html
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { GxTrustError } from '../errors.js';

/** How often the worker checkpoints; also the most a power cut can lose, beyond the checkpoint in progress. */
export const CHECKPOINT_INTERVAL_MS = 250;
/** The event loop's connection checkpoints itself only past this (the default is 1,000 pages). */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;
/**
 * Checkpoints that throw, in a row, before the worker gives up (5 s at the production interval). One
 * failure is retried at the next tick (a transient I/O error); a run of them means the bound above no
 * longer holds, so the worker stops and the store's connection takes its checkpoints back.
 */
export const MAX_CONSECUTIVE_FAILURES = 20;

// CommonJS, evaluated: no file to find next to the compiled or the tsx-run module. Nothing here
// writes rows. A result of busy=1 is not an exception and not a failure: PASSIVE answers it when a
// reader still uses frames (or another connection is checkpointing), and copies what it can; the
// rest waits for the next tick, so a log a reader pins is left to that reader, not counted. Only a
// checkpoint that throws (I/O error, corruption) counts, and any checkpoint that returns resets the run.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
let failures = 0;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failures = 0;
  } catch (error) {
    failures++;
    if (failures >= workerData.maxConsecutiveFailures) {
      clearInterval(timer);
      parentPort.postMessage({ gaveUp: { failures, code: String(error && error.code), message: String(error && error.message) } });
    }
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  try { db.close(); } finally { parentPort.close(); }
});
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection. */
  stop(): Promise<void>;
}

export interface CheckpointerOptions {
  /** Tests shorten it; production runs at CHECKPOINT_INTERVAL_MS. */
  intervalMs?: number;
  /** Tests lower it; production gives up after MAX_CONSECUTIVE_FAILURES. */
  maxConsecutiveFailures?: number;
}

/**
 * Starts checkpointing `path` from a worker. `onFailure` is called, once, if the worker cannot run
 * or gave up after a run of failed checkpoints (the caller then gives its own connection the
 * default automatic checkpoint back).
 */
export function startCheckpointer(path: string, onFailure: (error: unknown) => void, options: CheckpointerOptions = {}): Checkpointer {
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      path,
      driver: createRequire(import.meta.url).resolve('better-sqlite3'),
      intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS,
      maxConsecutiveFailures: options.maxConsecutiveFailures ?? MAX_CONSECUTIVE_FAILURES,
    },
    // Small: it holds one connection and a timer.
    resourceLimits: { maxOldGenerationSizeMb: 16 },
  });
  // It must never keep a process alive that is otherwise done.
  worker.unref();
  let stopped = false;
  let failed = false;
  const fail = (error: unknown): void => {
    if (stopped || failed) return;
    failed = true;
    onFailure(error);
  };
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.once('error', fail);
  worker.on('message', (message: { gaveUp?: { failures: number; code: string; message: string } }) => {
    const gaveUp = message.gaveUp;
    if (gaveUp === undefined) return;
    fail(
      new GxTrustError('INTERNAL', `${gaveUp.failures} WAL checkpoints in a row failed on the checkpoint worker (last: ${gaveUp.code}: ${gaveUp.message}); it stopped`, {
        hint: 'Check the disk and the database file; the store checkpoints in its own commits until it is reopened',
      }),
    );
    // Its connection closed, the thread ends; stop() later waits for nothing more.
    worker.postMessage('stop');
  });
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      // Waited for now: an unreferenced worker's exit would not keep the loop alive to see it.
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
  };
}
