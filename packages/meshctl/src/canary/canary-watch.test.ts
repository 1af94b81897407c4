import { describe, expect, it } from 'vitest';
import type { VersionTotals } from './canary-metrics.js';
import { parseSteps, watchCanary } from './canary-watch.js';
import type { CanaryWatchOptions } from './canary-watch.js';

/** Cumulative totals growing by `per` calls (and `errors` of them failed) per version and sample. */
function counters(per: Record<string, [number, number]>[]): () => Promise<VersionTotals> {
  const totals: VersionTotals = new Map();
  let index = 0;
  return async () => {
    const step = per[Math.min(index, per.length - 1)]!;
    index += 1;
    for (const [version, [calls, errors]] of Object.entries(step)) {
      const stats = totals.get(version) ?? { calls: 0, errors: 0, buckets: new Map() };
      totals.set(version, { ...stats, calls: stats.calls + calls, errors: stats.errors + errors });
    }
    return new Map([...totals].map(([v, s]) => [v, { ...s }]));
  };
}

function options(sample: () => Promise<VersionTotals>, actions: string[]): CanaryWatchOptions {
  return {
    stableVersion: '1.0.0',
    canaryVersion: '2.0.0',
    weight: 10,
    steps: [10, 25, 50, 100],
    intervalMs: 5000,
    marginPoints: 5,
    minCalls: 10,
    maxWaits: 2,
    sample,
    setWeight: async (weight) => void actions.push(`weight ${weight}`),
    rollback: async () => void actions.push('rollback'),
    promote: async () => void actions.push('promote'),
    log: () => undefined,
    sleep: async () => undefined,
  };
}

describe('watchCanary', () => {
  it('steps a healthy canary up through the weights and promotes it', async () => {
    const actions: string[] = [];
    const sample = counters([{ '1.0.0': [90, 1], '2.0.0': [20, 0] }]);
    expect(await watchCanary(options(sample, actions))).toBe('promoted');
    expect(actions).toEqual(['weight 25', 'weight 50', 'promote']);
  });

  it('rolls back a failing canary at the first interval that shows it', async () => {
    const actions: string[] = [];
    const sample = counters([{ '1.0.0': [0, 0] }, { '1.0.0': [90, 1], '2.0.0': [20, 20] }]);
    expect(await watchCanary(options(sample, actions))).toBe('rolled-back');
    expect(actions).toEqual(['rollback']);
  });

  it('gives up, weight unchanged, when the canary gets too few calls to judge', async () => {
    const actions: string[] = [];
    const sample = counters([{ '1.0.0': [90, 0], '2.0.0': [1, 0] }]);
    expect(await watchCanary(options(sample, actions))).toBe('inconclusive');
    expect(actions).toEqual([]);
  });

  it('holds at the last step when the steps stop short of 100', async () => {
    const actions: string[] = [];
    const sample = counters([{ '1.0.0': [90, 0], '2.0.0': [20, 0] }]);
    const outcome = await watchCanary({ ...options(sample, actions), steps: [25] });
    expect(outcome).toBe('held');
    expect(actions).toEqual(['weight 25']);
  });
});

describe('parseSteps', () => {
  it('reads ascending whole percents and refuses anything else', () => {
    expect(parseSteps('10, 25,50,100')).toEqual([10, 25, 50, 100]);
    expect(() => parseSteps('10,5')).toThrow(/ascending/);
    expect(() => parseSteps('10,101')).toThrow(/whole percents/);
    expect(() => parseSteps('ten')).toThrow(/whole percents/);
  });
});
