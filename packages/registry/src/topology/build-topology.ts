import type {
  DeclaredAgent,
  EdgeMetrics,
  MetricsSourceStatus,
  NodeHealth,
  RegistryAgent,
  TopologyEdge,
  TopologyNode,
  TopologyReplica,
  TopologySnapshot,
  TopologyVersion,
} from './types.js';

export interface BuildTopologyInput {
  readonly tierOrder: readonly string[];
  readonly declared: readonly DeclaredAgent[];
  /** `GET /agents`; undefined when the registry did not answer (the declared topology is drawn alone). */
  readonly agents: readonly RegistryAgent[] | undefined;
  readonly registry: { readonly url: string; readonly error: string | null };
  /** The edge's rates; returns null before there is data. */
  readonly metrics?: (agent: string, capabilities: readonly string[]) => EdgeMetrics | null;
  /** Whether each replica's `/metrics` answered at the last scrape. */
  readonly scraped?: ReadonlyMap<string, boolean>;
  /** Where the rates come from (default: the replicas, no error). */
  readonly metricsSource?: MetricsSourceStatus;
  readonly now: Date;
}

const isHealthy = (agent: RegistryAgent): boolean => agent.status === 'healthy';

function replicaOf(agent: RegistryAgent, scraped: ReadonlyMap<string, boolean> | undefined): TopologyReplica {
  return {
    id: agent.id,
    status: agent.status,
    endpoint: agent.endpoint,
    version: agent.version ?? null,
    lastSeen: agent.last_seen ?? null,
    capabilities: (agent.capabilities ?? []).map((c) => ({ name: c.name, version: c.version ?? null })),
    unresolved: [
      ...new Set(
        (agent.dependency_resolutions ?? []).filter((r) => r.status !== 'available').map((r) => r.capability),
      ),
    ],
    scraped: scraped?.get(agent.id) ?? null,
  };
}

/** Unresolved required dependencies make a live replica not ready, as `meshctl status` counts it. */
function ready(agent: RegistryAgent): boolean {
  return (
    isHealthy(agent) &&
    !(agent.dependency_resolutions ?? []).some((r) => r.required === true && r.status !== 'available')
  );
}

/**
 * healthy when at least the expected replicas (1 for an undeclared agent) are healthy and ready, unhealthy
 * when none is healthy, degraded in between. Stale registrations of restarted replicas do not count against it.
 */
export function nodeHealth(replicas: readonly RegistryAgent[], expected: number | null): NodeHealth {
  const healthy = replicas.filter(isHealthy);
  if (healthy.length === 0) return 'unhealthy';
  return healthy.filter(ready).length >= (expected ?? 1) ? 'healthy' : 'degraded';
}

function versionsOf(replicas: readonly RegistryAgent[]): TopologyVersion[] {
  const healthyTotal = replicas.filter(isHealthy).length;
  const byVersion = new Map<string, RegistryAgent[]>();
  for (const replica of replicas) {
    const version = replica.version ?? 'unknown';
    byVersion.set(version, [...(byVersion.get(version) ?? []), replica]);
  }
  return [...byVersion]
    .map(([version, list]) => {
      const healthy = list.filter(isHealthy).length;
      return {
        version,
        replicas: list.length,
        healthy,
        share: healthyTotal > 0 ? healthy / healthyTotal : 0,
        weight: null,
      };
    })
    .sort((a, b) => a.version.localeCompare(b.version));
}

interface EdgeTally {
  readonly from: string;
  readonly to: string | null;
  readonly capabilities: Set<string>;
  resolutions: number;
  available: number;
}

/** The declared provider of a capability, preferring one the consumer declares it depends on. */
function declaredProvider(
  capability: string,
  consumer: DeclaredAgent | undefined,
  declared: readonly DeclaredAgent[],
): string | null {
  const providers = declared.filter((agent) => agent.provides.includes(capability));
  return (providers.find((p) => consumer?.dependsOn.includes(p.name)) ?? providers[0])?.name ?? null;
}

/**
 * The page's topology from the registry's agents and resolutions, architecture.yml and the scraped rates:
 * one node per agent (declared or registered), one edge per consumer -> provider pair. An edge's status comes
 * from the resolutions of the consumer's healthy replicas (all of them while none is healthy).
 */
export function buildTopology(input: BuildTopologyInput): TopologySnapshot {
  const agents = input.agents ?? [];
  const declaredByName = new Map(input.declared.map((agent) => [agent.name, agent]));
  const nameById = new Map(agents.map((agent) => [agent.id, agent.name]));
  const names = [...new Set([...input.declared.map((a) => a.name), ...agents.map((a) => a.name)])];
  const rankOf = (tier: string): number => {
    const rank = input.tierOrder.indexOf(tier);
    return rank < 0 ? input.tierOrder.length : rank;
  };

  const nodes: TopologyNode[] = names.map((name) => {
    const declared = declaredByName.get(name);
    const replicas = agents.filter((agent) => agent.name === name);
    const tier = declared?.tier ?? 'unknown';
    return {
      name,
      tier,
      tierRank: rankOf(tier),
      declared: declared !== undefined,
      expectedReplicas: declared?.replicas ?? null,
      health: nodeHealth(replicas, declared?.replicas ?? null),
      replicas: replicas.map((replica) => replicaOf(replica, input.scraped)),
      versions: versionsOf(replicas),
    };
  });
  nodes.sort((a, b) => a.tierRank - b.tierRank || a.name.localeCompare(b.name));

  const tallies = new Map<string, EdgeTally>();
  const tally = (from: string, to: string | null): EdgeTally => {
    const key = `${from}>${to ?? ''}`;
    let entry = tallies.get(key);
    if (entry === undefined) {
      entry = { from, to, capabilities: new Set(), resolutions: 0, available: 0 };
      tallies.set(key, entry);
    }
    return entry;
  };
  for (const name of names) {
    const replicas = agents.filter((agent) => agent.name === name);
    const healthy = replicas.filter(isHealthy);
    const consumers = healthy.length > 0 ? healthy : replicas;
    for (const consumer of consumers) {
      for (const resolution of consumer.dependency_resolutions ?? []) {
        const live =
          resolution.status === 'available' ? nameById.get(resolution.provider_agent_id ?? '') : undefined;
        const to = live ?? declaredProvider(resolution.capability, declaredByName.get(name), input.declared);
        const entry = tally(name, to);
        entry.capabilities.add(resolution.capability);
        entry.resolutions += 1;
        if (live !== undefined) entry.available += 1;
      }
    }
    // A declared consumer with no replica at all still shows what it would call.
    if (replicas.length === 0) for (const to of declaredByName.get(name)?.dependsOn ?? []) tally(name, to);
  }

  const edges: TopologyEdge[] = [...tallies.values()]
    .map((entry) => {
      const capabilities = [...entry.capabilities].sort();
      return {
        from: entry.from,
        to: entry.to,
        capabilities,
        status:
          entry.resolutions > 0 && entry.available === entry.resolutions
            ? ('resolved' as const)
            : entry.available > 0
              ? ('partial' as const)
              : ('unresolved' as const),
        declared:
          entry.to !== null && (declaredByName.get(entry.from)?.dependsOn.includes(entry.to) ?? false),
        metrics: capabilities.length > 0 ? (input.metrics?.(entry.from, capabilities) ?? null) : null,
      };
    })
    .sort((a, b) => a.from.localeCompare(b.from) || (a.to ?? '').localeCompare(b.to ?? ''));

  return {
    generatedAt: input.now.toISOString(),
    tierOrder: input.tierOrder,
    registry: { url: input.registry.url, reachable: input.agents !== undefined, error: input.registry.error },
    metrics: input.metricsSource ?? { kind: 'replicas', url: null, error: null },
    nodes,
    edges,
  };
}
