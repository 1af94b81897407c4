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
    fetchMetrics: async (endpoint) => {
      scraped.push(endpoint);
      if (endpoint.endsWith('9002')) throw new Error('refused');
      return metricsText(calls());
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
