import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { stopAllProcesses, waitFor } from '@mesh/testkit';
import { defineAgent } from '../index.js';
import type { RunningAgent } from '../index.js';
import { runLoad, startEchoProvider, startRegistry, waitForAgents } from './test-harness.js';
import type { RegistryProcess } from './test-harness.js';

/** How long the registry stays down; 30 s by default, shorter via MESH_REGISTRY_OUTAGE_MS for quick runs. */
const OUTAGE_MS = Number(process.env['MESH_REGISTRY_OUTAGE_MS'] ?? 30_000);

describe('a registry outage', () => {
  let registry: RegistryProcess;
  let consumer: RunningAgent;
  const agent = defineAgent({ name: 'outage-consumer' });
  const deps = agent.consumer({ echo: { capability: 'echo', timeoutMs: 5000 } });

  beforeAll(async () => {
    registry = await startRegistry();
    await Promise.all(['steady-1', 'steady-2'].map((id) => startEchoProvider(registry.url, id)));
    consumer = await agent.start({
      app: undefined,
      mesh: { registryUrl: registry.url, healthIntervalMs: 1000, retryDelayMs: 50 },
      logger: silentLogger(),
    });
    await waitFor(async () => (deps.echo.providers === 2 ? true : undefined), { timeoutMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await stopAllProcesses();
  });

  it(
    `loses no call while the registry process is stopped for ${OUTAGE_MS} ms, and everyone re-registers after`,
    async () => {
      let stop = false;
      const load = runLoad({
        call: (n) => deps.echo.call<{ agent: string }>({ n }),
        concurrency: 4,
        ratePerSec: 100,
        stop: () => stop,
      });
      try {
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(await registry.process.kill()).toBe('SIGKILL');
        const downAt = Date.now();
        // The outage itself: the registry process is gone while calls keep flowing. A timer may fire a
        // millisecond early by the wall clock, so wait out whatever is left (a few rounds at most).
        for (let round = 0; round < 5 && Date.now() - downAt < OUTAGE_MS; round += 1) {
          await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS - (Date.now() - downAt) + 1));
        }
        expect(Date.now() - downAt).toBeGreaterThanOrEqual(OUTAGE_MS);
        registry = await startRegistry(registry.port);
        await waitForAgents(registry.url, ['steady-1', 'steady-2', consumer.agentId]);
        await new Promise((resolve) => setTimeout(resolve, 500));
      } finally {
        stop = true;
      }
      const result = await load;
      expect(result.failures).toEqual([]);
      expect([...result.byAgent.keys()].sort()).toEqual(['steady-1', 'steady-2']);
      expect(result.ok).toBeGreaterThan((OUTAGE_MS / 1000) * 50);
    },
    OUTAGE_MS + 45_000,
  );
});
