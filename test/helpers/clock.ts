/**
 * A clock the test moves by hand, for decisions that depend on elapsed time (rate windows, cache
 * TTLs): the outcome then depends on what the test says happened, never on how fast the machine
 * ran the requests in between.
 */
import type { Clock } from '../../src/clock.js';

export interface ManualClock {
  clock: Clock;
  /** Moves the clock forward; it never moves on its own. */
  advance(milliseconds: number): void;
}

export function manualClock(start: Date = new Date()): ManualClock {
  let now = start.getTime();
  return {
    clock: () => new Date(now),
    advance(milliseconds) {
      now += milliseconds;
    },
  };
}
