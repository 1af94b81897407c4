import { describe, expect, it } from 'vitest';
import { DependencyRates } from './dependency-rates.js';
import type { Sample } from './prometheus-text.js';

/** One consumer replica's dependency series: calls by outcome and the latency buckets of one capability. */
function scrape(capability: string, ok: number, failed: number, buckets: [string, number][]): Sample[] {
  return [
    { name: 'mesh_dependency_calls_total', labels: { capability, outcome: 'ok' }, value: ok },
    { name: 'mesh_dependency_calls_total', labels: { capability, outcome: 'TIMEOUT' }, value: failed },
    ...buckets.map(([le, value]) => ({
      name: 'mesh_dependency_duration_seconds_bucket',
      labels: { capability, le },
      value,
    })),
    { name: 'mesh_tool_calls_total', labels: { tool: 'x', outcome: 'ok' }, value: 999 },
  ];
}

describe('DependencyRates', () => {
  it('has no rates before a replica was scraped twice', () => {
    const rates = new DependencyRates();
    expect(rates.edgeMetrics('order-agent', ['user_get'])).toBeNull();
    rates.record('order-1', 'order-agent', scrape('user_get', 10, 0, [['+Inf', 10]]), 0);
    expect(rates.edgeMetrics('order-agent', ['user_get'])).toBeNull();
  });

  it('gives calls/s, error ratio and p95 between scrapes, summed over replicas and capabilities', () => {
    const rates = new DependencyRates();
    rates.record(
      'order-1',
      'order-agent',
      scrape('user_get', 100, 0, [
        ['0.01', 90],
        ['0.1', 100],
        ['+Inf', 100],
      ]),
      0,
    );
    rates.record(
      'order-2',
      'order-agent',
      scrape('user_get', 0, 0, [
        ['0.01', 0],
        ['0.1', 0],
        ['+Inf', 0],
      ]),
      0,
    );
    // order-1: 20 more calls in 2 s, 2 of them failed; order-2: 20 in 2 s, all ok but slower.
    rates.record(
      'order-1',
      'order-agent',
      scrape('user_get', 118, 2, [
        ['0.01', 110],
        ['0.1', 120],
        ['+Inf', 120],
      ]),
      2000,
    );
    rates.record(
      'order-2',
      'order-agent',
      scrape('user_get', 20, 0, [
        ['0.01', 0],
        ['0.1', 20],
        ['+Inf', 20],
      ]),
      2000,
    );
    const metrics = rates.edgeMetrics('order-agent', ['user_get']);
    expect(metrics?.callsPerSecond).toBeCloseTo(20, 10);
    expect(metrics?.errorRatio).toBeCloseTo(2 / 40, 10);
    // 20 calls ≤ 10 ms, 20 between 10 and 100 ms: rank 38 is 18/20 of the way into the second bucket.
    expect(metrics?.p95Seconds).toBeCloseTo(0.01 + 0.09 * (18 / 20), 10);
    expect(metrics?.windowSeconds).toBe(2);
    expect(rates.edgeMetrics('order-agent', ['payment_process'])).toEqual({
      callsPerSecond: 0,
      errorRatio: null,
      p95Seconds: null,
      windowSeconds: 2,
    });
  });

  it('counts from zero again after a replica restarted (a counter went down)', () => {
    const rates = new DependencyRates();
    rates.record('a', 'gw', scrape('c', 500, 0, [['+Inf', 500]]), 0);
    rates.record('a', 'gw', scrape('c', 6, 0, [['+Inf', 6]]), 3000);
    expect(rates.edgeMetrics('gw', ['c'])?.callsPerSecond).toBeCloseTo(2, 10);
  });

  it('looks back over its window, keeping one older scrape as the base', () => {
    const rates = new DependencyRates(10_000);
    for (let s = 0; s <= 20; s += 2)
      rates.record('a', 'gw', scrape('c', s * 10, 0, [['+Inf', s * 10]]), s * 1000);
    const metrics = rates.edgeMetrics('gw', ['c']);
    expect(metrics?.windowSeconds).toBe(10);
    expect(metrics?.callsPerSecond).toBeCloseTo(10, 10);
  });

  it('forgets replicas that are gone', () => {
    const rates = new DependencyRates();
    rates.record('a', 'gw', scrape('c', 0, 0, []), 0);
    rates.record('a', 'gw', scrape('c', 4, 0, []), 1000);
    rates.retain(new Set());
    expect(rates.edgeMetrics('gw', ['c'])).toBeNull();
  });
});
