import { describe, expect, it } from 'vitest';
import { seriesValue, type MetricLookup } from './series-value.js';

/** A registry holding one counter with two labelled series, as prom-client reports them. */
const metrics: MetricLookup = {
  registry: {
    getSingleMetric: (name) =>
      name === 'orders_total'
        ? {
            get: async () => ({
              values: [
                { labels: { outcome: 'ok', code: '' }, value: 3 },
                { labels: { outcome: 'failed', code: 'X' }, value: 1 },
              ],
            }),
          }
        : undefined,
  },
};

describe('seriesValue', () => {
  it('reads the series whose labels include the ones asked for, or the first with none asked', async () => {
    expect(await seriesValue(metrics, 'orders_total', { outcome: 'failed' })).toBe(1);
    expect(await seriesValue(metrics, 'orders_total', { outcome: 'ok', code: '' })).toBe(3);
    expect(await seriesValue(metrics, 'orders_total')).toBe(3);
  });

  it('is undefined for a metric or a series that does not exist', async () => {
    expect(await seriesValue(metrics, 'refunds_total')).toBeUndefined();
    expect(await seriesValue(metrics, 'orders_total', { outcome: 'pending' })).toBeUndefined();
  });
});
