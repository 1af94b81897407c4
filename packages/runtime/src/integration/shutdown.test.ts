import { afterAll, describe, expect, it } from 'vitest';
import { stopAllProcesses, waitFor } from '@mesh/testkit';
import { FakeRegistry } from '../test-fake-registry.js';
import { callTool } from '../test-mcp-call.js';
import { sampleValue, scrape } from '../test-metrics.js';
import { startEchoProvider } from './test-harness.js';

describe('an agent process told to stop with SIGINT', { timeout: 30_000 }, () => {
  const registry = new FakeRegistry();

  afterAll(async () => {
    await stopAllProcesses();
    await registry.stop();
  });

  it('deregisters while a call is in flight, finishes that call and exits 0', async () => {
    const registryUrl = await registry.start();
    const provider = await startEchoProvider(registryUrl, 'interrupted-1');
    const call = callTool(provider.url, 'echo', { n: 7, delayMs: 1500 });
    await waitFor(
      async () =>
        sampleValue(await scrape(provider.url), 'mesh_tool_in_flight', { tool: 'echo' }) === 1
          ? true
          : undefined,
      { timeoutMs: 5000, intervalMs: 20, description: 'the echo call in flight' },
    );
    let answered = false;
    void call.then(() => (answered = true));
    provider.process.child.kill('SIGINT');
    await waitFor(
      async () => (registry.requests.includes('DELETE /agents/interrupted-1') ? true : undefined),
      { timeoutMs: 5000, intervalMs: 20, description: 'deregistration' },
    );
    expect(answered).toBe(false);
    expect((await call).result?.structuredContent).toEqual({ n: 7, agent: 'interrupted-1' });
    expect(await provider.process.exited).toBe(0);
    expect(registry.agents.has('interrupted-1')).toBe(false);
  });
});
