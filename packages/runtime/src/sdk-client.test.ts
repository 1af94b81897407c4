import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { silentLogger } from '@mesh/common';
import { MeshError, defineAgent, z } from './index.js';
import type { RunningAgent } from './index.js';

describe('the official MCP SDK client against an agent', () => {
  const agent = defineAgent({ name: 'sdk-target', version: '2.1.0', description: 'SDK interop target' });
  agent.tool({
    name: 'add',
    capability: 'math_add',
    description: 'Adds two numbers',
    input: z.object({ a: z.number(), b: z.number() }),
    output: z.object({ sum: z.number() }),
    handler: ({ a, b }) => ({ sum: a + b }),
  });
  agent.tool({
    name: 'refuse',
    input: z.object({}),
    handler: () => {
      throw new MeshError('FORBIDDEN', 'not today', { data: { reason: 'test' } });
    },
  });
  let running: RunningAgent;
  let client: Client;

  beforeAll(async () => {
    running = await agent.start({ app: undefined, mesh: { registryUrl: null }, logger: silentLogger() });
    client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${running.url}/mcp`)));
  });

  afterAll(async () => {
    await client.close();
    await running.stop();
  });

  it('initializes and reports the agent as server info', () => {
    expect(client.getServerVersion()).toMatchObject({ name: 'sdk-target', version: '2.1.0' });
  });

  it('lists tools with JSON Schema input and output schemas', async () => {
    const { tools } = await client.listTools();
    const add = tools.find((tool) => tool.name === 'add');
    expect(add?.description).toBe('Adds two numbers');
    expect(add?.inputSchema).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(add?.outputSchema).toMatchObject({ type: 'object', properties: { sum: { type: 'number' } } });
    expect(tools.map((tool) => tool.name).sort()).toEqual(['add', 'refuse']);
  });

  it('calls a tool and gets structured content', async () => {
    const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });
    expect(result.content).toEqual([{ type: 'text', text: '{"sum":5}' }]);
  });

  it('gets an error result carrying the MeshError code when the tool throws', async () => {
    const result = await client.callTool({ name: 'refuse', arguments: {} });
    expect(result.isError).toBe(true);
    expect(result.structuredContent).toEqual({
      error: { code: 'FORBIDDEN', message: 'not today', data: { reason: 'test' } },
    });
  });

  it('gets JSON-RPC -32602 when arguments are invalid', async () => {
    await expect(client.callTool({ name: 'add', arguments: { a: 'two', b: 3 } })).rejects.toMatchObject({
      code: -32602,
    });
  });

  it('answers ping', async () => {
    await expect(client.ping()).resolves.toEqual({});
  });
});
