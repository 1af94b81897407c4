/** One series of a metric as prom-client reports it. */
interface Series {
  readonly labels: Readonly<Partial<Record<string, string | number>>>;
  readonly value: number;
}

/** What seriesValue reads: an app's metrics object, which keeps its prom-client Registry as `registry`. */
export interface MetricLookup {
  readonly registry: {
    // Typed by shape, so testkit needs no prom-client of its own.
    getSingleMetric(name: string): { get(): Promise<{ values: readonly Series[] }> } | undefined;
  };
}

/**
 * The value of the first series of metric `name` in the registry of `metrics` whose labels include `labels`
 * (any series when none are given); undefined when the metric or such a series does not exist.
 */
export async function seriesValue(
  metrics: MetricLookup,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Promise<number | undefined> {
  const metric = await metrics.registry.getSingleMetric(name)?.get();
  const found = metric?.values.find((series) =>
    Object.entries(labels).every(([label, wanted]) => series.labels[label] === wanted),
  );
  return found?.value;
}
