import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/storage/group-commit.js';

describe('GroupCommit', () => {
  it('writes the items submitted together in one call, in order', async () => {
    const calls: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      calls.push(items);
      return items.map((i) => `ok ${i}`);
    });
    const results = await Promise.all([1, 2, 3, 4].map((i) => group.submit(i)));
    expect(results).toEqual(['ok 1', 'ok 2', 'ok 3', 'ok 4']);
    expect(calls).toEqual([[1, 2, 3, 4]]);
  });

  it('gathers the next group while one is being written', async () => {
    const calls: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const group = new GroupCommit<number, number>(async (items) => {
      calls.push(items);
      if (calls.length === 1) await first;
      return items;
    });
    const a = group.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = [2, 3, 4].map((i) => group.submit(i));
    release();
    expect(await Promise.all([a, ...rest])).toEqual([1, 2, 3, 4]);
    expect(calls).toEqual([[1], [2, 3, 4]]);
  });

  it('after a failed group, writes each member on its own: one bad item fails alone with its own error', async () => {
    const calls: number[][] = [];
    const group = new GroupCommit<number, number>(async (items) => {
      calls.push(items);
      const bad = items.find((i) => i % 3 === 0);
      if (bad !== undefined) throw new Error(`bad ${bad}`);
      return items.map((i) => i * 10);
    });
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 6].map((i) => group.submit(i)));
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : (o.reason as Error).message))).toEqual([10, 20, 'bad 3', 40, 'bad 6']);
    expect(calls).toEqual([[1, 2, 3, 4, 6], [1], [2], [3], [4], [6]]);
  });

  it('bounds a group at maxBatch', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => group.submit(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });

  it('asks a maxInFlight function each time a group could start: two groups while it says 2, one after', async () => {
    let room = 2;
    const calls: number[][] = [];
    const releases: (() => void)[] = [];
    const group = new GroupCommit<number, number>(
      async (items) => {
        calls.push(items);
        await new Promise<void>((resolve) => releases.push(resolve));
        return items;
      },
      64,
      () => room,
    );
    const first = [1, 2, 3, 4].map((i) => group.submit(i));
    await new Promise((resolve) => setImmediate(resolve));
    // What was pending is shared between the two slots.
    expect(calls).toEqual([[1, 2], [3, 4]]);
    room = 1;
    const later = [5, 6].map((i) => group.submit(i));
    releases.shift()!();
    await Promise.all(first.slice(0, 2));
    await new Promise((resolve) => setImmediate(resolve));
    // One group still in flight and room for one: nothing more starts.
    expect(calls).toHaveLength(2);
    releases.shift()!();
    await Promise.all(first);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([[1, 2], [3, 4], [5, 6]]);
    releases.shift()!();
    expect(await Promise.all(later)).toEqual([5, 6]);
  });

  it("does not write a failed group's members again when retryAlone refuses its error: each gets the group's error", async () => {
    const calls: number[][] = [];
    const lost = new Error('lost with the thread');
    const group = new GroupCommit<number, number>(
      async (items) => {
        calls.push(items);
        throw lost;
      },
      64,
      1,
      (error) => error !== lost,
    );
    const outcomes = await Promise.allSettled([1, 2, 3].map((i) => group.submit(i)));
    expect(outcomes.map((o) => (o.status === 'rejected' ? o.reason : o.value))).toEqual([lost, lost, lost]);
    expect(calls).toEqual([[1, 2, 3]]);
  });

  it('shares what is pending among free slots only down to minSplit items a group', async () => {
    const calls: number[][] = [];
    const group = new GroupCommit<number, number>(
      async (items) => {
        calls.push(items);
        return items;
      },
      64,
      2,
      () => true,
      4,
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((i) => group.submit(i)));
    expect(calls).toEqual([[1, 2, 3, 4], [5, 6]]);
  });
});
