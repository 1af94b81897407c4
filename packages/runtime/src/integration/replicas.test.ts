import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { stopAllProcesses, waitFor } from '@mesh/testkit';
import { defineAgent } from '../index.js';
import type { RunningAgent } from '../index.js';
import { runLoad, startEchoProvider, startRegistry, waitForAgents } from './test-harness.js';
import type { ProviderProcess, RegistryProcess } from './test-harness.js';

interface Echo {
  n: number;
  agent: string;
}

describe(
  'a consumer calling a provider with replicas (real processes on loopback)',
  { timeout: 30_000 },
  () => {
    let registry: RegistryProcess;
    const providers: ProviderProcess[] = [];
    let consumer: RunningAgent;
    const agent = defineAgent({ name: 'replica-consumer' });
    const deps = agent.consumer({ echo: { capability: 'echo', idempotent: true, timeoutMs: 5000 } });

    beforeAll(async () => {
      registry = await startRegistry();
      providers.push(
        ...(await Promise.all(
          ['echo-1', 'echo-2', 'echo-3'].map((id) => startEchoProvider(registry.url, id)),
        )),
      );
      consumer = await agent.start({
        app: undefined,
        mesh: { registryUrl: registry.url, healthIntervalMs: 1000, retryDelayMs: 20 },
        logger: silentLogger(),
      });
      await waitFor(async () => (deps.echo.providers === 3 ? true : undefined), { timeoutMs: 10_000 });
    }, 120_000);

    let stopLoad = false;
    afterEach(() => {
      // A failed test must not leave its load running into the next one.
      stopLoad = true;
    });

    afterAll(async () => {
      await consumer?.stop();
      await stopAllProcesses();
    });

    beforeEach(() => {
      stopLoad = false;
    });

    /** Echo calls taking `delayMs` from `concurrency` workers until `finish` (or the test's end) stops them. */
    function steadyLoad(options: { delayMs: number; concurrency: number }) {
      let stop = false;
      let completed = 0;
      const load = runLoad({
        call: (n) => deps.echo.call<Echo>({ n, delayMs: options.delayMs }),
        concurrency: options.concurrency,
        stop: () => stop || stopLoad,
        onResult: () => (completed += 1),
      });
      return {
        /** Calls answered so far. */
        completed: () => completed,
        /** Resolves once more than `count` calls were answered. */
        moreThan: (count: number, timeoutMs: number) =>
          waitFor(async () => (completed > count ? true : undefined), { timeoutMs, intervalMs: 10 }),
        finish: () => {
          stop = true;
          return load;
        },
      };
    }

    it('spreads calls over all three replicas', async () => {
      const result = await runLoad({ call: (n) => deps.echo.call<Echo>({ n }), concurrency: 6, total: 600 });
      expect(result.failures).toEqual([]);
      expect([...result.byAgent.keys()].sort()).toEqual(['echo-1', 'echo-2', 'echo-3']);
      for (const count of result.byAgent.values()) expect(count).toBeGreaterThan(100);
    });

    it('sends traffic to a new replica within 1 s of its registering', async () => {
      let stop = false;
      let firstServedAt = 0;
      const load = runLoad({
        call: (n) => deps.echo.call<Echo>({ n }),
        concurrency: 4,
        ratePerSec: 400,
        stop: () => stop || stopLoad,
        onResult: (served) => {
          if (served === 'echo-4' && firstServedAt === 0) firstServedAt = Date.now();
        },
      });
      const started = startEchoProvider(registry.url, 'echo-4');
      await waitForAgents(registry.url, ['echo-4']);
      const registeredAt = Date.now();
      providers.push(await started);
      await waitFor(async () => (firstServedAt > 0 ? true : undefined), { timeoutMs: 5000, intervalMs: 10 });
      stop = true;
      const result = await load;
      expect(result.failures).toEqual([]);
      expect(firstServedAt - registeredAt).toBeLessThan(1000);
    });

    it('loses no call when a replica stops gracefully (SIGTERM) under load, and it exits 0 deregistered', async () => {
      const load = steadyLoad({ delayMs: 2, concurrency: 8 });
      // Counted in calls, not in time: on a busy machine 300 ms may hold only a few dozen calls.
      await load.moreThan(50, 10_000);
      const leaving = providers.find((provider) => provider.agentId === 'echo-4')!;
      expect(await leaving.process.stop(10_000)).toBe(0);
      await waitForAgents(registry.url, [], ['echo-4']);
      await load.moreThan(load.completed() + 50, 10_000);
      const result = await load.finish();
      expect(result.failures).toEqual([]);
      expect(result.ok).toBeGreaterThan(100);
    });

    it('loses no call when a replica is killed (SIGKILL) mid-load', async () => {
      const load = steadyLoad({ delayMs: 5, concurrency: 12 });
      await load.moreThan(300, 10_000);
      const victim = providers.find((provider) => provider.agentId === 'echo-2')!;
      await victim.process.kill();
      await load.moreThan(load.completed() + 600, 20_000);
      const result = await load.finish();
      expect(result.failures).toEqual([]);
      expect(result.byAgent.get('echo-1')).toBeGreaterThan(300);
      expect(result.byAgent.get('echo-3')).toBeGreaterThan(300);
    });
  },
);
