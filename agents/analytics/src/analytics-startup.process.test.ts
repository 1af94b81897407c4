import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus } from '@mesh/backends';
import {
  createTestDatabase,
  freePort,
  realServerUrl,
  startNode,
  startRegistryProcess,
  startTcpForwarder,
  stopAllProcesses,
  deleteQueues,
  waitFor,
  waitForHttp,
  type RegistryProcess,
  type TcpForwarder,
  type TestDatabase,
} from '@mesh/testkit';

const postgresUrl = realServerUrl('postgres');
const rabbitmqUrl = realServerUrl('rabbitmq');
const analyticsMain = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** The same URL on another port (the forwarder's, closed until the test opens it). */
function onPort(url: string, port: number): string {
  const moved = new URL(url);
  moved.port = String(port);
  return moved.toString();
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url);
    return false;
  } catch {
    return true;
  }
}

describe.skipIf(!postgresUrl || !rabbitmqUrl)(
  'analytics-agent started before its database and broker',
  { timeout: 90_000 },
  () => {
    const suffix = randomBytes(4).toString('hex');
    const queue = `analytics.startup.${suffix}`;
    let database: TestDatabase;
    let registry: RegistryProcess;
    const forwarders: TcpForwarder[] = [];

    beforeAll(async () => {
      if (!existsSync(analyticsMain)) throw new Error(`${analyticsMain} is missing: build first`);
      database = await createTestDatabase(postgresUrl!, 'analytics_startup');
      registry = await startRegistryProcess();
    }, 60_000);

    afterAll(async () => {
      await stopAllProcesses();
      await Promise.all(forwarders.map((forwarder) => forwarder.close()));
      await deleteQueues(rabbitmqUrl!, [queue]);
      await database?.drop();
    });

    it('waits for PostgreSQL, then RabbitMQ, logging each retry, is not ready meanwhile, then consumes', async () => {
      const [dbPort, amqpPort, httpPort] = await Promise.all([freePort(), freePort(), freePort()]);
      const agent = startNode(analyticsMain, [], {
        env: {
          DATABASE_URL: onPort(database.url, dbPort),
          RABBITMQ_URL: onPort(rabbitmqUrl!, amqpPort),
          ANALYTICS_QUEUE: queue,
          PROCESSING_INTERVAL: '100ms',
          MCP_MESH_REGISTRY_URL: registry.url,
          MCP_MESH_HTTP_PORT: String(httpPort),
          MCP_MESH_LOG_LEVEL: 'INFO',
        },
      });
      const ready = `http://127.0.0.1:${httpPort}/ready`;
      const logged = (text: string) =>
        waitFor(async () => (agent.output().includes(text) ? true : undefined), {
          timeoutMs: 20_000,
          description: `"${text}" in the log`,
        }).catch((error: unknown) => {
          throw new Error(`${String(error)}\n${agent.output()}`);
        });

      await logged('PostgreSQL not reachable yet; retrying');
      expect(agent.output()).toContain('ECONNREFUSED');
      expect(await refused(ready)).toBe(true);
      const server = new URL(database.url);
      forwarders.push(await startTcpForwarder(dbPort, { host: server.hostname, port: Number(server.port) }));

      await logged('RabbitMQ not reachable yet; retrying');
      expect(await refused(ready)).toBe(true);
      const broker = new URL(rabbitmqUrl!);
      forwarders.push(
        await startTcpForwarder(amqpPort, { host: broker.hostname, port: Number(broker.port) }),
      );

      await waitForHttp(ready, { status: 200, timeoutMs: 30_000 }).catch((error: unknown) => {
        throw new Error(`analytics-agent did not become ready: ${String(error)}\n${agent.output()}`);
      });
      const publisher = createEventBus({ rabbitmqUrl: rabbitmqUrl! });
      try {
        expect(
          await publisher.publish('orders.completed', { order_id: `startup-${suffix}`, total: 12 }),
        ).toBe(true);
      } finally {
        await publisher.close();
      }
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        await waitFor(
          async () => {
            const result = await client.query('SELECT 1 FROM order_events WHERE order_id = $1', [
              `startup-${suffix}`,
            ]);
            return result.rowCount === 1 ? true : undefined;
          },
          { timeoutMs: 10_000, description: 'the event stored' },
        );
      } finally {
        await client.end();
      }
      await agent.stop();
    });
  },
);
