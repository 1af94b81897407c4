import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { createRegistryServer } from '@mesh/registry';
import type { RegistryServer } from '@mesh/registry';
import { waitFor } from '@mesh/testkit';
import { defineAgent } from '../index.js';
import type { RunningAgent } from '../index.js';
import { RawProvider, ok } from '../test-raw-provider.js';
import { sampleValue, scrape } from '../test-metrics.js';

const CALLS = 1000;

/** Registers a raw provider as one replica of order-agent at `version` (as its runtime would). */
async function register(
  registryUrl: string,
  agentId: string,
  version: string,
  raw: RawProvider,
): Promise<void> {
  const port = Number(new URL(raw.endpoint).port);
  const response = await fetch(`${registryUrl}/heartbeat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      agent_id: agentId,
      name: 'order-agent',
      version,
      http_host: '127.0.0.1',
      http_port: port,
      tools: [{ function_name: 'process_order', capability: 'order_processing', dependencies: [] }],
    }),
  });
  expect(response.status).toBe(200);
}

async function setCanary(registryUrl: string, weight: number): Promise<void> {
  const response = await fetch(`${registryUrl}/canaries/order-agent`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: '2.0.0', weight }),
  });
  expect(response.status).toBe(200);
}

describe(
  'a canary split between two versions (in-process registry, raw providers)',
  { timeout: 60_000 },
  () => {
    let registry: RegistryServer;
    let registryUrl: string;
    let consumer: RunningAgent;
    const stable = new RawProvider((call) => ok(call, { version: '1.0.0' }));
    const canary = new RawProvider((call) => ok(call, { version: '2.0.0' }));
    const agent = defineAgent({ name: 'canary-consumer' });
    // Idempotent (orders are keyed by order_id), so a call on a dropped pooled connection may go again.
    const deps = agent.consumer({
      orders: { capability: 'order_processing', idempotent: true, timeoutMs: 5000 },
    });

    /** Sends `CALLS` calls, four at a time; the share of them the canary served, in percent. */
    async function canaryShare(): Promise<number> {
      const before = canary.calls.length;
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < CALLS) {
          next += 1;
          await deps.orders.call({ order_id: `o-${next}` });
        }
      };
      await Promise.all([worker(), worker(), worker(), worker()]);
      return ((canary.calls.length - before) / CALLS) * 100;
    }

    beforeAll(async () => {
      registry = await createRegistryServer({ healthMonitor: false });
      registryUrl = (await registry.listen(0, '127.0.0.1')).url;
      await stable.start();
      await canary.start();
      await register(registryUrl, 'order-stable', '1.0.0', stable);
      // The operator names the canary before its replica registers, so it never takes every call.
      await setCanary(registryUrl, 10);
      await register(registryUrl, 'order-canary', '2.0.0', canary);
      consumer = await agent.start({
        app: undefined,
        mesh: { registryUrl, healthIntervalMs: 200 },
        logger: silentLogger(),
      });
      await waitFor(async () => (deps.orders.providers === 2 ? true : undefined), { timeoutMs: 10_000 });
    });

    afterAll(async () => {
      await consumer?.stop();
      await stable.stop();
      await canary.stop();
      await registry?.close();
    });

    it('sends the canary its weight within five points over a thousand calls, labelled by version', async () => {
      const share = await canaryShare();
      console.info(`canary share at weight 10: ${share.toFixed(1)} %`);
      expect(share).toBeGreaterThanOrEqual(5);
      expect(share).toBeLessThanOrEqual(15);
      const metrics = await scrape(consumer.url);
      const labels = { capability: 'order_processing', outcome: 'ok' };
      expect(sampleValue(metrics, 'mesh_dependency_calls_total', { ...labels, version: '2.0.0' })).toBe(
        canary.calls.length,
      );
      expect(sampleValue(metrics, 'mesh_dependency_calls_total', { ...labels, version: '1.0.0' })).toBe(
        stable.calls.length,
      );
    });

    it('follows a weight change announced by the registry', async () => {
      await setCanary(registryUrl, 50);
      // The change feed (or the next heartbeat's 202) brings the new weight; wait until calls show it.
      await waitFor(
        async () => {
          const before = canary.calls.length;
          for (let i = 0; i < 40; i += 1) await deps.orders.call({ order_id: `probe-${i}` });
          return canary.calls.length - before >= 10 ? true : undefined;
        },
        { timeoutMs: 10_000 },
      );
      const share = await canaryShare();
      console.info(`canary share at weight 50: ${share.toFixed(1)} %`);
      expect(share).toBeGreaterThanOrEqual(45);
      expect(share).toBeLessThanOrEqual(55);
    });

    it('fails calls over to the stable version when the canary stops answering', async () => {
      await canary.stop();
      let next = 0;
      const failures: unknown[] = [];
      while (next < 200) {
        next += 1;
        await deps.orders.call({ order_id: `f-${next}` }).catch((error: unknown) => failures.push(error));
      }
      expect(failures).toEqual([]);
    });
  },
);
