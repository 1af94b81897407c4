import { describe, expect, it } from 'vitest';
import { buildTopology, nodeHealth } from './build-topology.js';
import type { DeclaredAgent, EdgeMetrics, RegistryAgent } from './types.js';

const TIERS = ['core', 'support', 'business', 'edge'];
const DECLARED: DeclaredAgent[] = [
  { name: 'auth-agent', tier: 'core', replicas: 2, provides: ['auth_verify_token'], dependsOn: [] },
  { name: 'payment-agent', tier: 'business', replicas: 1, provides: ['payment_process'], dependsOn: [] },
  { name: 'user-agent', tier: 'business', replicas: 1, provides: ['user_get'], dependsOn: ['auth-agent'] },
  {
    name: 'order-agent',
    tier: 'business',
    replicas: 1,
    provides: ['order_processing'],
    dependsOn: ['user-agent', 'payment-agent'],
  },
  { name: 'api-gateway', tier: 'edge', replicas: 1, provides: [], dependsOn: ['order-agent', 'auth-agent'] },
];

function agent(
  id: string,
  name: string,
  options: {
    status?: string;
    version?: string;
    capabilities?: string[];
    resolutions?: { capability: string; provider?: string; required?: boolean }[];
  } = {},
): RegistryAgent {
  return {
    id,
    name,
    status: options.status ?? 'healthy',
    endpoint: `https://127.0.0.1:9${id.length}00`,
    version: options.version ?? '1.0.0',
    capabilities: (options.capabilities ?? []).map((capability) => ({
      name: capability,
      version: '1.0.0',
      function_name: capability,
    })),
    dependency_resolutions: (options.resolutions ?? []).map((r) => ({
      capability: r.capability,
      status: r.provider === undefined ? 'unresolved' : 'available',
      ...(r.provider === undefined ? {} : { provider_agent_id: r.provider }),
      ...(r.required ? { required: true } : {}),
    })),
  };
}

const NOW = new Date('2026-12-06T12:00:00Z');

function build(
  agents: RegistryAgent[] | undefined,
  metrics?: (a: string, c: readonly string[]) => EdgeMetrics | null,
) {
  return buildTopology({
    tierOrder: TIERS,
    declared: DECLARED,
    agents,
    registry: { url: 'https://127.0.0.1:8000', error: agents === undefined ? 'refused' : null },
    ...(metrics === undefined ? {} : { metrics }),
    now: NOW,
  });
}

describe('nodeHealth', () => {
  it('is healthy with the expected replicas healthy, degraded with fewer, unhealthy with none', () => {
    const up = agent('a-1', 'a');
    const down = agent('a-2', 'a', { status: 'unhealthy' });
    expect(nodeHealth([up, agent('a-3', 'a')], 2)).toBe('healthy');
    expect(nodeHealth([up, down], 2)).toBe('degraded');
    expect(nodeHealth([down], 1)).toBe('unhealthy');
    expect(nodeHealth([], 1)).toBe('unhealthy');
  });

  it('ignores a stale registration once its replacement is healthy, and counts an undeclared agent by one', () => {
    expect(nodeHealth([agent('a-old', 'a', { status: 'unhealthy' }), agent('a-new', 'a')], 1)).toBe(
      'healthy',
    );
    expect(nodeHealth([agent('x-1', 'x'), agent('x-2', 'x', { status: 'unhealthy' })], null)).toBe('healthy');
  });

  it('is degraded while a healthy replica lacks a required dependency', () => {
    const lacking = agent('o-1', 'order-agent', {
      resolutions: [{ capability: 'user_get', required: true }],
    });
    const optional = agent('o-2', 'order-agent', { resolutions: [{ capability: 'user_get' }] });
    expect(nodeHealth([lacking], 1)).toBe('degraded');
    expect(nodeHealth([optional], 1)).toBe('healthy');
  });
});

describe('buildTopology', () => {
  it('makes one node per agent, declared or registered, ordered by tier, with replicas and versions', () => {
    const topology = build([
      agent('auth-agent-1', 'auth-agent', { capabilities: ['auth_verify_token'] }),
      agent('auth-agent-2', 'auth-agent', { capabilities: ['auth_verify_token'], version: '1.1.0' }),
      agent('extra-1', 'extra-agent'),
    ]);
    expect(topology.nodes.map((n) => [n.name, n.tier, n.health])).toEqual([
      ['auth-agent', 'core', 'healthy'],
      ['order-agent', 'business', 'unhealthy'],
      ['payment-agent', 'business', 'unhealthy'],
      ['user-agent', 'business', 'unhealthy'],
      ['api-gateway', 'edge', 'unhealthy'],
      ['extra-agent', 'unknown', 'healthy'],
    ]);
    const auth = topology.nodes[0]!;
    expect(auth.replicas.map((r) => [r.id, r.version, r.capabilities])).toEqual([
      ['auth-agent-1', '1.0.0', [{ name: 'auth_verify_token', version: '1.0.0' }]],
      ['auth-agent-2', '1.1.0', [{ name: 'auth_verify_token', version: '1.0.0' }]],
    ]);
    expect(auth.versions).toEqual([
      { version: '1.0.0', replicas: 1, healthy: 1, share: 0.5, weight: null },
      { version: '1.1.0', replicas: 1, healthy: 1, share: 0.5, weight: null },
    ]);
    expect(topology.nodes.at(-1)).toMatchObject({ declared: false, expectedReplicas: null, tierRank: 4 });
    expect(topology.registry).toEqual({ url: 'https://127.0.0.1:8000', reachable: true, error: null });
    expect(topology.generatedAt).toBe(NOW.toISOString());
  });

  it('joins resolutions into consumer -> provider edges: resolved, partial (some replicas) or unresolved', () => {
    const topology = build([
      agent('auth-agent-1', 'auth-agent'),
      agent('user-agent-1', 'user-agent', {
        resolutions: [{ capability: 'auth_verify_token', provider: 'auth-agent-1' }],
      }),
      agent('gw-1', 'api-gateway', {
        resolutions: [
          { capability: 'order_processing' },
          { capability: 'auth_verify_token', provider: 'auth-agent-1' },
        ],
      }),
      agent('gw-2', 'api-gateway', {
        resolutions: [{ capability: 'order_processing' }, { capability: 'auth_verify_token' }],
      }),
    ]);
    const edges = topology.edges.map((e) => [e.from, e.to, e.capabilities.join(','), e.status, e.declared]);
    expect(edges).toEqual([
      ['api-gateway', 'auth-agent', 'auth_verify_token', 'partial', true],
      ['api-gateway', 'order-agent', 'order_processing', 'unresolved', true],
      // order-agent has no replica: its declared dependencies are drawn, unresolved.
      ['order-agent', 'payment-agent', '', 'unresolved', true],
      ['order-agent', 'user-agent', '', 'unresolved', true],
      ['user-agent', 'auth-agent', 'auth_verify_token', 'resolved', true],
    ]);
  });

  it('reads edges from healthy consumer replicas only, and leaves a capability nobody provides without a target', () => {
    const topology = build([
      agent('user-agent-old', 'user-agent', {
        status: 'unhealthy',
        resolutions: [{ capability: 'auth_verify_token' }],
      }),
      agent('user-agent-new', 'user-agent', {
        resolutions: [
          { capability: 'auth_verify_token', provider: 'auth-agent-1' },
          { capability: 'weather_forecast' },
        ],
      }),
      agent('auth-agent-1', 'auth-agent'),
    ]);
    const fromUser = topology.edges.filter((e) => e.from === 'user-agent');
    expect(fromUser.map((e) => [e.to, e.status, e.declared])).toEqual([
      [null, 'unresolved', false],
      ['auth-agent', 'resolved', true],
    ]);
    expect(topology.nodes.find((n) => n.name === 'user-agent')?.replicas.map((r) => r.unresolved)).toEqual([
      ['auth_verify_token'],
      ['weather_forecast'],
    ]);
  });

  it('asks the metrics for each edge with its capabilities', () => {
    const asked: string[] = [];
    const metrics = (from: string, capabilities: readonly string[]): EdgeMetrics => {
      asked.push(`${from}:${capabilities.join(',')}`);
      return { callsPerSecond: 3, errorRatio: 0, p95Seconds: 0.02, windowSeconds: 10 };
    };
    const topology = build(
      [
        agent('auth-agent-1', 'auth-agent'),
        agent('user-agent-1', 'user-agent', {
          resolutions: [{ capability: 'auth_verify_token', provider: 'auth-agent-1' }],
        }),
      ],
      metrics,
    );
    expect(asked).toEqual(['user-agent:auth_verify_token']);
    expect(topology.edges.find((e) => e.from === 'user-agent')?.metrics?.callsPerSecond).toBe(3);
    expect(topology.edges.find((e) => e.from === 'order-agent')?.metrics).toBeNull();
  });

  it('draws the declared topology alone, every node unhealthy, when the registry does not answer', () => {
    const topology = build(undefined);
    expect(topology.registry).toMatchObject({ reachable: false, error: 'refused' });
    expect(topology.nodes.every((n) => n.health === 'unhealthy' && n.replicas.length === 0)).toBe(true);
    expect(topology.edges).toHaveLength(5);
  });
});
