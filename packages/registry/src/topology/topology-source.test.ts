import { describe, expect, it } from 'vitest';
import { TopologySource } from './topology-source.js';
import type { RegistryAgent, TopologySnapshot } from './types.js';

const USER: RegistryAgent = {
  id: 'user-agent-1',
  name: 'user-agent',
  status: 'healthy',
  endpoint: 'https://127.0.0.1:9001',
  dependency_resolutions: [
    { capability: 'auth_verify_token', provider_agent_id: 'auth-agent-1', status: 'available' },
  ],
};
const AUTH: RegistryAgent = {
  id: 'auth-agent-1',
  name: 'auth-agent',
  status: 'healthy',
  endpoint: 'https://127.0.0.1:9002',
};

function metricsText(calls: number): string {
  return [
    `mesh_dependency_calls_total{agent="user-agent",capability="auth_verify_token",outcome="ok"} ${calls}`,
    `mesh_dependency_duration_seconds_bucket{capability="auth_verify_token",le="0.01"} ${calls}`,
    `mesh_dependency_duration_seconds_bucket{capability="auth_verify_token",le="+Inf"} ${calls}`,
  ].join('\n');
}

/** A source over fake fetchers and a clock the test moves. */
function fakeSource(agents: () => Promise<readonly RegistryAgent[]>, calls: () => number) {
  let now = 0;
  const scraped: string[] = [];
  const source = new TopologySource({
    registryUrl: 'https://127.0.0.1:8000',
    fetchAgents: agents,
    metrics: {
      kind: 'replicas',
      fetch: async (endpoint) => {
        scraped.push(endpoint);
        if (endpoint.endsWith('9002')) throw new Error('refused');
        return metricsText(calls());
      },
    },
    tierOrder: ['core', 'business'],
    declared: [],
    scrapeMs: 2000,
    now: () => now,
  });
  return { source, scraped, advance: (ms: number) => (now += ms) };
}

describe('TopologySource', () => {
  it('scrapes healthy replicas when due and turns their counters into edge rates', async () => {
    let calls = 0;
    const { source, scraped, advance } = fakeSource(
      async () => [USER, AUTH],
      () => calls,
    );
    await source.refresh();
    calls = 40;
    advance(1000);
    await source.refresh(); // not due: no scrape
    expect(scraped).toHaveLength(2);
    advance(1000);
    const snapshot = await source.refresh();
    expect(scraped).toHaveLength(4);
    expect(snapshot.edges[0]?.metrics).toMatchObject({ callsPerSecond: 20, errorRatio: 0 });
    const replicas = snapshot.nodes.flatMap((n) => n.replicas.map((r) => [r.id, r.scraped]));
    expect(replicas).toEqual(
      expect.arrayContaining([
        ['user-agent-1', true],
        ['auth-agent-1', false],
      ]),
    );
  });

  it('tells listeners only when something other than the time changed, and keeps going when the registry fails', async () => {
    let answer: () => Promise<readonly RegistryAgent[]> = async () => [AUTH];
    const { source, advance } = fakeSource(
      () => answer(),
      () => 0,
    );
    const seen: TopologySnapshot[] = [];
    source.subscribe((snapshot) => seen.push(snapshot));
    await source.refresh();
    advance(500);
    await source.refresh();
    expect(seen).toHaveLength(1);
    answer = async () => {
      throw new Error('registry at https://127.0.0.1:8000 does not answer');
    };
    advance(500);
    const down = await source.refresh();
    expect(seen).toHaveLength(2);
    expect(down.registry).toMatchObject({
      reachable: false,
      error: 'registry at https://127.0.0.1:8000 does not answer',
    });
    expect(source.snapshot).toBe(down);
  });
});

describe('TopologySource reading a Prometheus', () => {
  const PROMETHEUS = 'http://127.0.0.1:9090';
  /** A federation answer: user-agent-1's counters as Prometheus last scraped them at `atMs`. */
  const federated = (calls: number, errors: number, atMs: number) =>
    [
      `mesh_dependency_calls_total{agent="user-agent",agent_id="user-agent-1",capability="auth_verify_token",instance="10.0.0.5:8080",job="agents",outcome="ok"} ${calls - errors} ${atMs}`,
      `mesh_dependency_calls_total{agent="user-agent",agent_id="user-agent-1",capability="auth_verify_token",instance="10.0.0.5:8080",job="agents",outcome="TIMEOUT"} ${errors} ${atMs}`,
      `mesh_dependency_duration_seconds_bucket{agent_id="user-agent-1",capability="auth_verify_token",le="0.01",instance="10.0.0.5:8080",job="agents"} ${calls} ${atMs}`,
      `mesh_dependency_duration_seconds_bucket{agent_id="user-agent-1",capability="auth_verify_token",le="+Inf",instance="10.0.0.5:8080",job="agents"} ${calls} ${atMs}`,
      `mesh_registry_connected{agent="user-agent",agent_id="user-agent-1",instance="10.0.0.5:8080",job="agents"} 1 ${atMs}`,
    ].join('\n');

  function promSource(answer: () => Promise<string>) {
    let now = 0;
    const asked: string[] = [];
    const source = new TopologySource({
      registryUrl: 'https://127.0.0.1:8000',
      fetchAgents: async () => [USER, AUTH],
      metrics: {
        kind: 'prometheus',
        url: PROMETHEUS,
        fetch: async (url) => {
          asked.push(url);
          return answer();
        },
        advice: 'start the monitoring layer',
      },
      tierOrder: ['core', 'business'],
      declared: [],
      scrapeMs: 1000,
      now: () => now,
    });
    return { source, asked, advance: (ms: number) => (now += ms) };
  }

  it('takes rates from /federate at the times Prometheus scraped, holding them between its scrapes', async () => {
    let body = federated(100, 0, 1_000_000);
    const { source, asked, advance } = promSource(async () => body);
    expect((await source.refresh()).edges[0]?.metrics).toBeNull();
    expect(asked[0]).toMatch(/^http:\/\/127\.0\.0\.1:9090\/federate\?match%5B%5D=/);
    body = federated(300, 20, 1_010_000); // Prometheus scraped again 10 s later: 200 calls, 20 failed
    advance(1000);
    const rated = await source.refresh();
    expect(rated.edges[0]?.metrics).toEqual({
      callsPerSecond: 20,
      errorRatio: 0.1,
      p95Seconds: expect.closeTo(0.0095, 6),
      windowSeconds: 10,
    });
    expect(rated.metrics).toEqual({ kind: 'prometheus', url: PROMETHEUS, error: null });
    // The page asks again before Prometheus scraped again: the same samples, the same rates (not zero).
    for (let i = 0; i < 3; i += 1) {
      advance(1000);
      expect((await source.refresh()).edges[0]?.metrics?.callsPerSecond).toBe(20);
    }
    const replicas = rated.nodes.flatMap((n) => n.replicas.map((r) => [r.id, r.scraped]));
    // auth-agent-1 has no series in Prometheus (it calls nothing and, here, exposes nothing).
    expect(replicas).toEqual(
      expect.arrayContaining([
        ['user-agent-1', true],
        ['auth-agent-1', false],
      ]),
    );
  });

  it('says once why there are no rates when Prometheus does not answer, and drops the old ones', async () => {
    let up = true;
    let atMs = 1_000_000;
    const { source, advance } = promSource(async () => {
      if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:9090');
      atMs += 10_000;
      return federated(atMs / 1000, 0, atMs);
    });
    await source.refresh();
    advance(1000);
    expect((await source.refresh()).edges[0]?.metrics).not.toBeNull();
    up = false;
    advance(1000);
    const down = await source.refresh();
    expect(down.metrics.error).toBe(
      `Prometheus at ${PROMETHEUS} does not answer (connect ECONNREFUSED 127.0.0.1:9090); start the monitoring layer`,
    );
    expect(down.edges[0]?.metrics).toBeNull();
    expect(down.nodes.flatMap((n) => n.replicas.map((r) => r.scraped))).toEqual([null, null]);
  });

  it('says so when Prometheus answers without any series of the registered replicas', async () => {
    const { source } = promSource(async () => '');
    const snapshot = await source.refresh();
    expect(snapshot.metrics.error).toMatch(/^Prometheus at http:\/\/127\.0\.0\.1:9090 holds no series/);
  });
});
