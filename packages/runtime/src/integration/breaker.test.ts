import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError, silentLogger } from '@mesh/common';
import { stopAllProcesses, waitFor } from '@mesh/testkit';
import { defineAgent } from '../index.js';
import type { RunningAgent } from '../index.js';
import { startEchoProvider, startRegistry } from './test-harness.js';
import type { ProviderProcess } from './test-harness.js';

async function setHang(provider: ProviderProcess, hang: boolean): Promise<void> {
  const response = await fetch(`${provider.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'fixture_control', arguments: { hang } },
    }),
  });
  expect(response.status).toBe(200);
  await response.arrayBuffer();
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'ok';
  } catch (error: unknown) {
    return error instanceof MeshError ? error.code : String(error);
  }
}

describe('a hanging provider', { timeout: 30_000 }, () => {
  let provider: ProviderProcess;
  let consumer: RunningAgent;
  const agent = defineAgent({ name: 'breaker-consumer' });
  const deps = agent.consumer({ slow: { capability: 'slow_echo', timeoutMs: 300 } });

  beforeAll(async () => {
    const registry = await startRegistry();
    provider = await startEchoProvider(registry.url, 'slow-1', {
      FIXTURE_CAPABILITY: 'slow_echo',
      FIXTURE_NAME: 'slow',
    });
    consumer = await agent.start({
      app: undefined,
      mesh: {
        registryUrl: registry.url,
        healthIntervalMs: 1000,
        circuitBreakerThreshold: 5,
        circuitHalfOpenAfterMs: 1000,
      },
      logger: silentLogger(),
    });
    await waitFor(async () => (deps.slow.providers === 1 ? true : undefined), { timeoutMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    await consumer?.stop();
    await stopAllProcesses();
  });

  it('trips the breaker after 5 timeouts, then the consumer gets CIRCUIT_OPEN fast, then recovers', async () => {
    expect(await outcome(deps.slow.call({ n: 0 }))).toBe('ok');
    await setHang(provider, true);
    for (let i = 0; i < 5; i += 1) expect(await outcome(deps.slow.call({ n: i }))).toBe('TIMEOUT');

    const started = performance.now();
    expect(await outcome(deps.slow.call({ n: 99 }))).toBe('CIRCUIT_OPEN');
    expect(performance.now() - started).toBeLessThan(100);
    expect(deps.slow.available).toBe(false);
    const metrics = await (await fetch(`${consumer.url}/metrics`)).text();
    expect(metrics).toMatch(/mesh_circuit_breaker_state\{provider="slow-1"[^}]*\} 1/);

    await setHang(provider, false);
    await waitFor(async () => ((await outcome(deps.slow.call({ n: 1 }))) === 'ok' ? true : undefined), {
      timeoutMs: 10_000,
      intervalMs: 100,
    });
    expect(deps.slow.available).toBe(true);
  });
});
