import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry, RegistryContentType } from 'prom-client';

/** Extra settings of a histogram: its buckets, and exemplars where the registry speaks OpenMetrics. */
export interface HistogramSettings {
  readonly buckets: readonly number[];
  readonly exemplars?: boolean;
}

/** Declares metrics into one registry: a name, its help and its labels, one line each. */
export interface MetricFactory {
  counter<L extends string = never>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (this: Counter<L>) => void | Promise<void>,
  ): Counter<L>;
  gauge<L extends string = never>(
    name: string,
    help: string,
    labelNames?: readonly L[],
    collect?: (this: Gauge<L>) => void | Promise<void>,
  ): Gauge<L>;
  histogram<L extends string = never>(
    name: string,
    help: string,
    labelNames: readonly L[],
    settings: HistogramSettings,
  ): Histogram<L>;
}

/** A factory for the metrics of `registry` (each app keeps its own registry, so tests can run several). */
export function metricsIn(registry: Registry<RegistryContentType>): MetricFactory {
  const registers = [registry];
  return {
    counter: (name, help, labelNames = [], collect) =>
      new Counter({ name, help, labelNames, registers, ...(collect ? { collect } : {}) }),
    gauge: (name, help, labelNames = [], collect) =>
      new Gauge({ name, help, labelNames, registers, ...(collect ? { collect } : {}) }),
    histogram: (name, help, labelNames, settings) =>
      new Histogram({
        name,
        help,
        labelNames,
        buckets: [...settings.buckets],
        registers,
        ...(settings.exemplars ? { enableExemplars: true } : {}),
      }),
  };
}
