import { Counter, Gauge, Registry } from 'prom-client';

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
    const registers = [this.registry];
    this.events = new Counter({
      name: 'analytics_events_total',
      help: 'Order events received, by source (call, bus) and outcome (stored, buffered, duplicate).',
      labelNames: ['source', 'outcome'],
      registers,
    });
    this.flushes = new Counter({
      name: 'analytics_flushes_total',
      help: 'Batches written to PostgreSQL, by what triggered them (size, interval, shutdown).',
      labelNames: ['reason'],
      registers,
    });
    this.written = new Counter({
      name: 'analytics_events_written_total',
      help: 'Order events written.',
      registers,
    });
    this.dropped = new Counter({
      name: 'analytics_events_dropped_total',
      help: 'Order events dropped because the buffer was full while writes failed.',
      registers,
    });
    this.busConsumed = new Counter({
      name: 'analytics_bus_consumed_total',
      help: 'Deliveries taken from the event bus queue (retried copies included).',
      registers,
    });
    this.busEvents = new Counter({
      name: 'analytics_bus_events_total',
      help: 'Deliveries finished, by outcome: acked (stored), retried (re-queued after a failure), dead_lettered (sent to <queue>.dlq).',
      labelNames: ['outcome'],
      registers,
    });
    this.rejected = new Counter({
      name: 'analytics_events_rejected_total',
      help: 'Order events the store refused for good (a value its column cannot hold); never retried.',
      registers,
    });
    this.flushFailures = new Counter({
      name: 'analytics_flush_failures_total',
      help: 'Batch writes that failed as a whole (store unavailable); their events are kept and retried.',
      registers,
    });
    this.consecutiveFailures = new Gauge({
      name: 'analytics_store_consecutive_failures',
      help: 'Batch writes in a row that failed (0 once one succeeds); /health fails at ANALYTICS_UNHEALTHY_AFTER.',
      registers,
    });
  }
}
