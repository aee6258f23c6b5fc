/**
 * BENCH_PG_COUNT_QUERIES=1: counts the statements every pg client sends, by their first 40
 * characters, so a bench can print statements per operation (bench/pg-group-cpu.ts,
 * bench/pg-recorded-cpu.ts). Empty, and pg untouched, otherwise.
 */
import pg from 'pg';

export function countPgQueries(): Map<string, number> {
  const counts = new Map<string, number>();
  if (process.env['BENCH_PG_COUNT_QUERIES'] !== '1') return counts;
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const first = args[0];
    const text = typeof first === 'string' ? first : ((first as { text?: string } | null)?.text ?? '?');
    const key = text.trim().replace(/\s+/g, ' ').slice(0, 40);
    counts.set(key, (counts.get(key) ?? 0) + 1);
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  return counts;
}
