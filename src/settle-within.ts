/**
 * A promise that settles within `ms`: `work`'s outcome, or `timeout()`'s error once `ms` passed.
 * For caches that share in-flight work between callers (single flight): an entry whose work never
 * settles would hold every later caller forever, so each shared entry is given this bound and
 * leaves the cache when it settles either way. `work` itself is not stopped; its late outcome is
 * dropped.
 */
export function settleWithin<T>(work: Promise<T>, ms: number, timeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeout()), ms);
    // A bound alone must not keep a process (a CLI run) alive.
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
