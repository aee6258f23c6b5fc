/**
 * A progress line on stderr for long CLI jobs (bulk verify), so stdout stays the machine-readable
 * result. On a terminal one line is rewritten in place; elsewhere (--progress into a file or a CI
 * log) whole lines are written, at most one per interval, so a log does not get one line per item.
 */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  /** One item finished; `ok` false counts it as failed. */
  tick(ok: boolean): void;
  /** Writes the final count (always, when enabled) and ends the line. */
  done(): void;
}

export interface ProgressOptions {
  total: number;
  /** The verb of the line: `verified 120/500 (3 failed)`. */
  verb: string;
  enabled: boolean;
  stream?: ProgressStream;
  /** Minimum time between two lines when the stream is not a terminal. */
  intervalMs?: number;
  now?: () => number;
}

export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? (stream.isTTY === true ? 100 : 1000);
  let finished = 0;
  let failed = 0;
  let lastWrite = Number.NEGATIVE_INFINITY;
  const line = () => `${options.verb} ${finished}/${options.total} (${failed} failed)`;
  const write = (final: boolean) => {
    if (stream.isTTY === true) stream.write(`\r${line()}\x1b[K${final ? '\n' : ''}`);
    else stream.write(line() + '\n');
    lastWrite = now();
  };
  return {
    tick(ok) {
      finished += 1;
      if (!ok) failed += 1;
      if (options.enabled && finished < options.total && now() - lastWrite >= intervalMs) write(false);
    },
    done() {
      if (options.enabled) write(true);
    },
  };
}
