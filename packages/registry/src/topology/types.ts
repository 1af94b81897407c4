/**
 * The live topology the `/ui` page draws: what the registry says (replicas, health, resolutions), what
 * architecture.yml declares (tiers, expected replicas) and what the agents' metrics say about each edge.
 * This JSON is the page's whole contract (`GET /api/topology`); fields are only ever added.
 */

/** An agent as architecture.yml declares it: where it sits and what it is expected to run. */
export interface DeclaredAgent {
  readonly name: string;
  readonly tier: string;
  readonly replicas: number;
  readonly provides: readonly string[];
  readonly dependsOn: readonly string[];
}

/** The part of the registry's `GET /agents` AgentInfo the topology reads. */
export interface RegistryAgent {
  readonly id: string;
  readonly name: string;
  readonly status: string;
  readonly endpoint: string;
  readonly version?: string;
  readonly last_seen?: string;
  readonly capabilities?: readonly {
    readonly name: string;
    readonly version?: string;
    readonly function_name: string;
  }[];
  readonly dependency_resolutions?: readonly {
    readonly capability: string;
    readonly provider_agent_id?: string;
    readonly status: string;
    readonly required?: boolean;
  }[];
}

/** healthy: every expected replica is healthy; degraded: some are; unhealthy: none is. */
export type NodeHealth = 'healthy' | 'degraded' | 'unhealthy';

export interface TopologyReplica {
  readonly id: string;
  /** The registry's status of this registration (`healthy` or `unhealthy`). */
  readonly status: string;
  readonly endpoint: string;
  readonly version: string | null;
  readonly lastSeen: string | null;
  readonly capabilities: readonly { readonly name: string; readonly version: string | null }[];
  /** Dependencies this replica registered but the registry could not resolve. */
  readonly unresolved: readonly string[];
  /** False when its `/metrics` did not answer at the last scrape; null before the first one. */
  readonly scraped: boolean | null;
}

/**
 * A version running in an agent, with the share of its healthy replicas. `weight` is the traffic weight a
 * canary release assigns; null while no release sets one (calls are then balanced over all replicas, so the
 * share is the split).
 */
export interface TopologyVersion {
  readonly version: string;
  readonly replicas: number;
  readonly healthy: number;
  readonly share: number;
  readonly weight: number | null;
}

export interface TopologyNode {
  readonly name: string;
  /** The tier from architecture.yml; `unknown` for an agent that registered without being declared. */
  readonly tier: string;
  /** Position of the tier from the bottom (core = 0); undeclared agents sit above the last tier. */
  readonly tierRank: number;
  readonly declared: boolean;
  readonly expectedReplicas: number | null;
  readonly health: NodeHealth;
  readonly replicas: readonly TopologyReplica[];
  readonly versions: readonly TopologyVersion[];
}

/** Calls over the rate window (about 10 s, at least one scrape back), summed over every consumer replica. */
export interface EdgeMetrics {
  readonly callsPerSecond: number;
  /** Failed calls / calls; null when no call was made. */
  readonly errorRatio: number | null;
  /** 95th percentile latency in seconds (from the histogram's buckets); null when no call was made. */
  readonly p95Seconds: number | null;
  readonly windowSeconds: number;
}

/** One consumer agent -> provider agent edge; `to` is null when no provider is known for its capabilities. */
export interface TopologyEdge {
  readonly from: string;
  readonly to: string | null;
  readonly capabilities: readonly string[];
  /** resolved: every consumer replica resolved every capability; partial: some; unresolved: none. */
  readonly status: 'resolved' | 'partial' | 'unresolved';
  readonly declared: boolean;
  readonly metrics: EdgeMetrics | null;
}

/**
 * Where the edge rates come from. `replicas`: each healthy replica's `/metrics` at its registered endpoint;
 * `prometheus`: one Prometheus's `/federate` (`url`), rates moving at its scrape interval.
 */
export interface MetricsSourceStatus {
  readonly kind: 'replicas' | 'prometheus';
  /** The Prometheus asked; null for `replicas`. */
  readonly url: string | null;
  /** Why the rates are missing (Prometheus does not answer, holds no mesh series); null while they flow. */
  readonly error: string | null;
}

export interface TopologySnapshot {
  readonly generatedAt: string;
  readonly tierOrder: readonly string[];
  readonly registry: { readonly url: string; readonly reachable: boolean; readonly error: string | null };
  readonly metrics: MetricsSourceStatus;
  readonly nodes: readonly TopologyNode[];
  readonly edges: readonly TopologyEdge[];
}
