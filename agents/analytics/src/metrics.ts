import { Counter, Registry } from 'prom-client';

/** The agent's own counters, in a registry of their own so the runtime's /metrics can include them. */
export class AnalyticsMetrics {
  readonly registry = new Registry();
  readonly events: Counter<'source' | 'outcome'>;
  readonly flushes: Counter<'reason'>;
  readonly written: Counter;
  readonly dropped: Counter;

  constructor() {
    const registers = [this.registry];
    this.events = new Counter({
      name: 'analytics_events_total',
      help: 'Order events received, by source (call, bus) and outcome (buffered, duplicate).',
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
  }
}
