import { buildTopology } from './build-topology.js';
import { DEPENDENCY_PREFIXES, DependencyRates } from './dependency-rates.js';
import { FEDERATED_FAMILIES, federateUrl, samplesByReplica } from './federation.js';
import { parsePrometheusText } from './prometheus-text.js';
import type { DeclaredAgent, MetricsSourceStatus, RegistryAgent, TopologySnapshot } from './types.js';

/**
 * Where the rates come from. `replicas`: `fetch` gets one replica's `/metrics` body from its registered
 * endpoint. `prometheus`: `fetch` gets a URL of that Prometheus (its `/federate`); `advice` is added to the
 * page's message when it does not answer (what to start, which flag to set).
 */
export type MetricsFrom =
  | { readonly kind: 'replicas'; fetch(endpoint: string): Promise<string> }
  | {
      readonly kind: 'prometheus';
      readonly url: string;
      fetch(url: string): Promise<string>;
      readonly advice?: string;
    };

export interface TopologySourceOptions {
  /** Shown on the page; the source never reads it itself. */
  readonly registryUrl: string;
  /** `GET /agents` of the registry (with the operator certificate in strict mode). */
  fetchAgents(): Promise<readonly RegistryAgent[]>;
  readonly metrics: MetricsFrom;
  readonly tierOrder: readonly string[];
  readonly declared: readonly DeclaredAgent[];
  /** How often the registry is asked (default 1 s). */
  readonly refreshMs?: number;
  /** How often the metrics are read (every healthy replica, or Prometheus once) (default 2 s). */
  readonly scrapeMs?: number;
  readonly now?: () => number;
}

type Listener = (snapshot: TopologySnapshot) => void;

/**
 * Keeps the current topology: asks the registry for its agents every `refreshMs` and scrapes the healthy
 * replicas every `scrapeMs`, and tells listeners when anything but the time changed. Polling the whole
 * `GET /agents` is the registry's cheapest whole-mesh answer (its AgentInfo JSON is cached); its `/watch/{id}`
 * feed is per agent and fires only when that agent's resolutions change, which misses health and metrics.
 */
export class TopologySource {
  private readonly rates = new DependencyRates();
  private readonly scraped = new Map<string, boolean>();
  private metricsError: string | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly now: () => number;
  private current: TopologySnapshot;
  private currentKey = '';
  private lastScrapeMs = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(private readonly options: TopologySourceOptions) {
    this.now = options.now ?? Date.now;
    this.current = this.build(undefined, 'not asked yet');
  }

  get snapshot(): TopologySnapshot {
    return this.current;
  }

  /** Calls `listener` with every changed snapshot; returns the unsubscribe. */
  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Refreshes now, then every `refreshMs` until `stop()`. */
  async start(): Promise<void> {
    this.running = true;
    await this.refresh();
    this.schedule();
  }

  stop(): void {
    this.running = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.refresh().finally(() => this.schedule());
    }, this.options.refreshMs ?? 1000);
    this.timer.unref();
  }

  /** One round: the registry, the metrics when due, a new snapshot. Never throws. */
  async refresh(): Promise<TopologySnapshot> {
    let agents: readonly RegistryAgent[] | undefined;
    let error: string | null = null;
    try {
      agents = await this.options.fetchAgents();
    } catch (e: unknown) {
      error = e instanceof Error ? e.message : String(e);
    }
    if (agents !== undefined && this.now() - this.lastScrapeMs >= (this.options.scrapeMs ?? 2000)) {
      this.lastScrapeMs = this.now();
      await this.scrape(agents);
    }
    const snapshot = this.build(agents, error);
    const { generatedAt: _ignored, ...rest } = snapshot;
    const key = JSON.stringify(rest);
    this.current = snapshot;
    if (key !== this.currentKey) {
      this.currentKey = key;
      for (const listener of this.listeners) listener(snapshot);
    }
    return snapshot;
  }

  private async scrape(agents: readonly RegistryAgent[]): Promise<void> {
    const from = this.options.metrics;
    if (from.kind === 'prometheus') {
      await this.federate(
        agents.filter((agent) => agent.status === 'healthy'),
        from,
      );
      return;
    }
    const healthy = agents.filter((agent) => agent.status === 'healthy' && agent.endpoint !== '');
    await Promise.all(
      healthy.map(async (agent) => {
        try {
          const text = await from.fetch(agent.endpoint);
          this.rates.record(agent.id, agent.name, parsePrometheusText(text, DEPENDENCY_PREFIXES), this.now());
          this.scraped.set(agent.id, true);
        } catch {
          this.scraped.set(agent.id, false);
        }
      }),
    );
    this.retain(healthy);
  }

  /**
   * One `/federate` read for every replica. Each replica's samples are recorded at the time Prometheus
   * scraped them, not now: between two of its scrapes the same samples come back with the same time, which
   * keeps the last window's rates instead of showing a zero increase.
   */
  private async federate(
    healthy: readonly RegistryAgent[],
    from: Extract<MetricsFrom, { kind: 'prometheus' }>,
  ): Promise<void> {
    let text: string;
    try {
      text = await from.fetch(federateUrl(from.url));
    } catch (e: unknown) {
      const cause = e instanceof Error ? e.message : String(e);
      this.metricsError =
        `Prometheus at ${from.url} does not answer (${cause})` + (from.advice ? `; ${from.advice}` : '');
      // Not one replica's fault: the page says why once, instead of marking each one unreachable, and shows
      // no rates rather than the last ones it had as if they were current.
      this.scraped.clear();
      this.rates.retain(new Set());
      return;
    }
    const byReplica = samplesByReplica(
      parsePrometheusText(text, FEDERATED_FAMILIES).filter((s) =>
        FEDERATED_FAMILIES.some((f) => f === s.name),
      ),
      this.now(),
    );
    for (const agent of healthy) {
      const replica = byReplica.get(agent.id);
      this.scraped.set(agent.id, replica !== undefined);
      if (replica !== undefined) this.rates.record(agent.id, agent.name, replica.samples, replica.atMs);
    }
    this.metricsError =
      healthy.length > 0 && !healthy.some((agent) => byReplica.has(agent.id))
        ? `Prometheus at ${from.url} holds no series of these replicas yet (it scrapes them at its own ` +
          'interval; if this stays, check its targets)'
        : null;
    this.retain(healthy);
  }

  /** Forgets what was kept for replicas no longer healthy and registered. */
  private retain(healthy: readonly RegistryAgent[]): void {
    const ids = new Set(healthy.map((agent) => agent.id));
    this.rates.retain(ids);
    for (const id of [...this.scraped.keys()]) if (!ids.has(id)) this.scraped.delete(id);
  }

  private metricsStatus(): MetricsSourceStatus {
    const from = this.options.metrics;
    return from.kind === 'prometheus'
      ? { kind: 'prometheus', url: from.url, error: this.metricsError }
      : { kind: 'replicas', url: null, error: null };
  }

  private build(agents: readonly RegistryAgent[] | undefined, error: string | null): TopologySnapshot {
    return buildTopology({
      tierOrder: this.options.tierOrder,
      declared: this.options.declared,
      agents,
      registry: { url: this.options.registryUrl, error },
      metrics: (agent, capabilities) => this.rates.edgeMetrics(agent, capabilities),
      scraped: this.scraped,
      metricsSource: this.metricsStatus(),
      now: new Date(this.now()),
    });
  }
}
