import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { callTool, gate } from './test-mcp-call.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

/** A provider that answers every tools/call after `delayMs`. */
async function slowProvider(delayMs: number): Promise<string> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number };
      setTimeout(() => {
        const value = { slow: true };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id,
            result: { content: [{ type: 'text', text: JSON.stringify(value) }], structuredContent: value },
          }),
        );
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('graceful stop', () => {
  it('lets a consumer-only call in flight finish before closing its connections', async () => {
    const registry = new FakeRegistry();
    const registryUrl = await registry.start();
    cleanups.push(() => registry.stop());
    registry.addStatic('slow-1', 'slow', await slowProvider(300));
    const agent = defineAgent({ name: 'edge' });
    const deps = agent.consumer({ slow: 'slow' });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl, healthIntervalMs: 60_000 },
      logger: silentLogger(),
    });
    const call = deps.slow.call({});
    await new Promise((resolve) => setTimeout(resolve, 50));
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    await expect(call).resolves.toEqual({ slow: true });
    await stopping;
    expect(stopped).toBe(true);
  });

  it('deregisters before the drain ends, while a slow tool call is still in flight', async () => {
    const registry = new FakeRegistry();
    const registryUrl = await registry.start();
    cleanups.push(() => registry.stop());
    const held = gate();
    let started = false;
    let finished = false;
    const agent = defineAgent({ name: 'leaving' });
    agent.tool({
      name: 'slow_tool',
      input: z.object({}),
      handler: async () => {
        started = true;
        await held.opened;
        finished = true;
        return { finished };
      },
    });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl, healthIntervalMs: 60_000 },
      logger: silentLogger(),
    });
    cleanups.push(async () => {
      held.open();
      await running.stop();
    });
    const call = callTool(running.url, 'slow_tool');
    await waitFor(async () => (started ? true : undefined));
    let stopped = false;
    const stopping = running.stop().then(() => (stopped = true));
    const deregistration = `DELETE /agents/${running.agentId}`;
    await waitFor(async () => (registry.requests.includes(deregistration) ? true : undefined), {
      timeoutMs: 5000,
      description: 'deregistration',
    });
    expect(registry.agents.has(running.agentId)).toBe(false);
    expect(finished).toBe(false);
    expect(stopped).toBe(false);
    held.open();
    expect((await call).result?.structuredContent).toEqual({ finished: true });
    await stopping;
  });
});
