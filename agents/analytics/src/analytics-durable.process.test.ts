import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '@mesh/backends';
import {
  createTestDatabase,
  freePort,
  realServerUrl,
  startNode,
  startRegistryProcess,
  stopAllProcesses,
  deleteQueues,
  waitFor,
  waitForHttp,
  type RegistryProcess,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';

const postgresUrl = realServerUrl('postgres');
const rabbitmqUrl = realServerUrl('rabbitmq');
const analyticsMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

describe.skipIf(!postgresUrl || !rabbitmqUrl)(
  'analytics-agent: kill -9 loses no event taken from the queue',
  { timeout: 60_000 },
  () => {
    const suffix = randomBytes(4).toString('hex');
    const queue = `analytics.durable.${suffix}`;
    const prefix = `durable-${suffix}-`;
    let database: TestDatabase;
    let registry: RegistryProcess;

    async function startAnalytics(): Promise<StartedProcess> {
      const port = await freePort();
      const started = startNode(analyticsMain, [], {
        env: {
          DATABASE_URL: database.url,
          RABBITMQ_URL: rabbitmqUrl!,
          ANALYTICS_QUEUE: queue,
          // The seed's settings: a minute and a thousand events before the old batcher wrote anything.
          BATCH_SIZE: '1000',
          PROCESSING_INTERVAL: '60',
          MCP_MESH_REGISTRY_URL: registry.url,
          MCP_MESH_HTTP_PORT: String(port),
          MCP_MESH_LOG_LEVEL: 'INFO',
        },
      });
      await waitForHttp(`http://127.0.0.1:${port}/ready`, { status: 200, timeoutMs: 30_000 }).catch(
        (error: unknown) => {
          throw new Error(`analytics-agent did not become ready: ${String(error)}\n${started.output()}`);
        },
      );
      return started;
    }

    async function storedCount(): Promise<number> {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const result = await client.query<{ n: string }>(
          'SELECT count(*) AS n FROM order_events WHERE order_id LIKE $1',
          [`${prefix}%`],
        );
        return Number(result.rows[0]?.n);
      } finally {
        await client.end();
      }
    }

    async function queueDepth(): Promise<{ messageCount: number; consumerCount: number }> {
      const connection = await amqp.connect(rabbitmqUrl!);
      try {
        const channel = await connection.createChannel();
        return await channel.checkQueue(queue);
      } finally {
        await connection.close();
      }
    }

    beforeAll(async () => {
      if (!existsSync(analyticsMain)) throw new Error(`${analyticsMain} is missing: build first`);
      database = await createTestDatabase(postgresUrl!, 'analytics_durable');
      registry = await startRegistryProcess();
    }, 60_000);

    afterAll(async () => {
      await stopAllProcesses();
      await deleteQueues(rabbitmqUrl!, [queue]);
      await database?.drop();
    });

    it('stores all N events after a kill -9 right after they were consumed, and a restart', async () => {
      const first = await startAnalytics();
      const publisher = createEventBus({ rabbitmqUrl: rabbitmqUrl! });
      const n = 50;
      try {
        for (let index = 0; index < n; index += 1) {
          const published = await publisher.publish('orders.completed', {
            order_id: `${prefix}${index}`,
            total: 10 + index,
          });
          expect(published).toBe(true);
        }
      } finally {
        await publisher.close();
      }
      // The queue hands everything to the consumer (ready count 0); then the process dies without warning.
      await waitFor(async () => ((await queueDepth()).messageCount === 0 ? true : undefined), {
        timeoutMs: 10_000,
        description: 'queue drained by the consumer',
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      await first.kill();
      const second = await startAnalytics();
      try {
        await waitFor(async () => ((await storedCount()) === n ? true : undefined), {
          timeoutMs: 15_000,
          description: `${n} events in order_events after the restart`,
        }).catch(async (error: unknown) => {
          throw new Error(`${String(error)}; stored ${await storedCount()}\n${second.output()}`);
        });
      } finally {
        await second.stop();
      }
    });
  },
);
