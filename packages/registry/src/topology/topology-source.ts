import { buildTopology } from './build-topology.js';
import { DEPENDENCY_PREFIXES, DependencyRates } from './dependency-rates.js';
import { parsePrometheusText } from './prometheus-text.js';
import type { DeclaredAgent, RegistryAgent, TopologySnapshot } from './types.js';

export interface TopologySourceOptions {
  /** Shown on the page; the source never reads it itself. */
  readonly registryUrl: string;
  /** `GET /agents` of the registry (with the operator certificate in strict mode). */
  fetchAgents(): Promise<readonly RegistryAgent[]>;
  /** One replica's `/metrics` body, from its registered endpoint. */
  fetchMetrics(endpoint: string): Promise<string>;
  readonly tierOrder: readonly string[];
  readonly declared: readonly DeclaredAgent[];
  /** How often the registry is asked (default 1 s). */
  readonly refreshMs?: number;
  /** How often every healthy replica is scraped; the rates' window (default 2 s). */
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
    const healthy = agents.filter((agent) => agent.status === 'healthy' && agent.endpoint !== '');
    await Promise.all(
      healthy.map(async (agent) => {
        try {
          const text = await this.options.fetchMetrics(agent.endpoint);
          this.rates.record(agent.id, agent.name, parsePrometheusText(text, DEPENDENCY_PREFIXES), this.now());
          this.scraped.set(agent.id, true);
        } catch {
          this.scraped.set(agent.id, false);
        }
      }),
    );
    const ids = new Set(healthy.map((agent) => agent.id));
    this.rates.retain(ids);
    for (const id of [...this.scraped.keys()]) if (!ids.has(id)) this.scraped.delete(id);
  }

  private build(agents: readonly RegistryAgent[] | undefined, error: string | null): TopologySnapshot {
    return buildTopology({
      tierOrder: this.options.tierOrder,
      declared: this.options.declared,
      agents,
      registry: { url: this.options.registryUrl, error },
      metrics: (agent, capabilities) => this.rates.edgeMetrics(agent, capabilities),
      scraped: this.scraped,
      now: new Date(this.now()),
    });
  }
}
