import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { Counter, Registry } from 'prom-client';
import { MeshError, defineAgent, z } from './index.js';
import type { RunningAgent } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';

const logger = silentLogger();
const ownRegistry = new Registry();
const ownCounter = new Counter({
  name: 'stock_lookups_total',
  help: 'Lookups the provider answered.',
  registers: [ownRegistry],
});

describe('an agent calling another through the registry', () => {
  const registry = new FakeRegistry();
  const running: RunningAgent[] = [];

  const provider = defineAgent({ name: 'stock-provider' });
  provider.tool({
    name: 'stock_get',
    capability: 'stock_lookup',
    input: z.object({ sku: z.string().min(1) }),
    handler: ({ sku }) => {
      if (sku === 'NOPE') throw new MeshError('NOT_FOUND', `unknown sku ${sku}`, { data: { sku } });
      return { sku, quantity: 7 };
    },
  });

  const consumer = defineAgent<{ prefix: string }>({ name: 'stock-consumer' });
  consumer.tool({
    name: 'describe_stock',
    input: z.object({ sku: z.string() }),
    dependencies: { stock: 'stock_lookup', absent: { capability: 'not_provided' } },
    handler: async ({ sku }, ctx) => {
      const row = await ctx.deps.stock.call<{ quantity: number }>({ sku });
      return { text: `${ctx.app.prefix}${sku}=${row.quantity}`, absent: ctx.deps.absent.available };
    },
  });

  beforeAll(async () => {
    const registryUrl = await registry.start();
    const mesh = { registryUrl, healthIntervalMs: 200 };
    running.push(await provider.start({ app: undefined, mesh, logger, metrics: [ownRegistry] }));
    running.push(await consumer.start({ app: { prefix: '#' }, mesh, logger }));
  });

  afterAll(async () => {
    for (const agent of running) await agent.stop();
    await registry.stop();
  });

  async function callTool(url: string, name: string, args: unknown): Promise<Record<string, unknown>> {
    const response = await fetch(`${url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name, arguments: args },
      }),
    });
    expect(response.headers.get('content-type')).toBe('application/json');
    return (await response.json()) as Record<string, unknown>;
  }

  it('resolves the dependency and returns structured content when both are registered', async () => {
    const body = await callTool(running[1]!.url, 'describe_stock', { sku: 'A1' });
    expect(body['result']).toEqual({
      content: [{ type: 'text', text: JSON.stringify({ text: '#A1=7', absent: false }) }],
      structuredContent: { text: '#A1=7', absent: false },
    });
  });

  it('returns the remote MeshError code as an error result when the provider throws', async () => {
    const body = await callTool(running[1]!.url, 'describe_stock', { sku: 'NOPE' });
    const result = body['result'] as {
      isError: boolean;
      structuredContent: { error: { code: string; data: unknown } };
    };
    expect(result.isError).toBe(true);
    expect(result.structuredContent.error.code).toBe('NOT_FOUND');
  });

  it('answers -32602 with the issues when arguments fail the schema', async () => {
    const body = await callTool(running[0]!.url, 'stock_get', { sku: '' });
    const error = body['error'] as { code: number; data: { issues: { path: string[] }[] } };
    expect(error.code).toBe(-32602);
    expect(error.data.issues[0]!.path).toEqual(['sku']);
  });

  it('answers -32602 for an unknown tool', async () => {
    const body = await callTool(running[0]!.url, 'no_such_tool', {});
    expect((body['error'] as { code: number }).code).toBe(-32602);
  });

  it('serves the agent registries at /metrics after the runtime metrics, default metrics once', async () => {
    ownCounter.inc(3);
    const body = await (await fetch(`${running[0]?.url ?? ''}/metrics`)).text();
    expect(body).toMatch(/^stock_lookups_total 3$/m);
    expect(body).toMatch(/^mesh_tool_calls_total/m);
    expect(body.match(/^# TYPE process_cpu_seconds_total /gm)).toHaveLength(1);
  });

  it('registers with POST /heartbeat and keeps heartbeating with HEAD', async () => {
    expect(registry.requests.filter((line) => line === 'POST /heartbeat').length).toBeGreaterThanOrEqual(2);
    await expect.poll(() => registry.requests.some((line) => line.startsWith('HEAD /heartbeat/'))).toBe(true);
  });
});

describe('declaration types and manifest', () => {
  it('types handler input, dependencies and output from the declaration (checked by tsc)', () => {
    const agent = defineAgent<{ pool: string }>({ name: 'typed' });
    agent.tool({
      name: 'typed_tool',
      input: z.object({ id: z.string(), count: z.number().default(1) }),
      output: z.object({ total: z.number() }),
      dependencies: {
        data: { capability: 'data_query', tags: ['+fast', ['pg', 'sqlite']], idempotent: true },
      },
      handler: (input, ctx) => {
        const id: string = input.id;
        const count: number = input.count;
        const pool: string = ctx.app.pool;
        // @ts-expect-error: only declared dependencies exist on ctx.deps
        void ctx.deps.missing;
        void [id, pool, ctx.deps.data.available];
        return { total: count };
      },
    });
    agent.tool({
      name: 'wrong_output',
      input: z.object({}),
      output: z.object({ total: z.number() }),
      // @ts-expect-error: the handler must return what the output schema describes
      handler: () => ({ total: 'many' }),
    });
    expect(agent.manifest().tools.map((tool) => tool.name)).toEqual(['typed_tool', 'wrong_output']);
  });

  it('describes tools and dependencies in the manifest without starting anything', () => {
    const agent = defineAgent({ name: 'manifested', version: '2.0.0', description: 'd' });
    agent.tool({
      name: 'm_tool',
      capability: 'm_cap',
      version: '1.2.0',
      tags: ['x'],
      description: 'does m',
      input: z.object({}),
      dependencies: { a: 'cap_a', b: { capability: 'cap_b', tags: ['t'], version: '>=1.0.0' } },
      handler: () => ({}),
    });
    agent.consumer({ edge: { capability: 'edge_cap', tags: ['e'], version: '>=2.0.0' } });
    expect(agent.manifest()).toEqual({
      name: 'manifested',
      version: '2.0.0',
      description: 'd',
      tools: [
        {
          name: 'm_tool',
          capability: 'm_cap',
          version: '1.2.0',
          tags: ['x'],
          description: 'does m',
          dependencies: [
            { name: 'a', capability: 'cap_a', tags: [], version: '' },
            { name: 'b', capability: 'cap_b', tags: ['t'], version: '>=1.0.0' },
          ],
        },
      ],
      dependencies: [{ name: 'edge', capability: 'edge_cap', tags: ['e'], version: '>=2.0.0' }],
    });
  });

  it('rejects a tool whose input is not an object schema, and duplicate tool names', () => {
    const agent = defineAgent({ name: 'strict' });
    expect(() => agent.tool({ name: 'bad', input: z.string(), handler: () => ({}) })).toThrow(/z.object/);
    agent.tool({ name: 'dup', input: z.object({}), handler: () => ({}) });
    expect(() => agent.tool({ name: 'dup', input: z.object({}), handler: () => ({}) })).toThrow(/twice/);
  });
});
