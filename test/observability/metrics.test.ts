/**
 * Counts bumped on every verification are tallied and added to their Prometheus counters when the
 * registry is read: each read shows every count so far, once.
 */
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../src/observability/metrics.js';
import { failed, makeReport, passed } from '../../src/verifying/report.js';

function sample(text: string, line: string): number | undefined {
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('verification counters', () => {
  it('show every count since the start at each read, none counted twice', async () => {
    const metrics = createMetrics({ defaultMetrics: false });
    const good = makeReport('vc+jwt', [passed('format'), passed('proof')], {});
    const bad = makeReport('vc+jwt', [passed('format'), failed('proof', 'INVALID_SIGNATURE', 'no')], {});
    metrics.observeReport('credential', good);
    metrics.observeReport('credential', good);
    metrics.observeCacheLookup('did', true);
    let text = await metrics.registry.metrics();
    expect(sample(text, 'gx_verifications_total{kind="credential",format="vc+jwt",result="verified"}')).toBe(2);
    expect(sample(text, 'gx_verification_checks_total{kind="credential",check="proof",result="passed"}')).toBe(2);
    expect(sample(text, 'gx_cache_lookups_total{cache="did",result="hit"}')).toBe(1);

    metrics.observeReport('credential', good);
    metrics.observeReport('credential', bad);
    metrics.observeCacheLookup('did', false);
    text = await metrics.registry.metrics();
    expect(sample(text, 'gx_verifications_total{kind="credential",format="vc+jwt",result="verified"}')).toBe(3);
    expect(sample(text, 'gx_verifications_total{kind="credential",format="vc+jwt",result="failed"}')).toBe(1);
    expect(sample(text, 'gx_verification_checks_total{kind="credential",check="format",result="passed"}')).toBe(4);
    expect(sample(text, 'gx_verification_checks_total{kind="credential",check="proof",result="failed"}')).toBe(1);
    expect(sample(text, 'gx_cache_lookups_total{cache="did",result="hit"}')).toBe(1);
    expect(sample(text, 'gx_cache_lookups_total{cache="did",result="miss"}')).toBe(1);
    // A read with nothing new changes nothing.
    expect(await metrics.registry.metrics()).toBe(text);
    metrics.close();
  });
});
