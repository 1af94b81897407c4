import { collectDefaultMetrics } from 'prom-client';
import type { Registry, RegistryContentType } from 'prom-client';

/**
 * How often the event-loop delay histogram behind `nodejs_eventloop_lag_*` samples, in ms. prom-client's
 * default (10 ms) wakes an idle process 100 times a second, about 3 ms of CPU per second per process whether
 * anyone scrapes or not. At 50 ms a block of 50 ms or more is always seen, a shorter one in proportion to its
 * length, and a 10 s scrape still summarises 200 samples: enough for the p99 the dashboard shows.
 */
export const EVENT_LOOP_SAMPLE_MS = 50;

/** prom-client's default process metrics (CPU, memory, GC, handles, event-loop lag) into `registry`. */
export function collectProcessMetrics<T extends RegistryContentType>(
  registry: Registry<T>,
  options: { prefix?: string } = {},
): void {
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
  });
}
