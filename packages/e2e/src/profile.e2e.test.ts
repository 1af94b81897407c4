import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getJson, login, postOrder } from './support/api.js';
import { startSystem, type StartedSystem } from './system/harness.js';

interface StatusJson {
  profile?: string;
  ok: boolean;
  agents: { name: string; expected?: number; ready: number; state: string }[];
}

/** `gateway_http_requests_total` of one replica for a route, summed over methods and statuses. */
async function requestsServed(replicaUrl: string, route: string): Promise<number> {
  const text = await (await fetch(`${replicaUrl}/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const line of text.split('\n'))
    if (line.startsWith('gateway_http_requests_total{') && line.includes(`route="${route}"`))
      total += Number(line.split(' ').at(-1));
  return total;
}

/**
 * `./scripts/start-multi-agent.sh --profile microservices` as a user runs it: the seed's Example 1 layout as
 * local processes, the two gateway replicas behind the balancer on the gateway's port.
 */
describe('profile microservices, started with the start script', () => {
  let system: StartedSystem;

  beforeAll(async () => {
    system = await startSystem({
      args: ['--profile', 'microservices'],
      env: { DEPENDENCY_TIMEOUT: '120s' },
      timeoutMs: 300_000,
    });
  }, 310_000);

  afterAll(async () => {
    await system?.stop();
  });

  it('puts the gateway replicas behind a balancer on the gateway port and records the profile', () => {
    const { state, output } = system;
    expect(state.profile).toBe('microservices');
    const balancer = state.processes.find((p) => p.name === 'api-gateway-balancer');
    expect(balancer?.kind).toBe('balancer');
    expect(system.gatewayUrl).toBe(balancer?.url);
    const port = Number(new URL(system.gatewayUrl).port);
    const replicas = state.processes.filter((p) => p.name === 'api-gateway');
    expect(replicas.map((p) => Number(new URL(p.url!).port))).toEqual([port + 1, port + 2]);
    const count = (name: string): number => state.processes.filter((p) => p.name === name).length;
    expect([count('product-agent'), count('cart-agent'), count('recommendation-agent')]).toEqual([3, 2, 1]);
    expect(output).toContain('api-gateway-balancer ready');
  });

  it('places an order through the gateway port, with requests answered by both replicas', async () => {
    const token = await login(system.gatewayUrl, 'user-31');
    const order = {
      order_id: `profile-${Date.now()}`,
      user_id: 'user-31',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
    };
    const placed = await postOrder(system.gatewayUrl, token, order);
    expect(placed.status, JSON.stringify(placed.body)).toBe(200);
    expect(placed.body).toMatchObject({ status: 'completed', order_id: order.order_id });
    for (let i = 0; i < 10; i += 1)
      expect((await getJson(`${system.gatewayUrl}/products/ITEM-1`)).status).toBe(200);
    const replicas = system.state.processes.filter((p) => p.name === 'api-gateway');
    const served = await Promise.all(replicas.map((p) => requestsServed(p.url!, '/products/:sku')));
    expect(
      served.every((n) => n >= 3),
      `per replica: ${served.join(', ')}`,
    ).toBe(true);
    const status = (await getJson(`${system.gatewayUrl}/balancer-status`)).body as {
      backends: { healthy: boolean; served: number }[];
    };
    expect(status.backends.map((b) => b.healthy)).toEqual([true, true]);
    expect(status.backends.every((b) => b.served > 0)).toBe(true);
  });

  it('shows the profile and product x3, cart x2, api-gateway x2 ready in meshctl status', () => {
    const result = system.meshctl('status', '--json');
    const status = JSON.parse(result.stdout) as StatusJson;
    expect(status.profile).toBe('microservices');
    const ready = (name: string) => status.agents.find((a) => a.name === name);
    expect(ready('product-agent')).toMatchObject({ expected: 3, ready: 3, state: 'ok' });
    expect(ready('cart-agent')).toMatchObject({ expected: 2, ready: 2, state: 'ok' });
    expect(ready('api-gateway')).toMatchObject({ expected: 2, ready: 2, state: 'ok' });
    expect(result.code, result.stdout + result.stderr).toBe(0);
  });
});
