import { randomBytes } from 'node:crypto';
import { formatTraceparent, newTraceContext } from '@mesh/common';
import { realServerUrl, waitFor } from '@mesh/testkit';
import amqp from 'amqplib';
import { afterAll, describe, expect, it } from 'vitest';
import { createEventBus, type EventBus, type EventMeta } from './event-bus.js';

describe('event bus without a broker', () => {
  it('resolves publish with false', async () => {
    const bus = createEventBus({});
    expect(await bus.publish('order.completed', { order_id: 'o-1' })).toBe(false);
    await bus.close();
  });
});

const rabbitmqUrl = realServerUrl('rabbitmq');

describe.skipIf(!rabbitmqUrl)('AMQP event bus (real RabbitMQ)', () => {
  const suffix = randomBytes(4).toString('hex');
  const exchange = `mesh.events.test.${suffix}`;
  const queues: string[] = [];
  const buses: EventBus[] = [];
  const makeBus = (): EventBus => {
    const bus = createEventBus({ rabbitmqUrl, exchange });
    buses.push(bus);
    return bus;
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    const connection = await amqp.connect(rabbitmqUrl!);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    await channel.deleteExchange(exchange);
    await connection.close();
  });

  it('delivers a published event to a subscriber with its traceparent', async () => {
    const publisher = makeBus();
    const consumer = makeBus();
    const queue = `analytics.${suffix}`;
    queues.push(queue);
    const received: Array<{ payload: unknown; meta: EventMeta }> = [];
    await consumer.subscribe('order.*', queue, async (payload, meta) => {
      received.push({ payload, meta });
    });
    const traceparent = formatTraceparent(newTraceContext());
    expect(
      await publisher.publish('order.completed', { order_id: 'o-1', amount: 12.5 }, { traceparent }),
    ).toBe(true);
    expect(await publisher.publish('payment.refunded', { order_id: 'o-2' })).toBe(true);
    await waitFor(async () => (received.length >= 1 ? true : undefined), { timeoutMs: 5000 });
    expect(received).toHaveLength(1);
    expect(received[0]?.payload).toEqual({ order_id: 'o-1', amount: 12.5 });
    expect(received[0]?.meta).toMatchObject({ topic: 'order.completed', traceparent, redelivered: false });
  });

  it('redelivers an event once after its handler fails', async () => {
    const bus = makeBus();
    const queue = `retry.${suffix}`;
    queues.push(queue);
    const attempts: boolean[] = [];
    await bus.subscribe('retry.#', queue, async (_payload, meta) => {
      attempts.push(meta.redelivered);
      throw new Error('handler down');
    });
    await bus.publish('retry.x', { n: 1 });
    await waitFor(async () => (attempts.length >= 2 ? true : undefined), { timeoutMs: 5000 });
    expect(attempts).toEqual([false, true]);
  });

  it('keeps events in a durable queue until a subscriber comes', async () => {
    const first = makeBus();
    const queue = `late.${suffix}`;
    queues.push(queue);
    const seen: unknown[] = [];
    await first.subscribe('late.event', queue, async (payload) => {
      seen.push(payload);
    });
    await first.close();
    const publisher = makeBus();
    await publisher.publish('late.event', { n: 7 });
    const second = makeBus();
    await second.subscribe('late.event', queue, async (payload) => {
      seen.push(payload);
    });
    await waitFor(async () => (seen.length >= 1 ? true : undefined), { timeoutMs: 5000 });
    expect(seen).toEqual([{ n: 7 }]);
  });

  it('resolves publish with false when the broker is unreachable', async () => {
    const bus = createEventBus({ rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:1', exchange });
    buses.push(bus);
    expect(await bus.publish('order.completed', {})).toBe(false);
  });
});
