import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { loadArchitecture } from '@mesh/meshctl';
import { REPO_ROOT, isAlive, login, startSystem, type StartedSystem } from './harness.js';

/** Every agent architecture.yml declares. */
const DECLARED_AGENTS = loadArchitecture(join(REPO_ROOT, 'architecture.yml')).agents.length;

/** The README's run command from a fresh state: everything up, healthy, and an order goes through. */
describe('scripts/start-multi-agent.sh (local processes, embedded defaults)', () => {
  let system: StartedSystem;

  beforeAll(async () => {
    system = await startSystem();
    process.stdout.write(`cold start to all-ready: ${system.coldStartMs} ms\n`);
  });

  afterAll(async () => {
    if (!system) return;
    const pids = system.state.processes.map((p) => p.pid);
    await system.stop();
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it('starts registry, sandboxes, Postgres and every agent replica, and prints the table and the time', () => {
    const agents = system.state.processes.filter((p) => p.kind === 'agent');
    const count = (name: string): number => agents.filter((p) => p.name === name).length;
    expect(count('auth-agent')).toBe(2);
    expect(count('user-agent')).toBe(3);
    for (const name of [
      'database-agent',
      'inventory-agent',
      'payment-agent',
      'order-agent',
      'notification-agent',
      'analytics-agent',
      'api-gateway',
    ]) {
      expect(count(name), name).toBe(1);
    }
    const infra = system.state.processes
      .filter((p) => p.kind !== 'agent')
      .map((p) => p.name)
      .sort();
    expect(infra).toEqual(['payment-sandbox', 'postgres', 'registry', 'smtp-sink']);
    expect(system.output).toMatch(/KIND\s+NAME\s+REPLICA\s+PID\s+URL\s+LOG/);
    expect(system.output).toContain('./scripts/stop-multi-agent.sh');
    expect(system.coldStartMs).toBeGreaterThan(0);
  });

  it('shows every instance healthy in meshctl list and status', () => {
    const list = system.meshctl('list', '--json');
    expect(list.code, list.stderr).toBe(0);
    const instances = JSON.parse(list.stdout) as { name: string; status: string }[];
    const expected = system.state.processes.filter((p) => p.kind === 'agent').length;
    expect(instances.length).toBeGreaterThanOrEqual(expected);
    expect(instances.filter((i) => i.status !== 'healthy')).toEqual([]);
    const status = system.meshctl('status', '--json');
    expect(status.code, status.stdout).toBe(0);
    expect((JSON.parse(status.stdout) as { ok: boolean }).ok).toBe(true);
  });

  it('logs in through the gateway and completes an order', async () => {
    const token = await login(system.gatewayUrl);
    const order = {
      order_id: `system-${Date.now()}`,
      user_id: 'user-1',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
    };
    const response = await fetch(`${system.gatewayUrl}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(order),
      signal: AbortSignal.timeout(30_000),
    });
    const body = (await response.json()) as { status?: string; order_id?: string };
    expect(response.status, JSON.stringify(body)).toBeLessThan(300);
    expect(body).toMatchObject({ status: 'completed', order_id: order.order_id });
  });

  it('draws the live graph with every declared edge, calls a tool directly and through /proxy, and checks', () => {
    const graph = system.meshctl('graph');
    expect(graph.code, graph.stderr).toBe(0);
    expect(graph.stdout).toContain('subgraph live["live (registry)"]');
    expect(graph.stdout).toContain('l_order_agent --> l_payment_agent');
    const marked = graph.stdout
      .split('\n')
      .filter((line) => /-\. missing \.->|== undeclared ==>|not running/.test(line));
    expect(marked).toEqual([]);
    for (const via of [[], ['--proxy']]) {
      const call = system.meshctl('call', 'user_get', '{"user_id":"user-3"}', ...via);
      expect(call.code, call.stderr).toBe(0);
      expect(JSON.parse(call.stdout)).toMatchObject({ id: 'user-3', email: 'user-3@example.com' });
    }
    const check = system.meshctl('check');
    expect(check.stdout.trim(), check.stdout).toBe(
      `ok: ${DECLARED_AGENTS} agents match architecture.yml, and 6 deploy file(s) agree with it`,
    );
  });

  // The chaos run's own deadline (meshctl chaos: 180 s to settle every order and let stock converge) fits
  // inside the script's and the test's, so a slow run ends with its verdict and output, not a bare timeout.
  it('keeps every invariant when the order agent is killed under a stream of orders (chaos-test.sh)', async () => {
    const chaos = await system.script(
      'scripts/chaos-test.sh',
      ['--orders', '30', '--victims', 'order-agent'],
      200_000,
    );
    expect(chaos.output).toMatch(/killing order-agent #1 \(pid \d+\) with SIGKILL/);
    expect(chaos.output).toMatch(/order-agent #1 ready again/);
    expect(chaos.output).toContain('chaos: all invariants hold');
    expect(chaos.code, chaos.output).toBe(0);
  }, 220_000);

  it('says it is already running when started a second time', async () => {
    const again = await system.startAgain();
    expect(again.code).toBe(0);
    expect(again.output).toContain('already running');
  });
});
