import type { Counter, Gauge } from 'prom-client';
import { Registry } from 'prom-client';
import { metricsIn } from '@mesh/common';

/** The agent's own counters, in a registry of their own so the runtime's /metrics can include them. */
export class AnalyticsMetrics {
  readonly registry = new Registry();
  readonly events: Counter<'source' | 'outcome'>;
  readonly flushes: Counter<'reason'>;
  readonly written: Counter;
  readonly dropped: Counter;
  readonly busConsumed: Counter;
  readonly busEvents: Counter<'outcome'>;
  readonly rejected: Counter;
  readonly flushFailures: Counter;
  readonly consecutiveFailures: Gauge;

  constructor() {
    const metric = metricsIn(this.registry);
    this.events = metric.counter(
      'analytics_events_total',
      'Order events received, by source (call, bus) and outcome (stored, buffered, duplicate).',
      ['source', 'outcome'],
    );
    this.flushes = metric.counter(
      'analytics_flushes_total',
      'Batches written to PostgreSQL, by what triggered them (size, interval, shutdown).',
      ['reason'],
    );
    this.written = metric.counter('analytics_events_written_total', 'Order events written.');
    this.dropped = metric.counter(
      'analytics_events_dropped_total',
      'Order events dropped because the buffer was full while writes failed.',
    );
    this.busConsumed = metric.counter(
      'analytics_bus_consumed_total',
      'Deliveries taken from the event bus queue (retried copies included).',
    );
    this.busEvents = metric.counter(
      'analytics_bus_events_total',
      'Deliveries finished, by outcome: acked (stored), retried (re-queued after a failure), dead_lettered (sent to <queue>.dlq).',
      ['outcome'],
    );
    this.rejected = metric.counter(
      'analytics_events_rejected_total',
      'Order events the store refused for good (a value its column cannot hold); never retried.',
    );
    this.flushFailures = metric.counter(
      'analytics_flush_failures_total',
      'Batch writes that failed as a whole (store unavailable); their events are kept and retried.',
    );
    this.consecutiveFailures = metric.gauge(
      'analytics_store_consecutive_failures',
      'Batch writes in a row that failed (0 once one succeeds); /health fails at ANALYTICS_UNHEALTHY_AFTER.',
    );
  }
}
