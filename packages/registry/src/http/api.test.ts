import { describe, expect, it } from 'vitest';
import { FakeClock } from '../core/clock.js';
import { agentBody, head, postJson, startRegistry, freshRegistryEachTest } from '../test-support.js';

describe('registry HTTP API', () => {
  const registry = freshRegistryEachTest();

  it('serves GET and HEAD /health with the spec fields', async () => {
    const body = (await (await fetch(`${registry.url}/health`)).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'healthy', service: 'mcp-mesh-registry', version: '1.0.0' });
    expect(typeof body['uptime_seconds']).toBe('number');
    expect(await head(`${registry.url}/health`)).toBe(200);
  });

  it('lists agents as AgentInfo with dependency counts', async () => {
    await postJson(`${registry.url}/heartbeat`, agentBody('db-1', [{ capability: 'data', tags: ['sql'] }]));
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('orders-1', [
        { capability: 'orders', dependencies: [{ capability: 'data' }, { capability: 'mail' }] },
      ]),
    );
    const body = (await (await fetch(`${registry.url}/agents`)).json()) as {
      agents: Record<string, unknown>[];
      count: number;
    };
    expect(body.count).toBe(2);
    const orders = body.agents.find((agent) => agent['id'] === 'orders-1');
    expect(orders).toMatchObject({
      name: 'orders-1',
      agent_type: 'mcp_agent',
      status: 'healthy',
      endpoint: 'http://127.0.0.1:9000',
      total_dependencies: 2,
      dependencies_resolved: 1,
      capabilities: [{ name: 'orders', version: '1.0.0', function_name: 'orders', tags: [] }],
    });
    expect(orders!['dependency_resolutions']).toEqual([
      expect.objectContaining({ capability: 'data', provider_agent_id: 'db-1', status: 'available' }),
      expect.objectContaining({ capability: 'mail', status: 'unresolved' }),
    ]);
    expect(Date.parse(orders!['last_seen'] as string)).not.toBeNaN();
  });

  it('marks required dependencies in dependency_resolutions (optional ones carry no flag)', async () => {
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('shop-1', [
        {
          capability: 'shop',
          dependencies: [
            { capability: 'stock', required: true },
            { capability: 'mail', required: false },
            { capability: 'ads' },
          ],
        },
      ]),
    );
    const body = (await (await fetch(`${registry.url}/agents`)).json()) as {
      agents: { dependency_resolutions: Record<string, unknown>[] }[];
    };
    expect(body.agents[0]!.dependency_resolutions).toEqual([
      expect.objectContaining({ capability: 'stock', status: 'unresolved', required: true }),
      expect.not.objectContaining({ required: expect.anything() }),
      expect.not.objectContaining({ required: expect.anything() }),
    ]);
  });

  it('refuses a required flag that is not a boolean', async () => {
    const response = await postJson(
      `${registry.url}/heartbeat`,
      agentBody('shop-2', [{ capability: 'shop', dependencies: [{ capability: 'stock', required: 'yes' }] }]),
    );
    expect(response.status).toBe(400);
  });

  it('unregisters with 204, idempotently, and logs the event', async () => {
    await postJson(`${registry.url}/heartbeat`, agentBody('gone', [{ capability: 'x' }]));
    expect((await fetch(`${registry.url}/agents/gone`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${registry.url}/agents/gone`, { method: 'DELETE' })).status).toBe(204);
    expect(await head(`${registry.url}/heartbeat/gone`)).toBe(410);
    const events = (await (await fetch(`${registry.url}/events?type=unregister&agent_id=gone`)).json()) as {
      events: { event_type: string; agent_id: string }[];
      count: number;
    };
    expect(events.count).toBe(1);
    expect(events.events[0]).toMatchObject({ event_type: 'unregister', agent_id: 'gone' });
  });

  it('filters events by type, agent and limit, newest first', async () => {
    for (const id of ['e1', 'e2', 'e3'])
      await postJson(`${registry.url}/heartbeat`, agentBody(id, [{ capability: id }]));
    const all = (await (await fetch(`${registry.url}/events?type=register&limit=2`)).json()) as {
      events: { agent_id: string }[];
    };
    expect(all.events.map((e) => e.agent_id)).toEqual(['e3', 'e2']);
    const one = (await (await fetch(`${registry.url}/events?agent_id=e1`)).json()) as { count: number };
    expect(one.count).toBe(1);
  });

  it('exposes Prometheus metrics for requests, agents and resolution', async () => {
    await postJson(`${registry.url}/heartbeat`, agentBody('m1', [{ capability: 'x' }]));
    await head(`${registry.url}/heartbeat/m1`);
    const text = await (await fetch(`${registry.url}/metrics`)).text();
    expect(text).toContain(
      'mesh_registry_http_requests_total{route="/heartbeat",method="POST",status="200"} 1',
    );
    expect(text).toContain(
      'mesh_registry_http_requests_total{route="/heartbeat/{agent_id}",method="HEAD",status="200"} 1',
    );
    expect(text).toContain('mesh_registry_agents{status="healthy"} 1');
    expect(text).toContain('mesh_registry_http_request_duration_seconds_bucket');
    expect(text).toMatch(/mesh_registry_resolution_duration_seconds_count [1-9]/);
  });

  it('says "updated" for a repeated heartbeat and keeps the resolution', async () => {
    const body = agentBody('r1', [{ capability: 'x', dependencies: [{ capability: 'x' }] }]);
    const first = await postJson(`${registry.url}/heartbeat`, body);
    const second = await postJson(`${registry.url}/heartbeat`, body);
    expect(first.body['message']).toBe('Agent registered via heartbeat');
    expect(second.body['message']).toBe('Agent updated via heartbeat');
    expect(second.body['dependencies_resolved']).toEqual(first.body['dependencies_resolved']);
  });

  it('applies a changed registration even when only a tool changed', async () => {
    await postJson(`${registry.url}/heartbeat`, agentBody('c1', [{ capability: 'old' }]));
    await postJson(`${registry.url}/heartbeat`, agentBody('c1', [{ capability: 'new' }]));
    const body = (await (await fetch(`${registry.url}/agents`)).json()) as {
      agents: { capabilities: { name: string }[] }[];
    };
    expect(body.agents[0]!.capabilities.map((c) => c.name)).toEqual(['new']);
  });

  it('never lets a nested agent_id make a body pass for another agent', async () => {
    const victim = agentBody('victim', [{ capability: 'v' }]);
    await postJson(`${registry.url}/heartbeat`, victim);
    const sneaky = `{"tools":[{"function_name":"f","capability":"c","kwargs":{"agent_id":"victim"}}],"agent_id":"other"}`;
    const { status, body } = await postJson(`${registry.url}/heartbeat`, sneaky);
    expect(status).toBe(200);
    expect(body['agent_id']).toBe('other');
    expect(body['message']).toBe('Agent registered via heartbeat');
  });

  it('treats a body that differs only in its timestamp as a plain heartbeat', async () => {
    const first = { ...agentBody('t1', [{ capability: 'x' }]), timestamp: '2026-01-01T00:00:00Z' };
    await postJson(`${registry.url}/heartbeat`, first);
    const { body } = await postJson(`${registry.url}/heartbeat`, {
      ...first,
      timestamp: '2026-01-01T00:00:05Z',
    });
    expect(body['message']).toBe('Agent updated via heartbeat');
    const events = (await (await fetch(`${registry.url}/events?agent_id=t1`)).json()) as { count: number };
    expect(events.count).toBe(1);
  });
});

describe('registry HTTP API with a fake clock', () => {
  it('brings an unhealthy agent back with a repeated identical heartbeat', async () => {
    const clock = new FakeClock();
    const registry = await startRegistry({ clock });
    try {
      const body = agentBody('sleepy', [{ capability: 'x' }]);
      await postJson(`${registry.url}/heartbeat`, body);
      clock.advance(25_000);
      await registry.healthMonitor.runOnce();
      expect(await head(`${registry.url}/heartbeat/sleepy`)).toBe(410);
      await postJson(`${registry.url}/heartbeat`, body);
      expect(await head(`${registry.url}/heartbeat/sleepy`)).toBe(200);
      const agents = (await (await fetch(`${registry.url}/agents`)).json()) as {
        agents: { status: string }[];
      };
      expect(agents.agents[0]!.status).toBe('healthy');
    } finally {
      await registry.close();
    }
  });
});
