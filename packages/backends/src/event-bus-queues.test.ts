import { randomBytes } from 'node:crypto';
import { realServerUrl, seriesValue, waitFor } from '@mesh/testkit';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventBus, type CreateEventBusOptions, type EventBus } from './event-bus.js';
import { EventBusMetrics } from './event-bus-metrics.js';

const rabbitmqUrl = realServerUrl('rabbitmq');

/** The value of one labelled series in a registry, 0 when absent. */
async function metricValue(
  metrics: EventBusMetrics,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  return (await seriesValue(metrics, name, labels)) ?? 0;
}

describe.skipIf(!rabbitmqUrl)('event bus queues and metrics (real RabbitMQ)', () => {
  const suffix = randomBytes(4).toString('hex');
  const exchange = `mesh.events.queues.${suffix}`;
  const queues: string[] = [];
  const buses: EventBus[] = [];
  const makeBus = (options: Partial<CreateEventBusOptions> = {}): EventBus => {
    const bus = createEventBus({ rabbitmqUrl, exchange, ...options });
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    const connection = await amqp.connect(rabbitmqUrl!);
    const channel = await connection.createChannel();
    for (const queue of queues) {
      await channel.deleteQueue(queue);
      await channel.deleteQueue(`${queue}.dlq`);
    }
    await channel.deleteExchange(exchange);
    await connection.close();
  });

  it('declares quorum queues (and their .dlq) with a length limit that refuses new messages', async () => {
    const queue = `quorum.${suffix}`;
    queues.push(queue);
    const consumer = makeBus({ queues: { type: 'quorum', maxLength: 2 } });
    await consumer.subscribe('limited.*', queue, async () => {});
    await consumer.close();

    const connection = await amqp.connect(rabbitmqUrl!);
    try {
      for (const name of [queue, `${queue}.dlq`]) {
        // Redeclaring as a classic queue is refused because the broker holds it as a quorum queue.
        const channel = await connection.createChannel();
        channel.on('error', () => undefined);
        await expect(
          channel.assertQueue(name, {
            durable: true,
            arguments: { 'x-queue-type': 'classic', 'x-max-length': 2, 'x-overflow': 'reject-publish' },
          }),
        ).rejects.toThrow(/PRECONDITION_FAILED.*x-queue-type/);
      }
    } finally {
      await connection.close();
    }

    const metrics = new EventBusMetrics();
    const publisher = makeBus({ metrics });
    const results: boolean[] = [];
    for (let n = 1; n <= 8; n += 1) results.push(await publisher.publish('limited.one', { n }));
    // A full queue nacks new messages, so the publisher knows to fall back. A quorum queue applies the limit
    // when the enqueue is committed, so one or two may slip past it under load, never all of them.
    const confirmed = results.filter(Boolean).length;
    expect(confirmed).toBeGreaterThanOrEqual(2);
    expect(confirmed).toBeLessThanOrEqual(4);
    expect(results.slice(0, 2)).toEqual([true, true]);
    expect(results.at(-1)).toBe(false);
    expect(await metricValue(metrics, 'mesh_events_published_total', { outcome: 'confirmed' })).toBe(
      confirmed,
    );
    expect(await metricValue(metrics, 'mesh_events_published_total', { outcome: 'failed' })).toBe(
      8 - confirmed,
    );
  });

  it('uses a queue that exists with other arguments as it is, with a warning', async () => {
    const queue = `classic.${suffix}`;
    queues.push(queue);
    const connection = await amqp.connect(rabbitmqUrl!);
    await (await connection.createChannel()).assertQueue(queue, { durable: true });
    await connection.close();
    const warnings: string[] = [];
    const logger = {
      warn: (_fields: unknown, message: string) => warnings.push(message),
      info: () => undefined,
      debug: () => undefined,
      error: () => undefined,
    } as unknown as NonNullable<CreateEventBusOptions['logger']>;
    const received: unknown[] = [];
    const bus = makeBus({ logger });
    await bus.subscribe('legacy.*', queue, async (payload) => {
      received.push(payload);
    });
    expect(await bus.publish('legacy.event', { ok: true })).toBe(true);
    await waitFor(() => received.length === 1, { timeoutMs: 5_000 });
    expect(warnings.some((w) => w.includes('exists with other arguments'))).toBe(true);
  });

  it('fails a publish no queue is bound to instead of letting the broker drop it', async () => {
    const metrics = new EventBusMetrics();
    const publisher = makeBus({ metrics });
    expect(await publisher.publish('nobody.listens', { lost: 'never' })).toBe(false);
    expect(
      await metricValue(metrics, 'mesh_events_published_total', {
        topic: 'nobody.listens',
        outcome: 'failed',
      }),
    ).toBe(1);
  });

  it('counts consumed and duplicate deliveries, consumer lag and queue depth', async () => {
    const queue = `metered.${suffix}`;
    queues.push(queue);
    const metrics = new EventBusMetrics();
    const consumer = makeBus({ metrics });
    const seen = new Set<string>();
    await consumer.subscribe('metered.*', queue, async (payload) => {
      const id = (payload as { id: string }).id;
      if (seen.has(id)) return 'duplicate';
      seen.add(id);
    });
    const publisher = makeBus();
    expect(await publisher.publish('metered.a', { id: 'x' })).toBe(true);
    expect(await publisher.publish('metered.a', { id: 'x' })).toBe(true);
    expect(await publisher.publish('metered.a', { id: 'y' })).toBe(true);
    const consumed = (outcome: string) =>
      metricValue(metrics, 'mesh_events_consumed_total', { queue, topic: 'metered.a', outcome });
    await waitFor(async () => (await consumed('acked')) === 2 && (await consumed('duplicate')) === 1, {
      timeoutMs: 5_000,
    });
    const lag = await metricValue(metrics, 'mesh_events_consumer_lag_seconds', { queue });
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
    // Sampled at subscribe: the queue and its dead-letter queue, with this consumer attached to the first.
    expect(await metricValue(metrics, 'mesh_events_queue_consumers', { queue })).toBe(1);
    expect(await metricValue(metrics, 'mesh_events_queue_consumers', { queue: `${queue}.dlq` })).toBe(0);
  });
});
