import { randomBytes } from 'node:crypto';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, runMigrations } from '@mesh/backends';
import { silentLogger } from '@mesh/common';
import { createTestDatabase, realServerUrl, waitFor, type TestDatabase } from '@mesh/testkit';
import { loadConfig } from './config.js';
import type { OrderEvent } from './order-event.js';
import { ANALYTICS_MIGRATIONS, PgOrderEventStore } from './pg-event-store.js';
import { buildAnalyticsServices } from './services.js';

const pgUrl = realServerUrl('postgres');
const rabbitmqUrl = realServerUrl('rabbitmq');

async function storedIds(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ order_id: string }>(
      'SELECT order_id FROM order_events ORDER BY order_id',
    );
    return result.rows.map((row) => row.order_id);
  } finally {
    await client.end();
  }
}

describe.skipIf(!pgUrl)('a batch with one row PostgreSQL cannot hold', { timeout: 30_000 }, () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase(pgUrl!, 'analytics_badrow');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await runMigrations(pool, ANALYTICS_MIGRATIONS, { name: 'analytics-test', logger: silentLogger() });
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores the good rows and reports the bad one as rejected', async () => {
    const store = new PgOrderEventStore(pool);
    const at = new Date();
    const event = (orderId: string, amountCents: number): OrderEvent => ({
      orderId,
      type: 'completed',
      kind: 'completed',
      amountCents,
      occurredAt: at,
    });
    const result = await store.insertBatch([
      event('row-1', 100),
      event('row-bad', 1e19),
      event('row-2', 200),
      event('row-3', 300),
    ]);
    expect(result.written).toBe(3);
    expect(result.rejected.map((rejected) => rejected.event.orderId)).toEqual(['row-bad']);
    expect(result.rejected[0]?.reason).toMatch(/bigint/);
    expect(await storedIds(db.url)).toEqual(['row-1', 'row-2', 'row-3']);
  });
});

describe.skipIf(!pgUrl || !rabbitmqUrl)('a poison order event on the bus', { timeout: 30_000 }, () => {
  const suffix = randomBytes(4).toString('hex');
  const exchange = `mesh.events.test.${suffix}`;
  const queue = `analytics.poison.${suffix}`;
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(pgUrl!, 'analytics_poison');
  });

  afterAll(async () => {
    const connection = await amqp.connect(rabbitmqUrl!);
    const channel = await connection.createChannel();
    await channel.deleteQueue(queue);
    await channel.deleteQueue(`${queue}.dlq`);
    await channel.deleteExchange(exchange);
    await connection.close();
    await db?.drop();
  });

  it('goes to <queue>.dlq with its reason, and the good events published after it are stored', async () => {
    const config = loadConfig({
      DATABASE_URL: db.url,
      RABBITMQ_URL: rabbitmqUrl!,
      ANALYTICS_QUEUE: queue,
      BATCH_SIZE: '5',
      PROCESSING_INTERVAL: '60',
    });
    const built = await buildAnalyticsServices(config, silentLogger(), { exchange });
    const publisher = createEventBus({ rabbitmqUrl: rabbitmqUrl!, exchange });
    const connection = await amqp.connect(rabbitmqUrl!);
    try {
      expect(await publisher.publish('orders.completed', { order_id: 'poison', amount: 1e17 })).toBe(true);
      const good = Array.from({ length: 20 }, (_, index) => `good-${String(index).padStart(2, '0')}`);
      for (const orderId of good) {
        expect(await publisher.publish('orders.completed', { order_id: orderId, amount: 1 })).toBe(true);
      }
      await waitFor(async () => ((await storedIds(db.url)).length === good.length ? true : undefined), {
        timeoutMs: 10_000,
        description: 'the good events stored',
      });
      expect(await storedIds(db.url)).toEqual(good);
      const channel = await connection.createChannel();
      const dead = await waitFor(
        async () => {
          const message = await channel.get(`${queue}.dlq`, { noAck: true }).catch(() => false as const);
          return message === false ? undefined : message;
        },
        { timeoutMs: 10_000, description: 'the poison event in the DLQ' },
      );
      expect(JSON.parse(dead.content.toString('utf8'))).toEqual({ order_id: 'poison', amount: 1e17 });
      expect(String(dead.properties.headers?.['x-mesh-error'])).toMatch(/amount/);
      const text = await built.metrics.registry.metrics();
      expect(text).toMatch(/analytics_bus_events_total\{outcome="dead_lettered"\} 1/);
    } finally {
      await connection.close();
      await publisher.close();
      await built.close();
    }
  });
});

describe.skipIf(!pgUrl)('health while writes keep failing', { timeout: 30_000 }, () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(pgUrl!, 'analytics_health');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('turns unhealthy after repeated failed writes and healthy again once an event is stored', async () => {
    const built = await buildAnalyticsServices(
      loadConfig({ DATABASE_URL: db.url, ANALYTICS_UNHEALTHY_AFTER: '2', PROCESSING_INTERVAL: '60' }),
      silentLogger(),
    );
    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    try {
      expect(await built.healthCheck()).toBe(true);
      await admin.query('ALTER TABLE order_events RENAME TO order_events_away');
      const recorded = built.services.analytics.recordDurably({ type: 'order_completed', order_id: 'h-1' });
      await waitFor(async () => ((await built.healthCheck()) ? undefined : true), {
        timeoutMs: 10_000,
        description: 'health to fail',
      });
      expect(await built.metrics.registry.metrics()).toMatch(/analytics_flush_failures_total [2-9]/);
      await admin.query('ALTER TABLE order_events_away RENAME TO order_events');
      expect(await recorded).toEqual({ accepted: true, duplicate: false });
      expect(await built.healthCheck()).toBe(true);
      expect(await storedIds(db.url)).toEqual(['h-1']);
    } finally {
      await admin.end();
      await built.close();
    }
  });
});
