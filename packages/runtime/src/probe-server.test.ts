import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { createTestPki } from '@mesh/testkit';
import type { TestPki } from '@mesh/testkit';
import { MeshPolicy } from '@mesh/trust';
import { defineAgent, z } from './index.js';
import type { RunningAgent } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (stops.length > 0) await stops.pop()!();
});

async function get(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function needy() {
  const agent = defineAgent({ name: 'needy' });
  agent.tool({
    name: 'needs_thing',
    input: z.object({}),
    dependencies: { thing: { capability: 'thing', required: true } },
    handler: () => ({}),
  });
  return agent;
}

describe('the probe listener (MCP_MESH_PROBE_PORT)', () => {
  it('is off unless a probe port is configured', async () => {
    const running = await needy().start({
      app: undefined,
      mesh: { registryUrl: null },
      logger: silentLogger(),
    });
    stops.push(() => running.stop());
    expect(running.probePort).toBeUndefined();
  });

  it('answers /ready, /health and /livez on 127.0.0.1 as the agent port does, and nothing else', async () => {
    const registry = new FakeRegistry();
    const registryUrl = await registry.start();
    stops.push(() => registry.stop());
    const running = await needy().start({
      app: undefined,
      mesh: { registryUrl, healthIntervalMs: 50, probePort: 0 },
      logger: silentLogger(),
    });
    stops.push(() => running.stop());
    expect(running.probePort).toBeGreaterThan(0);
    expect(running.probePort).not.toBe(running.port);
    const probe = `http://127.0.0.1:${running.probePort}`;

    const ready = await get(`${probe}/ready`);
    expect(ready).toMatchObject({
      status: 503,
      body: { ready: false, reason: 'required dependency thing unresolved', agent: 'needy' },
    });
    expect(ready.status).toBe((await get(`${running.url}/ready`)).status);
    expect(await get(`${probe}/health`)).toMatchObject({ status: 200, body: { status: 'healthy' } });
    expect(await get(`${probe}/livez`)).toMatchObject({ status: 200, body: { alive: true } });
    expect((await fetch(`${probe}/ready`, { method: 'HEAD' })).status).toBe(503);
    // The probe port serves no tools and no metrics: it is for the local health checker only.
    for (const path of ['/mcp', '/metrics', '/'])
      expect((await get(`${probe}${path}`)).status, path).toBe(404);
    expect((await fetch(`${probe}/mcp`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('closes with the agent', async () => {
    const running = await needy().start({
      app: undefined,
      mesh: { registryUrl: null, probePort: 0 },
      logger: silentLogger(),
    });
    const probe = `http://127.0.0.1:${running.probePort}/livez`;
    expect((await get(probe)).status).toBe(200);
    await running.stop();
    await expect(fetch(probe)).rejects.toThrow();
  });
});

describe('the probe listener of a strict-mode agent', () => {
  let pki: TestPki;
  let running: RunningAgent;
  beforeAll(async () => {
    pki = await createTestPki(['needy']);
    running = await needy().start({
      app: undefined,
      mesh: {
        registryUrl: null,
        probePort: 0,
        tls: pki.settings('needy'),
        policy: new MeshPolicy(pki.trustDomain, [{ name: 'needy', provides: ['thing'], dependsOn: [] }]),
      },
      logger: silentLogger(),
    });
  });
  afterAll(async () => {
    await running?.stop();
    pki?.remove();
  });

  it('speaks plain HTTP and needs no client certificate while the agent port is mTLS', async () => {
    expect(running.url).toMatch(/^https:/);
    expect(await get(`http://127.0.0.1:${running.probePort}/ready`)).toMatchObject({
      status: 200,
      body: { ready: true, runtime: 'standalone' },
    });
  });
});
