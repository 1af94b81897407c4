/** One cumulative bucket: calls that took at most `le` seconds (`Infinity` for `+Inf`). */
export interface Bucket {
  readonly le: number;
  readonly count: number;
}

/**
 * The q-quantile of a cumulative histogram, interpolated linearly inside the bucket it falls in, as
 * Prometheus's `histogram_quantile` does; a quantile in the `+Inf` bucket is the highest finite bound.
 * Null when the histogram holds no observation.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of sorted) {
    if (bucket.count >= rank) {
      if (bucket.le === Infinity) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
