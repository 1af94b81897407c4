import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '@mesh/backends';
import { silentLogger } from '@mesh/common';
import { createTestDatabase, realServerUrl, waitFor, type TestDatabase } from '@mesh/testkit';
import { loadConfig } from './config.js';
import { buildAnalyticsServices } from './services.js';

const pgUrl = realServerUrl('postgres');
const rabbitmqUrl = realServerUrl('rabbitmq');

async function storedCount(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>('SELECT count(*) AS n FROM order_events');
    return Number(result.rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe.skipIf(!pgUrl)('analytics with PostgreSQL', { timeout: 30_000 }, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(pgUrl!, 'analytics');
  });

  afterAll(async () => {
    await db.drop();
  });

  const build = (env: Record<string, string>) =>
    buildAnalyticsServices(loadConfig({ DATABASE_URL: db.url, ...env }), silentLogger());

  it('writes a full batch at once, the rest on shutdown, and reports from the table after a restart', async () => {
    const first = await build({ BATCH_SIZE: '2', PROCESSING_INTERVAL: '60s' });
    const { analytics } = first.services;
    analytics.record({ type: 'order_completed', order_id: 'b-1', amount: 10 });
    analytics.record({ type: 'order_completed', order_id: 'b-2', amount: 20.5 });
    await waitFor(async () => ((await storedCount(db.url)) === 2 ? true : undefined), { timeoutMs: 5000 });
    analytics.record({ type: 'order_failed', order_id: 'b-3', amount: 7 });
    expect(await storedCount(db.url)).toBe(2);
    expect(await analytics.report(5)).toMatchObject({ completed: 2, failed: 1, revenue: 30.5, unflushed: 1 });
    await first.close();
    expect(await storedCount(db.url)).toBe(3);
    const reopened = await build({ BATCH_SIZE: '2' });
    reopened.services.analytics.record({ type: 'order_compensated', order_id: 'b-3', amount: 7 });
    expect(await reopened.services.analytics.report(5)).toMatchObject({
      failed: 1,
      compensated: 1,
      unflushed: 1,
    });
    await reopened.close();
    expect(await storedCount(db.url)).toBe(4);

    const second = await build({ BATCH_SIZE: '2' });
    expect(await second.services.analytics.report(5)).toMatchObject({
      completed: 2,
      failed: 1,
      compensated: 1,
      compensation_rate: 0.3333,
      revenue: 30.5,
      failure_rate: 0.3333,
      unflushed: 0,
    });
    second.services.analytics.record({ type: 'order.completed', order_id: 'b-1', amount: 10 });
    await second.close();
    expect(await storedCount(db.url)).toBe(4);
  });

  it('writes buffered events when the processing interval passes', async () => {
    const built = await build({ BATCH_SIZE: '1000', PROCESSING_INTERVAL: '200ms' });
    const before = await storedCount(db.url);
    built.services.analytics.record({ type: 'order_completed', order_id: 'i-1', amount: 1 });
    await waitFor(async () => ((await storedCount(db.url)) === before + 1 ? true : undefined), {
      timeoutMs: 5000,
    });
    await built.close();
  });
});

describe.skipIf(!pgUrl || !rabbitmqUrl)(
  'analytics consuming order events from RabbitMQ',
  { timeout: 30_000 },
  () => {
    const suffix = randomBytes(4).toString('hex');
    const exchange = `mesh.events.test.${suffix}`;
    const queue = `analytics.test.${suffix}`;
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase(pgUrl!, 'analytics_bus');
    });

    afterAll(async () => {
      const connection = await amqp.connect(rabbitmqUrl!);
      const channel = await connection.createChannel();
      await channel.deleteQueue(queue);
      await channel.deleteExchange(exchange);
      await connection.close();
      await db.drop();
    });

    it('counts orders.* events published on the bus', async () => {
      const config = loadConfig({
        DATABASE_URL: db.url,
        RABBITMQ_URL: rabbitmqUrl!,
        ANALYTICS_QUEUE: queue,
        BATCH_SIZE: '1',
      });
      const built = await buildAnalyticsServices(config, silentLogger(), { exchange });
      const publisher = createEventBus({ rabbitmqUrl: rabbitmqUrl!, exchange });
      try {
        expect(await publisher.publish('orders.completed', { order_id: 'bus-1', total: 12.5 })).toBe(true);
        expect(await publisher.publish('orders.failed', { order_id: 'bus-2', total: 3 })).toBe(true);
        expect(await publisher.publish('orders.compensated', { order_id: 'bus-2' })).toBe(true);
        // Bound to no queue (analytics takes orders.*): the publisher learns it reached nobody.
        expect(await publisher.publish('inventory.restocked', { order_id: 'not-an-order' })).toBe(false);
        const report = await waitFor(
          async () => {
            const current = await built.services.analytics.report(5);
            return current.completed + current.failed + current.compensated === 3 ? current : undefined;
          },
          { timeoutMs: 10_000, description: 'bus events in the report' },
        );
        expect(report).toMatchObject({
          completed: 1,
          failed: 1,
          compensated: 1,
          revenue: 12.5,
          failure_rate: 0.5,
        });
        await waitFor(async () => ((await storedCount(db.url)) === 3 ? true : undefined), {
          timeoutMs: 5000,
        });
      } finally {
        await publisher.close();
        await built.close();
      }
    });
  },
);
