import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, freePort, realServerUrl, startNode, waitFor, waitForHttp } from '@mesh/testkit';
import type { StartedProcess, TestDatabase } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, head, postJson } from './test-support.js';

const adminUrl = realServerUrl('postgres');
const MAIN = join(dirname(fileURLToPath(import.meta.url)), '../dist/main.js');

interface Replica {
  readonly url: string;
  readonly process: StartedProcess;
}

async function startReplica(databaseUrl: string): Promise<Replica> {
  const port = await freePort();
  const process = startNode(MAIN, [], {
    env: {
      DATABASE_URL: databaseUrl,
      MCP_MESH_REGISTRY_HOST: '127.0.0.1',
      MCP_MESH_REGISTRY_PORT: String(port),
      DEFAULT_TIMEOUT_THRESHOLD: '3s',
      HEALTH_CHECK_INTERVAL: '100ms',
      EVICTION_THRESHOLD: '60s',
      MCP_MESH_LOG_LEVEL: 'warn',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/health`, { status: 200, timeoutMs: 15_000 });
  return { url, process };
}

async function agentsOf(
  url: string,
): Promise<{ id: string; status: string; dependencies_resolved: number }[]> {
  const body = (await (await fetch(`${url}/agents`)).json()) as {
    agents: { id: string; status: string; dependencies_resolved: number }[];
  };
  return body.agents;
}

describe.skipIf(!adminUrl)(
  'two registry processes sharing one PostgreSQL database',
  { timeout: 30_000 },
  () => {
    let db: TestDatabase;
    let a: Replica;
    let b: Replica;

    beforeAll(async () => {
      db = await createTestDatabase(adminUrl!, 'registry_replicas');
      [a, b] = await Promise.all([startReplica(db.url), startReplica(db.url)]);
    }, 40_000);
    afterAll(async () => {
      for (const replica of [a, b]) {
        if (replica !== undefined) expect(await replica.process.stop()).toBe(0);
      }
      await db?.drop();
    });

    it('lists and resolves on one replica what was registered on the other', async () => {
      expect(
        (await postJson(`${a.url}/heartbeat`, agentBody('stock-1', [{ capability: 'stock' }]))).status,
      ).toBe(200);
      await waitFor(
        async () => ((await agentsOf(b.url)).some((agent) => agent.id === 'stock-1') ? true : undefined),
        {
          timeoutMs: 5000,
          description: 'stock-1 listed on replica b',
        },
      );
      const consumer = agentBody('orders-1', [
        { capability: 'orders', dependencies: [{ capability: 'stock' }] },
      ]);
      const { body } = await postJson(`${b.url}/heartbeat`, consumer);
      expect(body['dependencies_resolved']).toMatchObject({
        orders: [{ agent_id: 'stock-1', status: 'available' }],
      });
      expect(await head(`${b.url}/heartbeat/orders-1`)).toBe(200);
      // Each replica knows what the other last sent an agent, so HEADs may land on either.
      expect(await head(`${a.url}/heartbeat/orders-1`)).toBe(200);
      expect(await head(`${b.url}/heartbeat/stock-1`)).toBe(200);
    });

    it('tells a consumer on one replica about a provider change made on the other', async () => {
      const consumer = agentBody('orders-1', [
        { capability: 'orders', dependencies: [{ capability: 'stock' }] },
      ]);
      await postJson(`${b.url}/heartbeat`, consumer);
      expect(await head(`${b.url}/heartbeat/orders-1`)).toBe(200);
      await postJson(
        `${a.url}/heartbeat`,
        agentBody('stock-2', [{ capability: 'stock' }], { name: 'stock-1', http_port: 9001 }),
      );
      const status = await waitFor(
        async () => ((await head(`${b.url}/heartbeat/orders-1`)) === 202 ? 202 : undefined),
        {
          timeoutMs: 5000,
          description: 'HEAD 202 on replica b',
        },
      );
      expect(status).toBe(202);
    });

    it('streams a topology event on one replica for a provider registered on the other', async () => {
      const consumer = agentBody('watcher-1', [
        { capability: 'billing', dependencies: [{ capability: 'ledger' }] },
      ]);
      await postJson(`${b.url}/heartbeat`, consumer);
      const controller = new AbortController();
      const watch = await fetch(`${b.url}/watch/watcher-1`, { signal: controller.signal });
      const reader = watch.body!.getReader();
      await reader.read();
      try {
        await postJson(`${a.url}/heartbeat`, agentBody('ledger-1', [{ capability: 'ledger' }]));
        const decoder = new TextDecoder();
        let text = '';
        const deadline = Date.now() + 5000;
        while (!text.includes('event: topology') && Date.now() < deadline) {
          const chunk = await reader.read();
          if (chunk.done) break;
          text += decoder.decode(chunk.value);
        }
        expect(text).toContain('event: topology');
      } finally {
        controller.abort();
      }
    });

    it('marks a silent agent unhealthy once, whichever replica sees it first', async () => {
      await postJson(`${a.url}/heartbeat`, agentBody('silent-1', [{ capability: 'quiet' }]));
      for (const url of [a.url, b.url]) {
        await waitFor(
          async () =>
            (await agentsOf(url)).find((agent) => agent.id === 'silent-1')?.status === 'unhealthy'
              ? true
              : undefined,
          { timeoutMs: 20_000, description: `silent-1 unhealthy on ${url}` },
        );
      }
      // Both replicas run the health check every 100 ms; give them several rounds to double it if they would.
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const url of [a.url, b.url]) {
        const events = (await (await fetch(`${url}/events?type=unhealthy&agent_id=silent-1`)).json()) as {
          count: number;
        };
        expect(events.count).toBe(1);
      }
      expect(await head(`${b.url}/heartbeat/silent-1`)).toBe(410);
    });
  },
);
