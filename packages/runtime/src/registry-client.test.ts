import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import type { Agent, RunningAgent } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function providerAgent(name: string) {
  const agent = defineAgent({ name });
  agent.tool({
    name: `${name}_ping`,
    capability: 'ping',
    input: z.object({}),
    handler: () => ({ from: name }),
  });
  return agent;
}

async function startAgent(agent: Agent<undefined>, registryUrl: string, healthCheck?: () => boolean) {
  const options: Parameters<typeof agent.start>[0] = {
    app: undefined,
    mesh: { registryUrl, healthIntervalMs: 50, retryDelayMs: 10 },
    logger: silentLogger(),
  };
  if (healthCheck) options.healthCheck = healthCheck;
  const running: RunningAgent = await agent.start(options);
  cleanups.push(() => running.stop());
  return running;
}

function posts(registry: FakeRegistry): number {
  return registry.requests.filter((line) => line === 'POST /heartbeat').length;
}

describe('registry client', () => {
  it('registers with the official body shape and deregisters on stop', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    const running = await startAgent(providerAgent('shape'), url);
    const body = registry.agents.get(running.agentId) as unknown as Record<string, unknown>;
    expect(body).toMatchObject({
      agent_id: running.agentId,
      agent_type: 'mcp_agent',
      runtime: 'typescript',
      name: 'shape',
      version: '1.0.0',
      http_host: '127.0.0.1',
      http_port: running.port,
      namespace: 'default',
      tools: [
        { function_name: 'shape_ping', capability: 'ping', version: '1.0.0', tags: [], dependencies: [] },
      ],
    });
    await running.stop();
    expect(registry.requests).toContain(`DELETE /agents/${running.agentId}`);
    expect(registry.agents.has(running.agentId)).toBe(false);
  });

  it('re-POSTs when HEAD answers 202 and picks up a new provider', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    const consumer = defineAgent({ name: 'watcher' });
    const deps = consumer.consumer({ ping: 'ping' });
    await startAgent(consumer, url);
    expect(deps.ping.providers).toBe(0);
    await startAgent(providerAgent('late'), url);
    await waitFor(async () => (deps.ping.providers === 1 ? true : undefined), { timeoutMs: 3000 });
    await expect(deps.ping.call({})).resolves.toEqual({ from: 'late' });
  });

  it('re-POSTs after HEAD answers 410 when the registry forgot the agent while staying up', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    const running = await startAgent(providerAgent('forgotten'), url);
    const head = `HEAD /heartbeat/${running.agentId}`;
    await waitFor(async () => (registry.requests.includes(head) ? true : undefined));
    registry.forget(running.agentId);
    const from = registry.requests.length;
    await waitFor(async () => (registry.agents.has(running.agentId) ? true : undefined), { timeoutMs: 3000 });
    const after = registry.requests.slice(from);
    const gone = after.indexOf(head);
    expect(gone).toBeGreaterThanOrEqual(0);
    expect(registry.responses[from + gone]).toBe(410);
    expect(after.slice(gone + 1)).toContain('POST /heartbeat');
  });

  it('keeps calling with the last topology while the registry is down and re-registers when it returns', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    const port = Number(new URL(url).port);
    const provider = await startAgent(providerAgent('steady'), url);
    const consumer = defineAgent({ name: 'outage' });
    const deps = consumer.consumer({ ping: 'ping' });
    const running = await startAgent(consumer, url);
    await registry.stop();
    for (let i = 0; i < 5; i += 1) await expect(deps.ping.call({})).resolves.toEqual({ from: 'steady' });
    registry.forgetAll();
    await registry.start(port);
    cleanups.push(() => registry.stop());
    await waitFor(
      async () =>
        registry.agents.has(running.agentId) && registry.agents.has(provider.agentId) ? true : undefined,
      {
        timeoutMs: 5000,
      },
    );
    await expect(deps.ping.call({})).resolves.toEqual({ from: 'steady' });
  });

  it('pauses heartbeats while the health check fails', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    let healthy = true;
    const running = await startAgent(providerAgent('sick'), url, () => healthy);
    healthy = false;
    await waitFor(async () => ((await fetch(`${running.url}/health`)).status === 503 ? true : undefined));
    const before = registry.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(registry.requests.length).toBe(before);
    healthy = true;
    await waitFor(async () => (registry.requests.length > before ? true : undefined));
    expect(posts(registry)).toBeGreaterThanOrEqual(2);
  });
});

/**
 * A registry serving the change feed (refusing the first `refusedWatches` with 404) and a consumer of `ping`
 * whose heartbeats are a minute apart, so only the feed can bring it a new provider in time.
 */
async function feedConsumer(name: string, refusedWatches = 0) {
  const registry = new FakeRegistry();
  registry.watchEnabled = true;
  registry.refuseWatches = refusedWatches;
  const url = await registry.start();
  cleanups.push(() => registry.stop());
  const consumer = defineAgent({ name });
  const deps = consumer.consumer({ ping: 'ping' });
  const running = await consumer.start({
    app: undefined,
    mesh: { registryUrl: url, healthIntervalMs: 60_000 },
    logger: silentLogger(),
  });
  cleanups.push(() => running.stop());
  return { registry, url, deps, running };
}

describe('registry change feed', () => {
  it('re-POSTs on a topology event at once, without waiting for the heartbeat interval', async () => {
    const { registry, url, deps, running } = await feedConsumer('feed-watcher');
    await waitFor(async () =>
      registry.requests.includes(`GET /watch/${running.agentId}`) ? true : undefined,
    );
    await startAgent(providerAgent('pushed'), url);
    await waitFor(async () => (deps.ping.providers === 1 ? true : undefined), { timeoutMs: 2000 });
    expect(registry.requests.filter((line) => line.startsWith(`HEAD /heartbeat/${running.agentId}`))).toEqual(
      [],
    );
  });

  it('asks for the change feed again after a 404, which may only mean the agent was not known yet', async () => {
    const { registry, url, deps, running } = await feedConsumer('feed-retrier', 1);
    await waitFor(async () => (registry.watching(running.agentId) ? true : undefined), { timeoutMs: 5000 });
    expect(registry.requests.filter((line) => line === `GET /watch/${running.agentId}`)).toHaveLength(2);
    await startAgent(providerAgent('after-refusal'), url);
    await waitFor(async () => (deps.ping.providers === 1 ? true : undefined), { timeoutMs: 2000 });
  });

  it('opens the change feed again after a registry restart, once it has re-registered', async () => {
    const registry = new FakeRegistry();
    registry.watchEnabled = true;
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    const consumer = defineAgent({ name: 'feed-rewatcher' });
    const running = await startAgent(consumer, url);
    await waitFor(async () => (registry.watching(running.agentId) ? true : undefined));
    registry.restart();
    await waitFor(async () => (registry.watching(running.agentId) ? true : undefined), { timeoutMs: 3000 });
  });

  it('falls back to heartbeats when the registry has no change feed (404)', async () => {
    const registry = new FakeRegistry();
    const url = await registry.start();
    cleanups.push(() => registry.stop());
    const consumer = defineAgent({ name: 'no-feed' });
    const deps = consumer.consumer({ ping: 'ping' });
    await startAgent(consumer, url);
    await startAgent(providerAgent('polled'), url);
    await waitFor(async () => (deps.ping.providers === 1 ? true : undefined), { timeoutMs: 3000 });
    expect(registry.requests.filter((line) => line.startsWith('GET /watch/')).length).toBeLessThanOrEqual(2);
  });
});
