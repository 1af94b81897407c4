import type http from 'node:http';
import { createLogger } from '@mesh/common';
import { plainTextWarning } from '@mesh/trust';
import type { Logger } from '@mesh/common';
import { ProxyTracerProvider } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { defaultTelemetrySettings, startTelemetry } from '@mesh/telemetry';
import type { Telemetry, TelemetrySettings } from '@mesh/telemetry';
import type { Registry } from 'prom-client';
import type { MeshConfig } from './config.js';
import { newAgentId } from './config.js';
import { DependencyClient, RetryBudget } from './dependency-proxy.js';
import type { CallEnvironment } from './dependency-proxy.js';
import { InFlight } from './in-flight.js';
import { createHttpServer, listen } from './http-server.js';
import type { AgentServer, HealthState, ReadinessState } from './http-server.js';
import { PROBE_HOST, createProbeServer } from './probe-server.js';
import { McpHttpClient } from './mcp-client.js';
import type { McpEndpoint } from './mcp-handler.js';
import { MESH_STREAM_KWARG, MESH_STREAM_PROTOCOL } from './mesh-stream-frames.js';
import { MeshStreamServer } from './mesh-stream-server.js';
import { RuntimeMetrics } from './metrics.js';
import { DependencySlot, ProviderPool } from './provider-pool.js';
import type { ResolvedProvider } from './provider-pool.js';
import { RegistryClient } from './registry-client.js';
import { RuntimeTrust } from './runtime-trust.js';
import { registrationBody } from './registration.js';
import type { DependenciesResolved, DependencyGroup, ResolvedDependencyEntry } from './registration.js';
import { CircuitState } from './resilience.js';
import { ToolInvoker } from './tool-invoker.js';
import type { ServedTool } from './tool-invoker.js';
import type { RegisteredTool } from './tool-registry.js';
import { Tracing } from './tracing.js';

/** What the declaration hands the runtime. */
export interface AgentDeclaration {
  name: string;
  version: string;
  description: string;
  tools: readonly RegisteredTool[];
  consumerGroups: readonly DependencyGroup[];
}

export interface RuntimeStartOptions {
  app: unknown;
  config: MeshConfig;
  logger?: Logger;
  healthCheck?: () => Promise<boolean> | boolean;
  metrics?: readonly Registry[];
  tracerProvider?: TracerProvider;
}

const HEALTH_CHECK_TIMEOUT_MS = 5000;

/** One running agent process (or in-process instance in tests): server, registry link, dependency clients. */
export class AgentRuntime {
  readonly agentId: string;
  readonly logger: Logger;
  readonly metrics: RuntimeMetrics;
  port = 0;
  /** The probe listener's port once started; undefined when it is off. */
  probePort: number | undefined;
  private readonly config: MeshConfig;
  private readonly pool: ProviderPool;
  private readonly client: McpHttpClient;
  private streams: MeshStreamServer | undefined;
  /** mTLS and the capability policy; undefined when TLS is off. */
  readonly trust: RuntimeTrust | undefined;
  private readonly groups = new Map<string, { slots: DependencySlot[]; clients: DependencyClient[] }>();
  private readonly served = new Map<string, ServedTool>();
  private readonly invoker: ToolInvoker;
  private readonly registry: RegistryClient | undefined;
  private server: AgentServer | undefined;
  private probeServer: http.Server | undefined;
  private draining = false;
  /** Dependency calls in flight (from handlers and consumer proxies alike), drained before closing. */
  private readonly outbound = new InFlight();
  private topologyArrived = false;
  private resolveFirstTopology!: () => void;
  private healthState: HealthState = { status: 'starting' };
  /** Span export (OTEL_* variables), started with the agent when configured. */
  private telemetry: Telemetry | undefined;
  private readonly telemetrySettings: TelemetrySettings | undefined;
  /** What the runtime's spans go to: the export's provider once started (or the one the caller gave). */
  private readonly tracerProvider = new ProxyTracerProvider();
  readonly tracing: Tracing;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly declaration: AgentDeclaration,
    private readonly options: RuntimeStartOptions,
  ) {
    this.config = options.config;
    this.agentId = this.config.agentId ?? newAgentId(declaration.name);
    const base = options.logger ?? createLogger({ name: declaration.name, level: this.config.logLevel });
    this.logger = base.child({ agent_id: this.agentId });
    this.metrics = new RuntimeMetrics(declaration.name, this.agentId);
    if (this.config.tls.mode === 'strict') {
      this.trust = new RuntimeTrust(
        this.config.tls,
        declaration.name,
        this.logger,
        this.metrics,
        this.config.policy,
        this.config.maxConnectionsPerProvider,
      );
    } else {
      this.trust = undefined;
      const warning = plainTextWarning(this.config.tls, declaration.name);
      if (warning) this.logger.warn(warning);
    }
    this.client = new McpHttpClient(
      this.config.maxConnectionsPerProvider,
      this.trust,
      this.config.transport,
      {
        metrics: this.metrics,
        onPlainHttp: ({ host, status }) =>
          this.logger.info(
            { provider: host, status },
            status === 0
              ? 'provider did not answer the mesh stream upgrade; calling it over HTTP for 5 minutes'
              : 'provider refused the mesh stream upgrade; calling it over HTTP for 5 minutes',
          ),
      },
    );
    this.pool = new ProviderPool(this.config.circuitBreakerThreshold, this.config.circuitHalfOpenAfterMs);
    this.pool.onProvider((state) => {
      const gauge = this.metrics.breakerState.labels({ provider: state.agentId });
      gauge.set(0);
      state.breaker.onStateChange((breakerState) => {
        gauge.set(breakerState === CircuitState.Closed ? 0 : breakerState === CircuitState.HalfOpen ? 2 : 1);
        if (breakerState === CircuitState.Open)
          this.logger.warn({ provider: state.agentId }, 'circuit breaker opened');
        if (breakerState === CircuitState.Closed)
          this.logger.info({ provider: state.agentId }, 'circuit breaker closed');
      });
    });
    this.telemetrySettings =
      this.config.telemetry ??
      (this.config.otlpEndpoint === undefined
        ? undefined
        : defaultTelemetrySettings(this.config.otlpEndpoint));
    if (options.tracerProvider) this.tracerProvider.setDelegate(options.tracerProvider);
    const tracing = new Tracing(
      options.tracerProvider !== undefined || this.telemetrySettings !== undefined,
      this.tracerProvider,
    );
    this.tracing = tracing;
    const firstTopology = new Promise<void>((resolve) => (this.resolveFirstTopology = resolve));
    const env: CallEnvironment = {
      agentId: this.agentId,
      config: this.config,
      client: this.client,
      budget: new RetryBudget(),
      outbound: this.outbound,
      metrics: this.metrics,
      tracing,
      logger: this.logger,
      firstTopology,
      topologyKnown: () => this.topologyArrived,
    };
    const groups: DependencyGroup[] = [
      ...declaration.tools.map((tool) => ({ functionName: tool.name, dependencies: tool.dependencies })),
      ...declaration.consumerGroups,
    ];
    for (const group of groups) {
      const slots = group.dependencies.map(() => new DependencySlot());
      const clients = group.dependencies.map(
        (dependency, index) => new DependencyClient(dependency, slots[index]!, env),
      );
      this.groups.set(group.functionName, { slots, clients });
    }
    this.invoker = new ToolInvoker(
      options.app,
      this.logger,
      this.metrics,
      tracing,
      this.config.dependencyTimeoutMs,
    );
    for (const tool of declaration.tools) {
      this.served.set(tool.name, { tool, dependencies: this.groups.get(tool.name)?.clients ?? [] });
    }
    if (this.config.registryUrl !== null) {
      this.registry = new RegistryClient({
        registryUrl: this.config.registryUrl,
        agentId: this.agentId,
        body: () => this.registrationBody(),
        healthIntervalMs: this.config.healthIntervalMs,
        retryDelayMs: this.config.retryDelayMs,
        logger: this.logger,
        metrics: this.metrics,
        onTopology: (resolved, afterOutage) =>
          this.applyTopology(resolved, afterOutage ? 2 * this.config.healthIntervalMs : 0),
        healthy: () => this.runHealthCheck(),
        ...(this.trust
          ? {
              httpsAgent: () => this.trust!.registryAgent(),
              watchTls: () => this.trust!.registryTlsOptions(),
            }
          : {}),
      });
    }
  }

  get url(): string {
    const host = this.config.httpHost.includes(':') ? `[${this.config.httpHost}]` : this.config.httpHost;
    return `${this.trust ? 'https' : 'http'}://${host}:${this.port}`;
  }

  /** The dependency clients of one consumer group (or tool), by declared key. */
  clients(functionName: string): readonly DependencyClient[] {
    return this.groups.get(functionName)?.clients ?? [];
  }

  async start(): Promise<void> {
    if (this.telemetrySettings && !this.options.tracerProvider) {
      this.telemetry = await startTelemetry(this.telemetrySettings, {
        name: this.declaration.name,
        version: this.declaration.version,
        instanceId: this.agentId,
      });
      this.tracerProvider.setDelegate(this.telemetry.provider);
      this.logger.info(
        { service: this.telemetry.serviceName, traces: this.telemetrySettings.tracesUrl },
        'exporting spans',
      );
    }
    const mcp: McpEndpoint = {
      serverInfo: { name: this.declaration.name, version: this.declaration.version },
      instructions: this.declaration.description,
      tools: this.served,
      invoker: this.invoker,
      draining: () => this.draining,
      ...(this.trust ? { guard: this.trust } : {}),
    };
    this.streams = new MeshStreamServer(mcp, this.logger, this.metrics);
    this.server = createHttpServer({
      agentName: this.declaration.name,
      agentId: this.agentId,
      metrics: this.metrics,
      extraMetrics: this.options.metrics ?? [],
      logger: this.logger,
      mcp,
      streams: this.streams,
      readiness: () => this.readiness(),
      health: () => this.healthState,
      ...(this.trust ? { tls: this.trust.serverOptions() } : {}),
    });
    if (this.trust) {
      const trust = this.trust;
      const server = this.server;
      trust.onRotate(() => {
        // New handshakes use the new certificate at once; the registry hears from this agent again.
        if ('setSecureContext' in server) server.setSecureContext(trust.serverOptions());
        this.registry?.refresh();
      });
      trust.start();
    }
    this.port = await listen(this.server, this.config.bindHost, this.config.httpPort);
    this.logger.info({ url: this.url, tools: [...this.served.keys()] }, 'agent listening');
    if (this.config.probePort !== undefined) {
      this.probeServer = createProbeServer({
        agentName: this.declaration.name,
        agentId: this.agentId,
        readiness: () => this.readiness(),
        health: () => this.healthState,
      });
      this.probePort = await listen(this.probeServer, PROBE_HOST, this.config.probePort);
      this.logger.info({ url: `http://${PROBE_HOST}:${this.probePort}` }, 'probes listening');
    }
    if (this.registry) await this.registry.start();
    else await this.runHealthCheck();
  }

  /** Graceful stop: refuse new work, deregister first, drain in-flight calls within the deadline, close. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    this.draining = true;
    this.logger.info(
      { inFlight: this.invoker.inFlight, outbound: this.outbound.size },
      'stopping: deregistering, then draining',
    );
    await this.registry?.stop();
    // Tool calls first (they may still call dependencies), then every dependency call still out, including
    // those a consumer-only agent (e.g. an HTTP gateway) made outside any tool.
    const drained = await Promise.race([
      this.invoker
        .idle()
        .then(() => this.outbound.idle())
        .then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), this.config.drainTimeoutMs).unref()),
    ]);
    if (!drained)
      this.logger.warn(
        { inFlight: this.invoker.inFlight, outbound: this.outbound.size },
        'drain deadline passed; closing with calls in flight',
      );
    const server = this.server;
    if (server) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const forced = setTimeout(() => server.closeAllConnections(), 1000);
      forced.unref();
      // Upgraded connections are the streams' own: GOAWAY, then closed by their callers (at most 1 s).
      await this.streams?.close();
      await closed;
      clearTimeout(forced);
    }
    // The probes answer until the very end (/ready says shutting_down), then go with the process.
    const probes = this.probeServer;
    if (probes) {
      const probesClosed = new Promise<void>((resolve) => probes.close(() => resolve()));
      probes.closeAllConnections();
      await probesClosed;
    }
    this.client.close();
    this.trust?.stop();
    await this.telemetry?.shutdown().catch(() => undefined);
    this.logger.info('stopped');
  }

  private registrationBody(): Record<string, unknown> {
    return registrationBody({
      agentId: this.agentId,
      name: this.declaration.name,
      version: this.declaration.version,
      description: this.declaration.description,
      httpHost: this.config.httpHost,
      httpPort: this.port,
      namespace: this.config.namespace,
      tools: this.declaration.tools,
      consumerGroups: this.declaration.consumerGroups,
    });
  }

  /** Replaces every slot's providers from a registry answer (positional per function name). */
  /**
   * Applies a resolution to every dependency slot. `holdMs` > 0 (the first resolution after a registry outage)
   * keeps providers a slot would lose for that long, while the other agents re-register (see DependencySlot).
   */
  applyTopology(resolved: DependenciesResolved, holdMs = 0): void {
    const seen = new Set<string>();
    for (const [functionName, group] of this.groups) {
      const entries = resolved[functionName] ?? [];
      group.slots.forEach((slot, index) => {
        slot.replace(providersOf(entries[index]), this.pool, holdMs);
        for (const candidate of slot.candidates) seen.add(candidate.state.agentId);
        const dependency = group.clients[index]!.dependency;
        this.metrics.dependencyProviders.set(
          { dependency: dependency.name, capability: dependency.capability },
          slot.candidates.length,
        );
      });
    }
    this.pool.retain(seen);
    if (!this.topologyArrived) {
      this.topologyArrived = true;
      this.resolveFirstTopology();
    }
    this.logger.debug({ providers: seen.size }, 'topology updated');
  }

  private readiness(): ReadinessState {
    if (this.draining) return { ready: false, runtime: 'shutting_down', reason: 'draining' };
    if (!this.registry) return { ready: true, runtime: 'standalone' };
    if (!this.registry.registered) return { ready: false, runtime: 'starting', reason: 'not registered yet' };
    for (const group of this.groups.values()) {
      for (const client of group.clients) {
        if (client.dependency.required && client.providers === 0) {
          return {
            ready: false,
            runtime: 'up',
            reason: `required dependency ${client.dependency.capability} unresolved`,
          };
        }
      }
    }
    return { ready: true, runtime: 'up' };
  }

  private async runHealthCheck(): Promise<boolean> {
    const check = this.options.healthCheck;
    if (!check) {
      this.healthState = { status: 'healthy', checkedAt: new Date().toISOString() };
      return true;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      const verdict = await Promise.race([
        Promise.resolve(check()),
        new Promise<boolean>(
          (resolve) => (timer = setTimeout(() => resolve(false), HEALTH_CHECK_TIMEOUT_MS)),
        ),
      ]);
      this.healthState = { status: verdict ? 'healthy' : 'unhealthy', checkedAt: new Date().toISOString() };
      return verdict;
    } catch (error: unknown) {
      const message = error instanceof Error ? error.message : String(error);
      this.healthState = { status: 'unhealthy', message, checkedAt: new Date().toISOString() };
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Whether a provider's kwargs declare its tool safe to repeat. A replica listed without kwargs takes the
 * entry's (the official registry lists no replicas; ours gives each its own).
 */
function declaresIdempotent(
  own: Record<string, unknown> | undefined,
  entry: ResolvedDependencyEntry,
): boolean {
  return (own ?? entry.kwargs)?.['idempotent'] === true;
}

/** Whether a provider's kwargs say it accepts mesh streams of the protocol this runtime speaks. */
function acceptsStreams(own: Record<string, unknown> | undefined, entry: ResolvedDependencyEntry): boolean {
  return (own ?? entry.kwargs)?.[MESH_STREAM_KWARG] === MESH_STREAM_PROTOCOL;
}

/** A canary weight as our registry sends it: a whole percent; anything else is ignored (plain balancing). */
function validWeight(weight: unknown): weight is number {
  return typeof weight === 'number' && Number.isInteger(weight) && weight >= 0 && weight <= 100;
}

function providersOf(entry: ResolvedDependencyEntry | undefined): ResolvedProvider[] {
  if (!entry || entry.status === 'unresolved') return [];
  if (Array.isArray(entry.providers) && entry.providers.length > 0) {
    return entry.providers
      .filter(
        (provider) =>
          provider.status === undefined || provider.status === 'available' || provider.status === 'healthy',
      )
      .map((provider) => ({
        agentId: provider.agent_id,
        endpoint: provider.endpoint,
        functionName: provider.function_name,
        idempotent: declaresIdempotent(provider.kwargs, entry),
        streams: acceptsStreams(provider.kwargs, entry),
        ...(typeof provider.version === 'string' ? { version: provider.version } : {}),
        ...(validWeight(provider.weight) ? { weight: provider.weight } : {}),
      }));
  }
  if (
    entry.agent_id &&
    entry.endpoint &&
    entry.function_name &&
    (entry.status === undefined || entry.status === 'available')
  ) {
    return [
      {
        agentId: entry.agent_id,
        endpoint: entry.endpoint,
        functionName: entry.function_name,
        idempotent: declaresIdempotent(undefined, entry),
        streams: acceptsStreams(undefined, entry),
      },
    ];
  }
  return [];
}
