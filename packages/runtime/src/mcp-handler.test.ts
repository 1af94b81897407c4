import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import type { RunningAgent } from './index.js';

describe('/mcp protocol handling', () => {
  const agent = defineAgent({ name: 'protocol' });
  let release: () => void = () => undefined;
  let started = false;
  agent.tool({
    name: 'slow',
    input: z.object({}),
    handler: async () => {
      started = true;
      await new Promise<void>((resolve) => (release = resolve));
      return { done: true };
    },
  });
  let running: RunningAgent;

  beforeAll(async () => {
    running = await agent.start({ app: undefined, mesh: { registryUrl: null }, logger: silentLogger() });
  });
  afterAll(async () => {
    release();
    await running.stop();
  });

  function post(body: string, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      body,
    });
  }

  it('negotiates a supported protocol version and issues no session id', async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-03-26' },
      }),
    );
    expect(response.headers.get('mcp-session-id')).toBeNull();
    const body = (await response.json()) as { result: { protocolVersion: string; capabilities: unknown } };
    expect(body.result.protocolVersion).toBe('2025-03-26');
    expect(body.result.capabilities).toEqual({ tools: { listChanged: false } });
  });

  it('answers the newest version when the requested one is unknown', async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '1999-01-01' },
      }),
    );
    expect(((await response.json()) as { result: { protocolVersion: string } }).result.protocolVersion).toBe(
      '2025-11-25',
    );
  });

  it('accepts notifications with 202 and no body', async () => {
    const response = await post(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('answers -32700 to malformed JSON and -32601 to unknown methods', async () => {
    const malformed = await post('{nope');
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: number } }).error.code).toBe(-32700);
    const unknown = await post(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'resources/list' }));
    expect(await unknown.json()).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it('refuses GET with 405 (stateless: no server-initiated stream)', async () => {
    const response = await fetch(`${running.url}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(405);
    await response.arrayBuffer();
  });

  it('refuses clients that accept no JSON with 406', async () => {
    const response = await post(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), {
      accept: 'text/html',
    });
    expect(response.status).toBe(406);
    await response.arrayBuffer();
  });

  it('serves /livez, /ready and /health as JSON', async () => {
    const livez = await fetch(`${running.url}/livez`);
    expect(await livez.json()).toMatchObject({ alive: true, agent: 'protocol' });
    const ready = await fetch(`${running.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, runtime: 'standalone' });
    const health = await fetch(`${running.url}/health`);
    expect(await health.json()).toMatchObject({ status: 'healthy' });
  });

  it('drains: finishes the call in flight, refuses new calls with 503 SHUTTING_DOWN, then closes', async () => {
    const inFlight = post(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'slow' } }),
    );
    await waitFor(async () => (started ? true : undefined));
    const stopped = running.stop();
    const refused = await post(
      JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'slow' } }),
    );
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({ error: { code: 'SHUTTING_DOWN' } });
    release();
    const finished = await inFlight;
    expect(await finished.json()).toMatchObject({ result: { structuredContent: { done: true } } });
    await stopped;
  });
});
