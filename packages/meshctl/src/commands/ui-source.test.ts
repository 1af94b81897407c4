import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTopologyServer } from '@mesh/registry/topology';
import type { RegistryAgent, TopologyServer, TopologySnapshot } from '@mesh/registry/topology';
import { freePort, startTestPrometheus, toolAvailable, waitFor } from '@mesh/testkit';
import type { TestPrometheus } from '@mesh/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dockerState } from '../docker/docker-state.js';
import type { ComposeRecord } from '../docker/compose-project.js';
import type { PublishedPorts } from '../docker/published-ports.js';
import type { MeshState } from '../local/state.js';
import { startFakeMetrics } from './test-fake-metrics.js';
import type { FakeMetricsServer } from './test-fake-metrics.js';
import { chooseUiMetrics } from './ui-metrics.js';
import { uiTopologySource } from './ui-source.js';

const home = mkdtempSync(join(tmpdir(), 'meshctl-ui-source-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** A Docker mesh as the registry lists it: endpoints are compose-internal names, unreachable from here. */
const AGENTS: readonly RegistryAgent[] = [
  {
    id: 'order-agent-2',
    name: 'order-agent',
    status: 'healthy',
    endpoint: 'https://order-agent-2.invalid:8080',
    dependency_resolutions: [
      { capability: 'user_get', provider_agent_id: 'user-agent-1', status: 'available' },
    ],
  },
  {
    id: 'user-agent-1',
    name: 'user-agent',
    status: 'healthy',
    endpoint: 'https://user-agent-1.invalid:8080',
  },
];

const DECLARED = [
  { name: 'order-agent', tier: 'business', replicas: 1, provides: [], dependsOn: ['user-agent'] },
  { name: 'user-agent', tier: 'core', replicas: 1, provides: ['user_get'], dependsOn: [] },
];

/** The state a Docker start writes, its Prometheus published on `prometheusPort`. */
function dockerMesh(prometheusPort: number): MeshState {
  const ports = { registry: 8000, gateway: 8080, prometheus: prometheusPort } as unknown as PublishedPorts;
  const record: ComposeRecord = {
    command: ['docker', 'compose'],
    project: 'agent-mesh',
    files: ['deploy/docker-compose.yml', 'deploy/docker-compose.monitoring.yml'],
    layers: ['monitoring'],
    publishHost: '127.0.0.1',
    ports,
  };
  return dockerState(home, home, record, 'mesh.local');
}

function sourceFor(state: MeshState) {
  return uiTopologySource({
    registryUrl: state.registryUrl,
    fetchAgents: async () => AGENTS,
    operatorTls: () => undefined,
    tierOrder: ['core', 'business'],
    declared: DECLARED,
    refreshMs: 200,
    scrapeMs: 300,
    metrics: chooseUiMetrics({ state }),
  });
}

const orderToUser = (snapshot: TopologySnapshot) =>
  snapshot.edges.find((edge) => edge.from === 'order-agent' && edge.to === 'user-agent');

let server: TopologyServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const havePromethus = toolAvailable('prometheus', 'meshctl ui against a real Prometheus');

describe.skipIf(!havePromethus)('meshctl ui against a Docker mesh with the monitoring layer', () => {
  let prometheus: TestPrometheus | undefined;
  let replica: FakeMetricsServer | undefined;

  beforeAll(async () => {
    // order-agent-2 calls user_get at 50/s, 10% failing, 50% under 10 ms, 90% under 25 ms, all under 50 ms.
    replica = await startFakeMetrics({
      agent: 'order-agent',
      agentId: 'order-agent-2',
      dependency: 'user-agent',
      capability: 'user_get',
      callsPerSecond: 50,
      errorRatio: 0.1,
      latencyShares: [
        [0.01, 0.5],
        [0.025, 0.9],
        [0.05, 1],
      ],
    });
    // Scraped as deploy/prometheus/prometheus.yml scrapes an agent: its own job, relabelled job="agents".
    prometheus = await startTestPrometheus(
      [
        'global: { scrape_interval: 1s }',
        'scrape_configs:',
        '  - job_name: order-agent',
        '    honor_labels: true',
        `    static_configs: [{ targets: ['${replica.target}'] }]`,
        '    relabel_configs: [{ target_label: job, replacement: agents }]',
      ].join('\n'),
      join(home, 'prometheus'),
    );
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await replica?.close();
  });

  it('reads the edge rates from Prometheus federation and serves them as JSON and events', async () => {
    const state = dockerMesh(Number(new URL(prometheus!.url).port));
    const source = sourceFor(state);
    server = createTopologyServer({ source });
    const url = await server.listen(0);
    await source.start();
    try {
      const snapshot = await waitFor(
        async () => {
          const body = (await (await fetch(`${url}api/topology`)).json()) as TopologySnapshot;
          return orderToUser(body)?.metrics ? body : undefined;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'edge metrics from Prometheus' },
      );
      const metrics = orderToUser(snapshot)!.metrics!;
      expect(metrics.callsPerSecond).toBeGreaterThan(45);
      expect(metrics.callsPerSecond).toBeLessThan(55);
      expect(metrics.errorRatio).toBeCloseTo(0.1, 2);
      // Rank 0.95 falls in (0.025, 0.05], halfway from 0.9 to 1: 0.025 + 0.025 * 0.5.
      expect(metrics.p95Seconds).toBeCloseTo(0.0375, 3);
      expect(snapshot.nodes.find((n) => n.name === 'order-agent')?.replicas[0]?.scraped).toBe(true);

      // The page refreshes more often than Prometheus scrapes: between scrapes the rate holds, never 0.
      const seen: number[] = [];
      for (let i = 0; i < 12; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        seen.push(orderToUser(source.snapshot)?.metrics?.callsPerSecond ?? 0);
      }
      expect(Math.min(...seen)).toBeGreaterThan(45);

      const events = await fetch(`${url}api/events`, { signal: AbortSignal.timeout(5000) });
      const reader = events.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      const frame = JSON.parse(first.split('data: ')[1]!.split('\n')[0]!) as TopologySnapshot;
      expect(orderToUser(frame)?.metrics?.callsPerSecond).toBeGreaterThan(45);
    } finally {
      source.stop();
    }
  }, 40_000);
});

describe('meshctl ui against a Docker mesh without Prometheus', () => {
  it('draws the topology and says in one place why there are no rates', async () => {
    const state = dockerMesh(await freePort());
    const source = sourceFor(state);
    const snapshot = await source.refresh();
    expect(snapshot.nodes.map((n) => [n.name, n.health])).toEqual([
      ['user-agent', 'healthy'],
      ['order-agent', 'healthy'],
    ]);
    expect(orderToUser(snapshot)).toMatchObject({ status: 'resolved', metrics: null });
    expect(snapshot.metrics.kind).toBe('prometheus');
    expect(snapshot.metrics.error).toMatch(/Prometheus at http:\/\/127\.0\.0\.1:\d+ does not answer/);
    expect(snapshot.metrics.error).toContain('compose');
    // No replica is marked unreachable one by one: the reason is the one above.
    expect(snapshot.nodes.flatMap((n) => n.replicas.map((r) => r.scraped))).toEqual([null, null]);
  });
});
