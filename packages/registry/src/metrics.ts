import { Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import { collectProcessMetrics } from '@mesh/common';
import type { Registry } from './core/registry.js';

interface RouteMetrics {
  readonly count: Counter.Internal;
  readonly latency: Histogram.Internal<'route' | 'method'>;
}

/** Prometheus metrics of one registry instance (its own prom-client registry, so tests can run several). */
export class RegistryMetrics {
  readonly prom = new PromRegistry();
  private readonly requests: Counter<'route' | 'method' | 'status'>;
  private readonly latency: Histogram<'route' | 'method'>;
  readonly resolution: Histogram;
  private readonly children = new Map<string, RouteMetrics>();

  constructor(registry: Registry, options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics === true) collectProcessMetrics(this.prom);
    this.requests = new Counter({
      name: 'mesh_registry_http_requests_total',
      help: 'HTTP requests by route template, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [this.prom],
    });
    this.latency = new Histogram({
      name: 'mesh_registry_http_request_duration_seconds',
      help: 'HTTP request latency by route template',
      labelNames: ['route', 'method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [this.prom],
    });
    this.resolution = new Histogram({
      name: 'mesh_registry_resolution_duration_seconds',
      help: 'Time to resolve one agent dependencies (cache misses only)',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.01, 0.05],
      registers: [this.prom],
    });
    registry.onResolution = (seconds) => this.resolution.observe(seconds);
    new Gauge({
      name: 'mesh_registry_agents',
      help: 'Registered agents by status',
      labelNames: ['status'],
      registers: [this.prom],
      collect() {
        let healthy = 0;
        let unhealthy = 0;
        for (const state of registry.agentStates()) {
          if (state.record.status === 'healthy') healthy += 1;
          else unhealthy += 1;
        }
        this.set({ status: 'healthy' }, healthy);
        this.set({ status: 'unhealthy' }, unhealthy);
      },
    });
    new Gauge({
      name: 'mesh_registry_topology_version',
      help: 'Topology change sequence of this replica',
      registers: [this.prom],
      collect() {
        this.set(registry.topologyVersion);
      },
    });
  }

  /** Records one finished request; label children are cached so the hot path allocates little. */
  observe(route: string, method: string, status: number, seconds: number): void {
    const key = `${route}|${method}|${status}`;
    let child = this.children.get(key);
    if (child === undefined) {
      child = {
        count: this.requests.labels(route, method, String(status)),
        latency: this.latency.labels(route, method),
      };
      this.children.set(key, child);
    }
    child.count.inc();
    child.latency.observe(seconds);
  }

  text(): Promise<string> {
    return this.prom.metrics();
  }

  get contentType(): string {
    return this.prom.contentType;
  }
}
