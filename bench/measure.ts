/** Sequential ops/s and p50/p99 after a warm-up, for the benchmarks in bench/. */
import { performance } from 'node:perf_hooks';

export async function measure(run: () => Promise<unknown>, iterations: number, warmMs = 3000): Promise<{ opsPerSecond: number; p50Ms: number; p99Ms: number }> {
  // A fresh process needs 3-5 s to reach full speed (JIT tiers, caches): warm up first.
  const warmUntil = performance.now() + warmMs;
  while (performance.now() < warmUntil) await run();
  const samples: number[] = [];
  const start = performance.now();
  for (let i = 0; i < iterations; i++) {
    const t0 = performance.now();
    await run();
    samples.push(performance.now() - t0);
  }
  const total = performance.now() - start;
  samples.sort((a, b) => a - b);
  const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { opsPerSecond: (iterations / total) * 1000, p50Ms: at(0.5), p99Ms: at(0.99) };
}
