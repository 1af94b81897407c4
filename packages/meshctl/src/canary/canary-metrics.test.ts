import { describe, expect, it } from 'vitest';
import { addExposition, deltaOf, errorPercent, latencyQuantile } from './canary-metrics.js';
import { judge } from './canary-decision.js';

const CAPS = new Set(['order_processing']);

function exposition(stable: [number, number], canary: [number, number]): string {
  const calls = (version: string, outcome: string, n: number) =>
    `mesh_dependency_calls_total{agent="api-gateway",agent_id="g1",dependency="orders",capability="order_processing",outcome="${outcome}",version="${version}"} ${n}`;
  const bucket = (version: string, le: string, n: number) =>
    `mesh_dependency_duration_seconds_bucket{agent="api-gateway",dependency="orders",capability="order_processing",version="${version}",le="${le}"} ${n}`;
  return [
    '# HELP mesh_dependency_calls_total Calls.',
    calls('1.0.0', 'ok', stable[0]),
    calls('1.0.0', 'TIMEOUT', stable[1]),
    calls('2.0.0', 'ok', canary[0]),
    calls('2.0.0', 'INTERNAL', canary[1]),
    `mesh_dependency_calls_total{agent="api-gateway",capability="user_get",outcome="INTERNAL",version="3.0.0"} 99`,
    bucket('2.0.0', '0.01', 50),
    bucket('2.0.0', '0.1', 90),
    bucket('2.0.0', '1', 100),
    bucket('2.0.0', '+Inf', 100),
  ].join('\n');
}

describe('canary metrics', () => {
  it('sums calls and errors per version of the capabilities asked for only', () => {
    const totals = addExposition(exposition([90, 10], [8, 2]), CAPS);
    expect(totals.get('1.0.0')).toMatchObject({ calls: 100, errors: 10 });
    expect(totals.get('2.0.0')).toMatchObject({ calls: 10, errors: 2 });
    expect(totals.has('3.0.0')).toBe(false);
    addExposition(exposition([10, 0], [0, 0]), CAPS, totals);
    expect(totals.get('1.0.0')).toMatchObject({ calls: 110, errors: 10 });
  });

  it('takes the difference between two samples, and the error percent of it', () => {
    const before = addExposition(exposition([90, 10], [8, 2]), CAPS);
    const after = addExposition(exposition([180, 20], [10, 20]), CAPS);
    const delta = deltaOf(after, before);
    expect(delta.get('2.0.0')).toMatchObject({ calls: 20, errors: 18 });
    expect(errorPercent(delta.get('2.0.0'))).toBe(90);
    expect(errorPercent(delta.get('1.0.0'))).toBe(10);
    expect(errorPercent(undefined)).toBeUndefined();
  });

  it('interpolates the p95 inside its bucket as histogram_quantile does', () => {
    const stats = addExposition(exposition([0, 0], [0, 0]), CAPS).get('2.0.0');
    // rank 95 of 100 lies halfway between 90 (le 0.1) and 100 (le 1).
    expect(latencyQuantile(stats)).toBeCloseTo(0.55, 5);
    expect(latencyQuantile({ calls: 0, errors: 0, buckets: new Map() })).toBeUndefined();
  });
});

describe('judge', () => {
  const options = { marginPoints: 5, minCalls: 10 };
  const stats = (calls: number, errors: number) => ({ calls, errors, buckets: new Map() });

  it('rolls back a canary failing more than the stable version plus the margin', () => {
    expect(judge(stats(100, 1), stats(20, 10), options).verdict).toBe('rollback');
  });

  it('advances a canary within the margin, and one without a stable to compare to', () => {
    expect(judge(stats(100, 2), stats(20, 1), options).verdict).toBe('advance');
    expect(judge(undefined, stats(20, 0), options).verdict).toBe('advance');
  });

  it('waits while the canary served too few calls to tell', () => {
    const judgement = judge(stats(100, 0), stats(3, 3), options);
    expect(judgement.verdict).toBe('wait');
    expect(judgement.reason).toContain('3 canary call(s)');
  });
});
