import { Counter, Registry } from 'prom-client';

export type Channel = 'email' | 'sms' | 'push';
export type DeliveryOutcome = 'delivered' | 'failed' | 'disabled' | 'duplicate';

/** The agent's own counters, in a registry of their own so the runtime's /metrics can include them. */
export class NotificationMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly failures: Counter<'channel'>;
  readonly retries: Counter<'channel'>;

  constructor() {
    const registers = [this.registry];
    this.deliveries = new Counter({
      name: 'notification_deliveries_total',
      help: 'Notifications by channel and final outcome (delivered, failed after retries, disabled channel, duplicate: sent before under the same idempotency key).',
      labelNames: ['channel', 'outcome'],
      registers,
    });
    this.failures = new Counter({
      name: 'notification_delivery_failures_total',
      help: 'Notifications that could not be delivered after every retry.',
      labelNames: ['channel'],
      registers,
    });
    this.retries = new Counter({
      name: 'notification_delivery_retries_total',
      help: 'Retried delivery attempts.',
      labelNames: ['channel'],
      registers,
    });
  }

  count(channel: Channel, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ channel, outcome });
    if (outcome === 'failed') this.failures.inc({ channel });
  }
}
