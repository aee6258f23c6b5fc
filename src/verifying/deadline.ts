/**
 * Every verification ends by a deadline (GX_VERIFY_DEADLINE_MS): whatever it waits for (a DID
 * document, a status list, an X.509 chain, a pool thread), its report is built when the deadline
 * passes, with each check that had not finished as `verified: false` and CHECK_NOT_RUN. A request
 * never hangs, and "could not check in time" is never "valid".
 *
 * One Deadline per verification, shared by the work it starts (the credentials a presentation
 * holds, a status list's own verification), so the whole answers by one deadline. Work that was
 * started goes on until its own bounds end it (fetches have their own 3 s deadline); only the
 * verification stops waiting for it. Caches that share in-flight work drop an entry when the
 * deadline of the verification that started it passes (see the status lists' cache).
 */
import { GxTrustError } from '../errors.js';

/** The reason a deadline gives everything that waited on it: a CHECK_NOT_RUN refusal naming the limit. */
export function deadlinePassed(ms: number): GxTrustError {
  return new GxTrustError('CHECK_NOT_RUN', `the verification deadline (${ms} ms) passed before this check finished`, {
    hint: 'A DID document, status list or certificate chain it needs did not arrive in time; try again later',
  });
}

/**
 * One verification's deadline. Not an AbortSignal: every verification has a deadline, and with an
 * AbortController (an EventTarget) and a listener per awaited step it cost 6.6 µs a verification,
 * about 5 % of a vc+jwt one; this, a timer and a Set, 1.4 µs (measured per CPU-second, two steps).
 */
export class Deadline {
  #reason: GxTrustError | undefined;
  #listeners: Set<() => void> | undefined;

  constructor(private readonly ms: number) {}

  get expired(): boolean {
    return this.#reason !== undefined;
  }

  /** The CHECK_NOT_RUN refusal, once expired. */
  get reason(): GxTrustError | undefined {
    return this.#reason;
  }

  /** Calls `listener` once when the deadline passes (at once if it has); returns what unsubscribes it. */
  onExpiry(listener: () => void): () => void {
    if (this.#reason !== undefined) {
      listener();
      return () => undefined;
    }
    (this.#listeners ??= new Set()).add(listener);
    return () => this.#listeners?.delete(listener);
  }

  /** Called by the timer; listeners run in the order they subscribed. */
  expire(): void {
    if (this.#reason !== undefined) return;
    this.#reason = deadlinePassed(this.ms);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    for (const listener of listeners ?? []) listener();
  }
}

export interface StartedDeadline {
  readonly deadline: Deadline;
  /** Clears the timer once the verification is done (a verification takes far less than its deadline). */
  done(): void;
}

export function startDeadline(ms: number): StartedDeadline {
  const deadline = new Deadline(ms);
  const timer = setTimeout(() => deadline.expire(), ms);
  // The deadline alone must not keep a process (a CLI run) alive.
  timer.unref();
  return { deadline, done: () => clearTimeout(timer) };
}

/**
 * `work`, or the deadline's reason (a CHECK_NOT_RUN GxTrustError) when it passes first. Without a
 * deadline, `work` itself. `work` is not cancelled: a late result or failure is dropped.
 *
 * `yieldToWork`: when the deadline passes, `work` gets until the next turn of the event loop. Work
 * that watches the same deadline itself (the status check, which names the entry it could not read)
 * then answers for itself, with its own pointer, instead of this generic refusal.
 */
export function withinDeadline<T>(work: Promise<T>, deadline: Deadline | undefined, options: { yieldToWork?: boolean } = {}): Promise<T> {
  if (deadline === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const expire = (): void => reject(deadline.reason);
    const unsubscribe = deadline.onExpiry(options.yieldToWork === true ? () => void setImmediate(expire) : expire);
    work.then(
      (value) => {
        unsubscribe();
        resolve(value);
      },
      (error: unknown) => {
        unsubscribe();
        reject(error);
      },
    );
  });
}

/** Whether `error` is the deadline's reason (the check did not finish in time). */
export function isDeadlinePassed(error: unknown, deadline: Deadline | undefined): boolean {
  return deadline !== undefined && deadline.expired && error === deadline.reason;
}
