import { describe, expect, it } from 'vitest';
import { buildTopology } from './build-topology.js';
import type { DeclaredAgent, RegistryAgent } from './types.js';

interface Place {
  readonly top: number;
  readonly height: number;
  readonly cx: number;
}
interface PageModule {
  layout(snapshot: unknown): { width: number; positions: Map<string, Place> };
  formatSeconds(seconds: number | null): string;
  formatRatio(ratio: number | null): string;
  metricsNote(snapshot: unknown): { state: string; text: string };
}

/** The page's own module (plain browser JavaScript, no build): its layout is pure, so it runs here too. */
const page = (await import(new URL('../../ui/topology.js', import.meta.url).href)) as PageModule;

const DECLARED: DeclaredAgent[] = [
  { name: 'database-agent', tier: 'core', replicas: 1, provides: ['data_query'], dependsOn: [] },
  { name: 'notification-agent', tier: 'support', replicas: 1, provides: ['notify'], dependsOn: [] },
  {
    name: 'user-agent',
    tier: 'business',
    replicas: 3,
    provides: ['user_get'],
    dependsOn: ['database-agent'],
  },
  {
    name: 'order-agent',
    tier: 'business',
    replicas: 1,
    provides: ['order_processing'],
    dependsOn: ['user-agent', 'notification-agent'],
  },
  { name: 'api-gateway', tier: 'edge', replicas: 1, provides: [], dependsOn: ['order-agent'] },
];

function registered(id: string, name: string, deps: [string, string | undefined][] = []): RegistryAgent {
  return {
    id,
    name,
    status: 'healthy',
    endpoint: '',
    dependency_resolutions: deps.map(([capability, provider]) => ({
      capability,
      status: provider === undefined ? 'unresolved' : 'available',
      ...(provider === undefined ? {} : { provider_agent_id: provider }),
    })),
  };
}

describe('the page layout', () => {
  const snapshot = buildTopology({
    tierOrder: ['core', 'support', 'business', 'edge'],
    declared: DECLARED,
    agents: [
      registered('db-1', 'database-agent'),
      registered('n-1', 'notification-agent'),
      ...[1, 2, 3].map((i) => registered(`u-${i}`, 'user-agent', [['data_query', 'db-1']])),
      registered('o-1', 'order-agent', [
        ['user_get', 'u-1'],
        ['notify', 'n-1'],
        ['weather', undefined],
      ]),
      registered('gw-1', 'api-gateway', [['order_processing', 'o-1']]),
    ],
    registry: { url: 'https://127.0.0.1:8000', error: null },
    now: new Date(0),
  });
  const { positions } = page.layout(snapshot);

  it('draws higher tiers above lower ones and a caller above a provider of its own tier, so edges point down', () => {
    for (const edge of snapshot.edges) {
      const from = positions.get(edge.from)!;
      const to = positions.get(edge.to ?? `? ${edge.capabilities.join(', ')}`)!;
      expect(to.top, `${edge.from} -> ${edge.to}`).toBeGreaterThan(from.top + from.height);
    }
  });

  it('gives a capability nobody provides a box of its own', () => {
    expect(positions.has('? weather')).toBe(true);
  });

  it('formats latencies and ratios for the labels', () => {
    expect(page.formatSeconds(0.0042)).toBe('4.2 ms');
    expect(page.formatSeconds(0.25)).toBe('250 ms');
    expect(page.formatSeconds(1.5)).toBe('1.50 s');
    expect(page.formatSeconds(null)).toBe('–');
    expect(page.formatRatio(0.005)).toBe('0.50%');
    expect(page.formatRatio(0.25)).toBe('25.0%');
  });
});

describe('the metrics line', () => {
  it('names the source of the rates, or says why there are none', () => {
    expect(page.metricsNote({ metrics: { kind: 'replicas', url: null, error: null } }).text).toBe(
      "rates from each replica's /metrics",
    );
    expect(
      page.metricsNote({ metrics: { kind: 'prometheus', url: 'http://127.0.0.1:9090', error: null } }),
    ).toEqual({
      state: 'ok',
      text: 'rates from Prometheus http://127.0.0.1:9090, as fresh as its last scrape',
    });
    const down = {
      kind: 'prometheus',
      url: 'http://127.0.0.1:9090',
      error: 'Prometheus at … does not answer',
    };
    expect(page.metricsNote({ metrics: down })).toEqual({
      state: 'error',
      text: 'no rates: Prometheus at … does not answer',
    });
  });
});
