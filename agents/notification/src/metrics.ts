import type { Counter } from 'prom-client';
import { Registry } from 'prom-client';
import { metricsIn } from '@mesh/common';

export type Channel = 'email' | 'sms' | 'push';
export type DeliveryOutcome = 'delivered' | 'failed' | 'disabled' | 'duplicate';

/** The agent's own counters, in a registry of their own so the runtime's /metrics can include them. */
export class NotificationMetrics {
  readonly registry = new Registry();
  readonly deliveries: Counter<'channel' | 'outcome'>;
  readonly failures: Counter<'channel'>;
  readonly retries: Counter<'channel'>;

  constructor() {
    const metric = metricsIn(this.registry);
    this.deliveries = metric.counter(
      'notification_deliveries_total',
      'Notifications by channel and final outcome (delivered, failed after retries, disabled channel, duplicate: sent before under the same idempotency key).',
      ['channel', 'outcome'],
    );
    this.failures = metric.counter(
      'notification_delivery_failures_total',
      'Notifications that could not be delivered after every retry.',
      ['channel'],
    );
    this.retries = metric.counter('notification_delivery_retries_total', 'Retried delivery attempts.', [
      'channel',
    ]);
  }

  count(channel: Channel, outcome: DeliveryOutcome): void {
    this.deliveries.inc({ channel, outcome });
    if (outcome === 'failed') this.failures.inc({ channel });
  }
}
