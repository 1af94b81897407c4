import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  freePort,
  realServerUrl,
  startNode,
  toolResult,
  startRegistryProcess,
  stopAllProcesses,
  waitForHttp,
  type StartedProcess,
  type TestDatabase,
} from '@mesh/testkit';

const postgresUrl = realServerUrl('postgres');
const dist = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const analyticsMain = dist('../dist/main.js');

describe.skipIf(!postgresUrl)(
  'analytics-agent: registry and agent as processes on loopback',
  { timeout: 30_000 },
  () => {
    let database: TestDatabase;
    let agentUrl: string;
    let agent: StartedProcess;

    beforeAll(async () => {
      if (!existsSync(analyticsMain)) {
        throw new Error(`${analyticsMain} is missing: build first (pnpm turbo run build)`);
      }
      database = await createTestDatabase(postgresUrl!, 'analytics');
      const registry = await startRegistryProcess();
      const agentPort = await freePort();
      agent = startNode(analyticsMain, [], {
        env: {
          DATABASE_URL: database.url,
          RABBITMQ_URL: undefined,
          BATCH_SIZE: '1000',
          PROCESSING_INTERVAL: '60',
          MCP_MESH_REGISTRY_URL: registry.url,
          MCP_MESH_HTTP_PORT: String(agentPort),
          MCP_MESH_LOG_LEVEL: 'INFO',
        },
      });
      agentUrl = `http://127.0.0.1:${agentPort}`;
      await waitForHttp(`${agentUrl}/ready`, { status: 200, timeoutMs: 30_000 }).catch((error: unknown) => {
        throw new Error(`analytics-agent did not become ready: ${String(error)}\n${agent.output()}`);
      });
    }, 60_000);

    afterAll(async () => {
      await stopAllProcesses();
      await database?.drop();
    });

    it('records events one by one and in a batch, each stored before the call answers (PROCESSING_INTERVAL 60 s notwithstanding)', async () => {
      for (const [type, orderId, amount] of [
        ['order_completed', 'w-1', 19.99],
        ['order_completed', 'w-2', 5.01],
        ['order_failed', 'w-3', 3],
      ] as const) {
        const recorded = await toolResult(agentUrl, 'analytics_record_event', {
          type,
          order_id: orderId,
          amount,
        });
        expect(recorded.structuredContent).toEqual({ accepted: true, duplicate: false });
      }
      const batch = await toolResult(agentUrl, 'analytics_record_events', {
        events: [
          { type: 'orders.completed', order_id: 'w-4', amount: 10 },
          { type: 'orders.completed', order_id: 'w-1', amount: 19.99 },
          { type: 'orders.completed', amount: 1 },
        ],
      });
      expect(batch.structuredContent).toMatchObject({ accepted: 2, duplicates: 1 });
      expect(batch.structuredContent?.['rejected']).toEqual([
        { index: 2, error: expect.stringMatching(/^order_id: /) as unknown },
      ]);
      const report = await toolResult(agentUrl, 'analytics_report', { window_minutes: 10 });
      expect(report.structuredContent).toMatchObject({
        completed: 3,
        failed: 1,
        revenue: 35,
        unflushed: 0,
        failure_rate: 0.25,
      });
      // Read while the agent still runs: nothing waits for the interval or for shutdown.
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const rows = await client.query<{ order_id: string }>(
        'SELECT order_id FROM order_events ORDER BY order_id',
      );
      await client.end();
      expect(rows.rows.map((row) => row.order_id)).toEqual(['w-1', 'w-2', 'w-3', 'w-4']);
      expect(await agent.stop()).toBe(0);
    });
  },
);
