import { randomBytes } from 'node:crypto';
import { MeshError, formatTraceparent, newTraceContext } from '@mesh/common';
import { freePort, realServerUrl, startTcpForwarder, waitFor } from '@mesh/testkit';
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

  const getOne = async (queue: string): Promise<amqp.GetMessage | undefined> => {
    const connection = await amqp.connect(rabbitmqUrl!);
    try {
      const channel = await connection.createChannel();
      const message = await channel.get(queue, { noAck: true });
      return message === false ? undefined : message;
    } finally {
      await connection.close();
    }
  };

  afterAll(async () => {
    await Promise.all(buses.map((bus) => bus.close()));
    const connection = await amqp.connect(rabbitmqUrl!);
    const channel = await connection.createChannel();
    for (const queue of queues) await channel.deleteQueue(queue);
    for (const queue of queues) await channel.deleteQueue(`${queue}.dlq`);
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
    const published = newTraceContext();
    const traceparent = formatTraceparent(published);
    expect(
      await publisher.publish('order.completed', { order_id: 'o-1', amount: 12.5 }, { traceparent }),
    ).toBe(true);
    // Bound to nothing: the broker returns it, and the publisher learns it was not delivered.
    expect(await publisher.publish('payment.refunded', { order_id: 'o-2' })).toBe(false);
    await waitFor(async () => (received.length >= 1 ? true : undefined), { timeoutMs: 5000 });
    expect(received).toHaveLength(1);
    expect(received[0]?.payload).toEqual({ order_id: 'o-1', amount: 12.5 });
    expect(received[0]?.meta).toMatchObject({ topic: 'order.completed', redelivered: false });
    // The handler runs in a child of the publisher's span (its processing span), in the same trace.
    expect(received[0]?.meta.traceparent).toMatch(new RegExp(`^00-${published.traceId}-[0-9a-f]{16}-01$`));
  });

  it('retries a failing event with backoff, then dead-letters it with the reason', async () => {
    const bus = createEventBus({ rabbitmqUrl, exchange, maxAttempts: 3, retryDelayMs: 50 });
    buses.push(bus);
    const queue = `retry.${suffix}`;
    queues.push(queue, `${queue}.dlq`);
    const attempts: Array<{ redelivered: boolean; topic: string; at: number }> = [];
    await bus.subscribe('retry.#', queue, async (_payload, meta) => {
      attempts.push({ redelivered: meta.redelivered, topic: meta.topic, at: Date.now() });
      throw new Error('handler down');
    });
    await bus.publish('retry.x', { n: 1 });
    const dead = await waitFor(() => getOne(`${queue}.dlq`), { timeoutMs: 5000 });
    expect(attempts.map((a) => [a.redelivered, a.topic])).toEqual([
      [false, 'retry.x'],
      [true, 'retry.x'],
      [true, 'retry.x'],
    ]);
    // 50 ms, then 100 ms of backoff.
    expect(attempts[2]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(140);
    expect(JSON.parse(dead.content.toString('utf8'))).toEqual({ n: 1 });
    expect(dead.properties.headers).toMatchObject({
      'x-mesh-error': 'handler down',
      'x-mesh-attempts': 3,
      'x-mesh-topic': 'retry.x',
    });
  });

  it('dead-letters a poison message at once and delivers the good ones behind it', async () => {
    const bus = createEventBus({ rabbitmqUrl, exchange, maxAttempts: 5, retryDelayMs: 50 });
    buses.push(bus);
    const publisher = makeBus();
    const queue = `poison.${suffix}`;
    queues.push(queue, `${queue}.dlq`);
    const seen: unknown[] = [];
    await bus.subscribe('poison.#', queue, async (payload) => {
      if ((payload as { bad?: boolean }).bad === true) {
        throw new MeshError('VALIDATION_FAILED', 'amount out of range');
      }
      seen.push(payload);
    });
    await publisher.publish('poison.x', { bad: true });
    for (let n = 0; n < 5; n += 1) await publisher.publish('poison.x', { n });
    const dead = await waitFor(() => getOne(`${queue}.dlq`), { timeoutMs: 5000 });
    expect(dead.properties.headers).toMatchObject({
      'x-mesh-error': 'amount out of range',
      'x-mesh-attempts': 1,
    });
    await waitFor(async () => (seen.length >= 5 ? true : undefined), { timeoutMs: 5000 });
    expect(seen).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
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

  it('subscribes once the broker comes up after refused attempts, and keeps one consumer across reconnects', async () => {
    const broker = new URL(rabbitmqUrl!);
    const port = await freePort();
    const viaPort = new URL(rabbitmqUrl!);
    viaPort.port = String(port);
    const bus = createEventBus({ rabbitmqUrl: viaPort.toString(), exchange });
    buses.push(bus);
    const queue = `late-broker.${suffix}`;
    queues.push(queue);
    const seen: unknown[] = [];
    const handler = async (payload: unknown) => {
      seen.push(payload);
    };
    // Nothing listens yet: a start that retries calls subscribe again, as analytics does.
    await expect(bus.subscribe('late.broker', queue, handler)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    await expect(bus.subscribe('late.broker', queue, handler)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const forwarder = await startTcpForwarder(port, { host: broker.hostname, port: Number(broker.port) });
    try {
      await bus.subscribe('late.broker', queue, handler);
      // The connection drops (a broker restart): the bus reconnects and consumes again, once.
      forwarder.dropConnections();
      const consumers = async () => {
        const connection = await amqp.connect(rabbitmqUrl!);
        try {
          return (await (await connection.createChannel()).checkQueue(queue)).consumerCount;
        } finally {
          await connection.close();
        }
      };
      await waitFor(async () => ((await consumers()) >= 1 ? true : undefined), { timeoutMs: 10_000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await consumers()).toBe(1);
      const publisher = makeBus();
      for (const n of [1, 2, 3]) await publisher.publish('late.broker', { n });
      await waitFor(async () => (seen.length >= 3 ? true : undefined), { timeoutMs: 5000 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(seen).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    } finally {
      await bus.close();
      await forwarder.close();
    }
  });

  it('resolves publish with false when the broker is unreachable', async () => {
    const bus = createEventBus({ rabbitmqUrl: 'amqp://guest:guest@127.0.0.1:1', exchange });
    buses.push(bus);
    expect(await bus.publish('order.completed', {})).toBe(false);
  });
});
