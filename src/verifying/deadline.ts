/**
 * Every verification ends by a deadline (GX_VERIFY_DEADLINE_MS): whatever it waits for (a DID
 * document, a status list, an X.509 chain, a pool thread), its report is built when the deadline
 * passes, with each check that had not finished as `verified: false` and CHECK_NOT_RUN. A request
 * never hangs, and "could not check in time" is never "valid".
 *
 * One AbortSignal per verification, shared by the work it starts (the credentials a presentation
 * holds, a status list's own verification), so the whole answers by one deadline. Work that was
 * started goes on until its own bounds end it (fetches have their own 3 s deadline); only the
 * verification stops waiting for it. Caches that share in-flight work drop an entry when the
 * deadline of the verification that started it passes (see the status lists' cache).
 */
import { GxTrustError } from '../errors.js';

export interface Deadline {
  readonly signal: AbortSignal;
  /** Clears the timer once the verification is done (a verification takes far less than its deadline). */
  done(): void;
}

/** The reason every signal of a deadline aborts with: a CHECK_NOT_RUN refusal naming the limit. */
export function deadlinePassed(ms: number): GxTrustError {
  return new GxTrustError('CHECK_NOT_RUN', `the verification deadline (${ms} ms) passed before this check finished`, {
    hint: 'A DID document, status list or certificate chain it needs did not arrive in time; try again later',
  });
}

export function startDeadline(ms: number): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlinePassed(ms)), ms);
  // The deadline alone must not keep a process (a CLI run) alive.
  timer.unref();
  return {
    signal: controller.signal,
    done: () => clearTimeout(timer),
  };
}

/**
 * `work`, or its deadline's reason (a CHECK_NOT_RUN GxTrustError) when the signal aborts first.
 * Without a signal, `work` itself. `work` is not cancelled: a late result or failure is dropped.
 *
 * `yieldToWork`: on abort, `work` gets until the next turn of the event loop. Work that watches the
 * same deadline itself (the status check, which names the entry it could not read) then answers
 * for itself, with its own pointer, instead of this generic refusal.
 */
export function withinDeadline<T>(work: Promise<T>, signal: AbortSignal | undefined, options: { yieldToWork?: boolean } = {}): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const expire = (): void => reject(signal.reason as unknown);
    const onAbort = options.yieldToWork === true ? () => void setImmediate(expire) : expire;
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/** Whether `error` is a deadline's reason (the check did not finish in time). */
export function isDeadlinePassed(error: unknown, signal: AbortSignal | undefined): boolean {
  return signal !== undefined && signal.aborted && error === signal.reason;
}
