import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, fixture, fixtureNames, head, postJson, startRegistry } from '../test-support.js';
import type { RunningRegistry } from '../test-support.js';

describe('bad input over HTTP', () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ config: { maxBodyBytes: 64 * 1024 } });
    expect(
      (await postJson(`${registry.url}/heartbeat`, agentBody('keeper', [{ capability: 'keep' }]))).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await registry.close();
  });

  it.each([
    ['malformed JSON', '{"agent_id": "x", ', '(body)'],
    ['an empty body', '', '(body)'],
    ['a JSON array', '[]', '(body)'],
    ['a missing agent_id', JSON.stringify({ tools: [] }), 'agent_id'],
    ['a bad agent_id', JSON.stringify({ agent_id: '../etc', tools: [] }), 'agent_id'],
    ['a wrongly typed tools', JSON.stringify({ agent_id: 'x', tools: 'all' }), 'tools'],
    [
      'a wrongly typed dependency',
      JSON.stringify({ agent_id: 'x', tools: [{ function_name: 'f', capability: 'c', dependencies: [5] }] }),
      'tools[0].dependencies[0]',
    ],
  ])('answers %s with a 400 ErrorResponse naming the field', async (_label, body, field) => {
    const response = await postJson(`${registry.url}/heartbeat`, body);
    expect(response.status).toBe(400);
    expect(typeof response.body['error']).toBe('string');
    expect(typeof response.body['timestamp']).toBe('string');
    expect(response.body['details']).toMatchObject({ field });
  });

  it('answers an oversized body with 400 without reading it all', async () => {
    const big = JSON.stringify({
      agent_id: 'big',
      tools: [{ function_name: 'f', capability: 'c', description: 'x'.repeat(200_000) }],
    });
    const response = await postJson(`${registry.url}/heartbeat`, big);
    expect(response.status).toBe(400);
    expect(response.body['details']).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', field: '(body)' });
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${registry.url}/heartbeat`, {
        method: 'POST',
        headers: { 'content-length': '1000' },
      });
      req.on('error', () => resolve());
      req.write('{"agent_id": "half');
      setImmediate(() => {
        req.destroy();
        resolve();
      });
    });
    expect((await fetch(`${registry.url}/health`)).status).toBe(200);
  });

  it('rejects bad ids in paths and bad event filters with 400', async () => {
    expect(await head(`${registry.url}/heartbeat/bad%20id`)).toBe(400);
    expect((await fetch(`${registry.url}/agents/bad%20id`, { method: 'DELETE' })).status).toBe(400);
    for (const query of ['limit=0', 'limit=501', 'limit=ten', 'type=party', 'agent_id=a%2Fb']) {
      const response = await fetch(`${registry.url}/events?${query}`);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as { details: { field: string } };
      expect(query.startsWith(body.details.field)).toBe(true);
    }
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await fetch(`${registry.url}/nope`)).status).toBe(404);
    expect((await fetch(`${registry.url}/heartbeat`)).status).toBe(405);
    expect((await fetch(`${registry.url}/agents`, { method: 'PUT' })).status).toBe(405);
  });

  it('answers 200 or 400, never a server error, to two hundred mangled fixtures', async () => {
    const weird: unknown[] = [null, 0, -1, 1.5, '', 'x'.repeat(300), [], {}, [[]], { a: 1 }, true, 'bad id!'];
    let seed = 42;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const mutate = (value: unknown, depth: number): unknown => {
      if (random(6) === 0 || depth > 6) return weird[random(weird.length)];
      if (Array.isArray(value)) return value.map((item) => mutate(item, depth + 1));
      if (typeof value === 'object' && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, mutate(item, depth + 1)]));
      }
      return value;
    };
    const bodies = fixtureNames()
      .filter((name) => !name.includes('response'))
      .map((name) => fixture(name));
    const statuses = new Set<number>();
    for (let i = 0; i < 200; i += 1) {
      const { status } = await postJson(`${registry.url}/heartbeat`, mutate(bodies[i % bodies.length], 0));
      statuses.add(status);
    }
    expect([...statuses].every((status) => status === 200 || status === 400)).toBe(true);
    expect(statuses.has(400)).toBe(true);
  }, 30_000);

  it('still has the agent registered before the bad requests', async () => {
    const response = await fetch(`${registry.url}/agents`);
    const body = (await response.json()) as { agents: { id: string; status: string }[] };
    expect(body.agents).toContainEqual(expect.objectContaining({ id: 'keeper', status: 'healthy' }));
    expect(await head(`${registry.url}/heartbeat/keeper`)).toBe(200);
  });
});
