import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { callTool, gate } from './test-mcp-call.js';
import { sampleValue, scrape } from './test-metrics.js';
import { RawProvider, ok } from './test-raw-provider.js';
import { startRelayAgent } from './test-relay-agent.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function statusOf(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('/ready and /livez', () => {
  it('answers /ready 503 until a required dependency has a provider, 200 then, 503 while draining; /livez 200 throughout', async () => {
    const registry = new FakeRegistry();
    const registryUrl = await registry.start();
    cleanups.push(() => registry.stop());
    const raw = new RawProvider((call) => ok(call, {}));
    await raw.start();
    cleanups.push(() => raw.stop());
    const held = gate();
    let holding = false;
    const agent = defineAgent({ name: 'needy' });
    agent.tool({
      name: 'needs_thing',
      input: z.object({}),
      dependencies: { thing: { capability: 'thing', required: true } },
      handler: async () => {
        holding = true;
        await held.opened;
        return { done: true };
      },
    });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl, healthIntervalMs: 50 },
      logger: silentLogger(),
    });
    cleanups.push(async () => {
      held.open();
      await running.stop();
    });
    const ready = `${running.url}/ready`;
    const livez = `${running.url}/livez`;

    expect(await statusOf(ready)).toMatchObject({
      status: 503,
      body: { runtime: 'up', reason: 'required dependency thing unresolved' },
    });
    expect((await statusOf(livez)).status).toBe(200);

    registry.addStatic('p1', 'thing', raw.endpoint);
    await waitFor(async () => ((await statusOf(ready)).status === 200 ? true : undefined), {
      timeoutMs: 5000,
      description: '/ready 200 once thing has a provider',
    });
    expect((await statusOf(livez)).status).toBe(200);

    // A call in flight keeps the agent draining (and serving its health endpoints) until it ends.
    const call = callTool(running.url, 'needs_thing');
    await waitFor(async () => (holding ? true : undefined));
    const stopping = running.stop();
    expect(await statusOf(ready)).toMatchObject({
      status: 503,
      body: { runtime: 'shutting_down', reason: 'draining' },
    });
    expect((await statusOf(livez)).status).toBe(200);
    held.open();
    expect((await call).result?.structuredContent).toEqual({ done: true });
    await stopping;
  });
});

describe('/metrics', () => {
  it('exposes call counts, latency buckets, in-flight gauges and provider counts after one dependency call', async () => {
    const relay = await startRelayAgent((call) => ok(call, { relayed: true }));
    cleanups.push(() => relay.stop());
    expect((await callTool(relay.running.url, 'relay')).result?.structuredContent).toEqual({ relayed: true });
    const text = await scrape(relay.running.url);
    const dependency = { dependency: 'thing', capability: 'thing' };

    expect(sampleValue(text, 'mesh_dependency_calls_total', { ...dependency, outcome: 'ok' })).toBe(1);
    expect(text).toMatch(
      /^mesh_dependency_duration_seconds_bucket\{le="0\.0005",[^}]*dependency="thing"[^}]*\} \d+$/m,
    );
    expect(sampleValue(text, 'mesh_dependency_duration_seconds_bucket', { ...dependency, le: '+Inf' })).toBe(
      1,
    );
    expect(sampleValue(text, 'mesh_dependency_duration_seconds_count', dependency)).toBe(1);
    expect(text).toMatch(/^mesh_dependency_in_flight\{[^}]*dependency="thing"[^}]*\} 0$/m);
    expect(text).toMatch(/^mesh_tool_in_flight\{[^}]*tool="relay"[^}]*\} 0$/m);
    expect(sampleValue(text, 'mesh_tool_calls_total', { tool: 'relay', outcome: 'ok' })).toBe(1);
    expect(sampleValue(text, 'mesh_dependency_providers', dependency)).toBe(1);
    expect(text).toMatch(/^mesh_registry_connected\{[^}]*\} 1$/m);
    expect(text).toContain(`agent_id="${relay.running.agentId}"`);
  });
});
