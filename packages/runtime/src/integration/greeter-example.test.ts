import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { startNode, stopAllProcesses, waitFor, waitForAgentUrl } from '@mesh/testkit';
import { agent as clock } from '../examples/clock-agent.js';
import { FakeRegistry } from '../test-fake-registry.js';
import { callTool } from '../test-mcp-call.js';

const greeterMain = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'dist',
  'examples',
  'greeter-main.js',
);

async function greet(url: string): Promise<string | undefined> {
  const reply = await callTool(url, 'greet', { name: 'Ada' });
  const message = reply.result?.structuredContent?.['message'];
  return typeof message === 'string' ? message : undefined;
}

describe('the README example: greeter and its clock', { timeout: 30_000 }, () => {
  const registry = new FakeRegistry();

  afterAll(async () => {
    await stopAllProcesses();
    await registry.stop();
  });

  it('tells the time while the clock is up and still greets, without it, once the clock is gone', async () => {
    const registryUrl = await registry.start();
    const clockAgent = await clock.start({
      app: undefined,
      mesh: { registryUrl, healthIntervalMs: 200 },
      logger: silentLogger(),
    });
    const greeter = startNode(greeterMain, [], {
      env: {
        MCP_MESH_REGISTRY_URL: registryUrl,
        MCP_MESH_HTTP_PORT: '0',
        MCP_MESH_HEALTH_INTERVAL: '200ms',
      },
    });
    const url = await waitForAgentUrl(greeter);

    const withTime = await waitFor(
      async () => {
        const message = await greet(url);
        return message?.includes(' It is ') ? message : undefined;
      },
      { timeoutMs: 5000, description: 'a greeting with the time' },
    );
    expect(withTime).toMatch(/^Hello, Ada! It is \d{4}-\d\d-\d\dT.+Z\.$/);

    await clockAgent.stop();
    await waitFor(async () => ((await greet(url)) === 'Hello, Ada!' ? true : undefined), {
      timeoutMs: 5000,
      description: 'a greeting without the time',
    });
    expect(await greet(url)).toBe('Hello, Ada!');
    expect((await fetch(`${url}/livez`)).status).toBe(200);
    expect(greeter.child.exitCode).toBeNull();
  });
});
