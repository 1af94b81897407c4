import type { Counter, Gauge, Histogram } from 'prom-client';
import { Registry } from 'prom-client';
import { collectProcessMetrics, metricsIn } from '@mesh/common';
import type { StreamFallbackReason } from './mesh-stream-pool.js';
import { InFlightCount, PendingCount, ScrapeTimeSeries } from './scrape-time-counts.js';

const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The runtime's Prometheus metrics, in a registry of its own (several agents may share a process in
 * tests). Label children are cached by the callers' label values, so the hot path does no allocation; the
 * per-call counters and in-flight gauges are counted in plain numbers and handed to prom-client when read
 * (see scrape-time-counts.ts): take them from `toolCallCount`, `toolInFlightCount`, `dependencyCallCount`
 * and `dependencyInFlightCount`.
 */
export class RuntimeMetrics {
  readonly registry = new Registry();
  private readonly toolCallCounts = new ScrapeTimeSeries<PendingCount>();
  private readonly toolInFlightCounts = new ScrapeTimeSeries<InFlightCount>();
  private readonly dependencyCallCounts = new ScrapeTimeSeries<PendingCount>();
  private readonly dependencyInFlightCounts = new ScrapeTimeSeries<InFlightCount>();
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolDuration: Histogram<'tool'>;
  readonly toolInFlight: Gauge<'tool'>;
  readonly dependencyCalls: Counter<'dependency' | 'capability' | 'outcome' | 'version'>;
  readonly dependencyDuration: Histogram<'dependency' | 'capability' | 'version'>;
  readonly dependencyInFlight: Gauge<'dependency' | 'capability'>;
  readonly dependencyRetries: Counter<'dependency' | 'capability' | 'reason'>;
  readonly dependencyProviders: Gauge<'dependency' | 'capability'>;
  readonly breakerState: Gauge<'provider'>;
  readonly registryUp: Gauge;
  readonly trustRefusals: Counter<'direction' | 'reason' | 'identity' | 'capability'>;
  readonly streamsOpen: Gauge<'provider'>;
  readonly streamFallbacks: Counter<'provider' | 'reason'>;
  readonly streamsAccepted: Gauge<'caller'>;
  /** Streams open per provider, to drop a provider's series when its last one closes. */
  private readonly openStreams = new Map<string, number>();

  constructor(agentName: string, agentId: string, collectDefaults = true) {
    this.registry.setDefaultLabels({ agent: agentName, agent_id: agentId });
    if (collectDefaults) collectProcessMetrics(this.registry);
    const metric = metricsIn(this.registry);
    this.toolCalls = metric.counter(
      'mesh_tool_calls_total',
      'Tool calls served, by tool and outcome (ok or the error code).',
      ['tool', 'outcome'],
      () => this.toolCallCounts.flush(),
    );
    this.toolDuration = metric.histogram(
      'mesh_tool_duration_seconds',
      'Time to serve a tool call.',
      ['tool'],
      { buckets: LATENCY_BUCKETS },
    );
    this.toolInFlight = metric.gauge('mesh_tool_in_flight', 'Tool calls being served.', ['tool'], () =>
      this.toolInFlightCounts.flush(),
    );
    this.dependencyCalls = metric.counter(
      'mesh_dependency_calls_total',
      'Calls made to dependencies, by dependency, capability, outcome and the agent version of the ' +
        'provider that answered last (empty when unknown).',
      ['dependency', 'capability', 'outcome', 'version'],
      () => this.dependencyCallCounts.flush(),
    );
    this.dependencyDuration = metric.histogram(
      'mesh_dependency_duration_seconds',
      'Latency of dependency calls, retries and failovers included, by the agent version of the provider ' +
        'that answered last.',
      ['dependency', 'capability', 'version'],
      { buckets: LATENCY_BUCKETS },
    );
    this.dependencyInFlight = metric.gauge(
      'mesh_dependency_in_flight',
      'Dependency calls in flight.',
      ['dependency', 'capability'],
      () => this.dependencyInFlightCounts.flush(),
    );
    this.dependencyRetries = metric.counter(
      'mesh_dependency_retries_total',
      'Retries and failovers of dependency calls, by reason.',
      ['dependency', 'capability', 'reason'],
    );
    this.dependencyProviders = metric.gauge(
      'mesh_dependency_providers',
      'Providers currently resolved per dependency (0 = unavailable).',
      ['dependency', 'capability'],
    );
    this.breakerState = metric.gauge(
      'mesh_circuit_breaker_state',
      'Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.',
      ['provider'],
    );
    this.registryUp = metric.gauge(
      'mesh_registry_connected',
      '1 while the last registry exchange succeeded.',
    );
    this.trustRefusals = metric.counter(
      'mesh_trust_refusals_total',
      'Calls refused by mTLS or the capability policy: inbound (callers refused, 401/403) and outbound ' +
        '(providers whose certificate names an agent not allowed to provide the capability).',
      ['direction', 'reason', 'identity', 'capability'],
    );
    this.streamsOpen = metric.gauge(
      'mesh_streams_open',
      'Mesh streams this agent holds open to providers, by provider (agent id); several per provider in a ' +
        'strict mesh (one per capability).',
      ['provider'],
    );
    this.streamFallbacks = metric.counter(
      'mesh_stream_fallbacks_total',
      'Times a provider was called over HTTP for 5 minutes instead of a mesh stream, by provider (agent id) ' +
        'and reason: refused (it answered the upgrade with an HTTP status) or timeout (no answer in 10 s).',
      ['provider', 'reason'],
    );
    this.streamsAccepted = metric.gauge(
      'mesh_streams_accepted',
      'Mesh streams callers hold open to this agent, by caller (its certificate name in a strict mesh, ' +
        'empty otherwise).',
      ['caller'],
    );
  }

  /** A mesh stream to `provider` opened (once per connection: not on the call path). */
  streamOpened(provider: string): void {
    this.openStreams.set(provider, (this.openStreams.get(provider) ?? 0) + 1);
    this.streamsOpen.inc({ provider });
  }

  /**
   * An open mesh stream to `provider` closed, whatever the reason. The series goes once its provider has no
   * stream left: agent ids change with every restart, so kept at 0 they would pile up.
   */
  streamClosed(provider: string): void {
    const left = (this.openStreams.get(provider) ?? 1) - 1;
    if (left > 0) {
      this.openStreams.set(provider, left);
      this.streamsOpen.dec({ provider });
      return;
    }
    this.openStreams.delete(provider);
    this.streamsOpen.remove({ provider });
  }

  /** `provider` is called over HTTP for a while: it refused the upgrade or left it unanswered. */
  streamFellBack(provider: string, reason: StreamFallbackReason): void {
    this.streamFallbacks.inc({ provider, reason });
  }

  /** A caller's mesh stream was accepted. */
  streamAccepted(caller: string): void {
    this.streamsAccepted.inc({ caller });
  }

  /** A caller's mesh stream closed. */
  acceptedStreamClosed(caller: string): void {
    this.streamsAccepted.dec({ caller });
  }

  /** The `mesh_tool_calls_total` series of one tool and outcome (callers keep it: one per label set). */
  toolCallCount(labels: { tool: string; outcome: string }): PendingCount {
    return this.toolCallCounts.add(new PendingCount(this.toolCalls.labels(labels)));
  }

  /** The `mesh_tool_in_flight` series of one tool. */
  toolInFlightCount(labels: { tool: string }): InFlightCount {
    return this.toolInFlightCounts.add(new InFlightCount(this.toolInFlight.labels(labels)));
  }

  /** The `mesh_dependency_calls_total` series of one label set. */
  dependencyCallCount(labels: {
    dependency: string;
    capability: string;
    outcome: string;
    version: string;
  }): PendingCount {
    return this.dependencyCallCounts.add(new PendingCount(this.dependencyCalls.labels(labels)));
  }

  /** The `mesh_dependency_in_flight` series of one dependency. */
  dependencyInFlightCount(labels: { dependency: string; capability: string }): InFlightCount {
    return this.dependencyInFlightCounts.add(new InFlightCount(this.dependencyInFlight.labels(labels)));
  }

  /**
   * The runtime's metrics followed by those of the agent's own registries. Their outputs are concatenated
   * rather than merged so each keeps its own default labels; agent registries should not collect default
   * metrics (the runtime already does), or the names would appear twice.
   */
  async render(extra: readonly Registry[] = []): Promise<{ contentType: string; body: string }> {
    const parts = await Promise.all([this.registry, ...extra].map((r) => r.metrics()));
    const body = parts.map((p) => (p.endsWith('\n') || p === '' ? p : `${p}\n`)).join('');
    return { contentType: this.registry.contentType, body };
  }
}
