import { describe, expect, it } from 'vitest';
import { histogramQuantile } from './histogram-quantile.js';

describe('histogramQuantile', () => {
  it('interpolates inside the bucket the quantile falls in', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.1, count: 90 },
      { le: 1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    // rank 95: 5 of the 10 calls between 0.1 s and 1 s.
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.55, 10);
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01, 10);
  });

  it('answers the highest finite bound when the quantile is in +Inf, and null without observations', () => {
    expect(
      histogramQuantile(0.95, [
        { le: 0.5, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(0.5);
    expect(histogramQuantile(0.95, [{ le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.95, [])).toBeNull();
  });
});
