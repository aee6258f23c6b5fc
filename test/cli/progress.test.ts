import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function recorder(isTTY: boolean) {
  const lines: string[] = [];
  return { lines, stream: { isTTY, write: (text: string) => lines.push(text) } };
}

describe('createProgress()', () => {
  it('rewrites one line in place on a terminal and ends it when done', () => {
    const { lines, stream } = recorder(true);
    const progress = createProgress({ total: 3, verb: 'verified', enabled: true, stream, intervalMs: 0 });
    progress.tick(true);
    progress.tick(false);
    progress.tick(true);
    progress.done();
    expect(lines).toEqual(['\rverified 1/3 (0 failed)\x1b[K', '\rverified 2/3 (1 failed)\x1b[K', '\rverified 3/3 (1 failed)\x1b[K\n']);
  });

  it('writes whole lines at most once per interval elsewhere, and always the final count', () => {
    const { lines, stream } = recorder(false);
    let now = 0;
    const progress = createProgress({ total: 500, verb: 'verified', enabled: true, stream, intervalMs: 1000, now: () => now });
    for (let i = 0; i < 500; i += 1) {
      now += 5; // 2.5 s in all: the first tick, then one line a second
      progress.tick(i % 100 !== 0);
    }
    progress.done();
    expect(lines).toEqual(['verified 1/500 (1 failed)\n', 'verified 201/500 (3 failed)\n', 'verified 401/500 (5 failed)\n', 'verified 500/500 (5 failed)\n']);
  });

  it('writes nothing when disabled', () => {
    const { lines, stream } = recorder(true);
    const progress = createProgress({ total: 2, verb: 'verified', enabled: false, stream });
    progress.tick(true);
    progress.done();
    expect(lines).toEqual([]);
  });
});
