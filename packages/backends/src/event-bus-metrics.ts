import { Counter, Gauge, Registry } from 'prom-client';

/** How a publish ended: the broker confirmed it, or it did not reach a queue (no broker, nacked, unroutable). */
export type PublishOutcome = 'confirmed' | 'failed';

/** How a consumer finished with one delivery (see DeliveryOutcome), plus duplicates its handler recognised. */
export type ConsumeOutcome = 'acked' | 'retried' | 'dead_lettered' | 'duplicate';

/**
 * The event bus's counters, in a registry of their own that an agent adds to its /metrics. Names are shared by
 * every agent, so one dashboard shows publishers and consumers alike (label `agent` comes from the scrape).
 */
export class EventBusMetrics {
  readonly registry = new Registry();
  readonly published: Counter<'topic' | 'outcome'>;
  readonly fellBack: Counter<'topic'>;
  readonly consumed: Counter<'queue' | 'topic' | 'outcome'>;
  readonly consumerLag: Gauge<'queue'>;
  readonly queueMessages: Gauge<'queue'>;
  readonly queueConsumers: Gauge<'queue'>;

  constructor() {
    const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
      new Counter<L>({ name, help, labelNames, registers: [this.registry] });
    const gauge = (name: string, help: string) =>
      new Gauge<'queue'>({ name, help, labelNames: ['queue'], registers: [this.registry] });
    this.published = counter(
      'mesh_events_published_total',
      'Events published, by topic and outcome: confirmed by the broker, or failed (no broker, refused, unroutable).',
      ['topic', 'outcome'],
    );
    this.fellBack = counter(
      'mesh_events_fell_back_total',
      'Events whose publish failed and whose effect was delivered by a direct call instead.',
      ['topic'],
    );
    this.consumed = counter(
      'mesh_events_consumed_total',
      'Deliveries a consumer finished, by queue, topic and outcome (acked, retried, dead_lettered, duplicate).',
      ['queue', 'topic', 'outcome'],
    );
    this.consumerLag = gauge(
      'mesh_events_consumer_lag_seconds',
      'Age of the last delivered message when it was delivered (publish to delivery), per queue.',
    );
    this.queueMessages = gauge(
      'mesh_events_queue_messages',
      'Messages ready in the queue (and its .dlq), sampled from the broker by each subscriber.',
    );
    this.queueConsumers = gauge(
      'mesh_events_queue_consumers',
      'Consumers attached to the queue (and its .dlq), sampled from the broker by each subscriber.',
    );
  }
}
