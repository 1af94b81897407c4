import { MeshError } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { TracerProvider } from '@opentelemetry/api';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { AgentRuntime } from './agent-runtime.js';
import { resolveMeshConfig } from './config.js';
import type { MeshConfig } from './config.js';
import type { CallOptions, DependencyProxy } from './dependency-proxy.js';
import { NO_CALLER } from './dependency-proxy.js';
import type { DependencyGroup } from './registration.js';
import { normalizeDependency, normalizeTool } from './tool-registry.js';
import { ID_ONLY_TRACING } from './tracing.js';
import type { SpanHandle, SpanStarter, StartSpanOptions } from './tracing.js';
import type {
  DependencyDecls,
  DependencyProxies,
  RegisteredTool,
  TagSpec,
  ToolDefinition,
} from './tool-registry.js';

/** An agent's identity and defaults; env config (MCP_MESH_*) overrides host, port and namespace. */
export interface AgentOptions {
  name: string;
  version?: string;
  description?: string;
  /** Advertised host (default 127.0.0.1). */
  host?: string;
  /** 0 = any free port (the default). */
  port?: number;
  namespace?: string;
}

/** What `start()` and `runAgent()` take. */
export interface StartOptions<App> {
  /** The services handlers see as `ctx.app`. */
  app: App;
  /** Mesh settings, usually `toMeshConfig(loadConfig())`; anything left out gets its default. */
  mesh?: Partial<MeshConfig>;
  logger?: Logger;
  /** The user's health check; false (or a throw) pauses heartbeats so the registry withdraws the agent. */
  healthCheck?: () => Promise<boolean> | boolean;
  /** The agent's own prom-client registries, served at /metrics after the runtime's (no default metrics in them). */
  metrics?: readonly Registry[];
  /**
   * Records spans with this OpenTelemetry provider (an app that sets up its own SDK, or a test's in-memory
   * exporter) instead of the OTLP export that `OTEL_EXPORTER_OTLP_ENDPOINT` sets up.
   */
  tracerProvider?: TracerProvider;
}

/** A started agent (tests use it directly; `runAgent` wraps it with signal handling). */
export interface RunningAgent {
  readonly url: string;
  readonly port: number;
  /** The plain-HTTP probe listener's port on 127.0.0.1; undefined when `probePort` is not configured. */
  readonly probePort: number | undefined;
  readonly agentId: string;
  readonly logger: Logger;
  /** Deregisters, drains in-flight calls, closes the server. */
  stop(): Promise<void>;
}

/** The declaration `meshctl check` reads: no side effects. */
/** One declared dependency as `manifest()` lists it. */
export interface ManifestDependency {
  name: string;
  capability: string;
  tags: TagSpec[];
  version: string;
}

export interface AgentManifest {
  name: string;
  version: string;
  description: string;
  tools: {
    name: string;
    capability: string;
    version: string;
    tags: string[];
    description: string;
    dependencies: ManifestDependency[];
  }[];
  /** Dependencies declared with `agent.consumer()`, used outside any tool (an HTTP edge's), so checks see them. */
  dependencies: ManifestDependency[];
}

/** A declared agent: add tools and consumer dependencies, then start it. */
export interface Agent<App> {
  readonly name: string;
  readonly version: string;
  readonly description: string;
  /** Declares a tool (its input type flows from the zod schema into the handler). */
  tool<
    I extends z.ZodType,
    O extends z.ZodType | undefined = undefined,
    D extends DependencyDecls = Record<never, never>,
  >(
    definition: ToolDefinition<App, I, O, D>,
  ): Agent<App>;
  /**
   * Declares dependencies used outside tool handlers (an HTTP gateway). The proxies work once the agent has
   * started; before that `available` is false and calls fail with DEPENDENCY_UNAVAILABLE.
   */
  consumer<D extends DependencyDecls>(dependencies: D): DependencyProxies<D>;
  /**
   * Spans for work that does not arrive as a tool call: an HTTP edge's requests, messages consumed from a bus.
   * They are exported with the agent's own spans once it has started with export on; before that, and without
   * export, they only carry ids (for traceparent and the logs).
   */
  readonly tracing: SpanStarter;
  manifest(): AgentManifest;
  start(options: StartOptions<App>): Promise<RunningAgent>;
}

class DeclaredAgent<App> implements Agent<App> {
  readonly version: string;
  readonly description: string;
  private readonly tools: RegisteredTool[] = [];
  private readonly consumerGroups: DependencyGroup[] = [];
  private current: AgentRuntime | undefined;
  readonly tracing: SpanStarter;

  constructor(private readonly options: AgentOptions) {
    if (!/^[a-zA-Z0-9_-]{1,55}$/.test(options.name)) {
      throw new Error(`agent name "${options.name}" must be 1-55 letters, digits, "_" or "-"`);
    }
    this.version = options.version ?? '1.0.0';
    this.description = options.description ?? '';
    const agent = (): SpanStarter => this.current?.tracing ?? ID_ONLY_TRACING;
    this.tracing = {
      get exporting(): boolean {
        return agent().exporting;
      },
      start: (name: string, spanOptions: StartSpanOptions): SpanHandle => agent().start(name, spanOptions),
    };
  }

  get name(): string {
    return this.options.name;
  }

  tool<
    I extends z.ZodType,
    O extends z.ZodType | undefined = undefined,
    D extends DependencyDecls = Record<never, never>,
  >(definition: ToolDefinition<App, I, O, D>): Agent<App> {
    if (this.tools.some((tool) => tool.name === definition.name)) {
      throw new Error(`tool "${definition.name}" is declared twice in ${this.name}`);
    }
    this.tools.push(normalizeTool(definition as unknown as Parameters<typeof normalizeTool>[0]));
    return this;
  }

  consumer<D extends DependencyDecls>(dependencies: D): DependencyProxies<D> {
    const functionName = `${this.name.replace(/-/g, '_')}_consumer_${this.consumerGroups.length + 1}`;
    const normalized = Object.entries(dependencies).map(([name, decl]) => normalizeDependency(name, decl));
    this.consumerGroups.push({ functionName, dependencies: normalized });
    const proxies: Record<string, DependencyProxy> = {};
    normalized.forEach((dependency, index) => {
      const client = () => this.current?.clients(functionName)[index];
      proxies[dependency.name] = {
        get available() {
          return client()?.available ?? false;
        },
        get providers() {
          return client()?.providers ?? 0;
        },
        capability: dependency.capability,
        call<T = unknown>(args: Record<string, unknown>, opts: CallOptions = {}): Promise<T> {
          const target = client();
          if (!target) {
            return Promise.reject(
              new MeshError('DEPENDENCY_UNAVAILABLE', `${dependency.capability}: agent not started`, {
                data: { capability: dependency.capability },
              }),
            );
          }
          return target.call<T>(args, opts, NO_CALLER);
        },
      };
    });
    return proxies as DependencyProxies<D>;
  }

  manifest(): AgentManifest {
    return {
      name: this.name,
      version: this.version,
      description: this.description,
      tools: this.tools.map((tool) => ({
        name: tool.name,
        capability: tool.capability,
        version: tool.version,
        tags: [...tool.tags],
        description: tool.description,
        dependencies: tool.dependencies.map((dependency) => ({
          name: dependency.name,
          capability: dependency.capability,
          tags: dependency.tags,
          version: dependency.version,
        })),
      })),
      dependencies: this.consumerGroups.flatMap((group) =>
        group.dependencies.map((dependency) => ({
          name: dependency.name,
          capability: dependency.capability,
          tags: dependency.tags,
          version: dependency.version,
        })),
      ),
    };
  }

  async start(options: StartOptions<App>): Promise<RunningAgent> {
    const declared: Partial<MeshConfig> = {};
    if (this.options.host !== undefined) declared.httpHost = this.options.host;
    if (this.options.port !== undefined) declared.httpPort = this.options.port;
    if (this.options.namespace !== undefined) declared.namespace = this.options.namespace;
    const config = resolveMeshConfig(declared, options.mesh);
    const startOptions: ConstructorParameters<typeof AgentRuntime>[1] = { app: options.app, config };
    if (options.logger) startOptions.logger = options.logger;
    if (options.healthCheck) startOptions.healthCheck = options.healthCheck;
    if (options.metrics) startOptions.metrics = options.metrics;
    if (options.tracerProvider) startOptions.tracerProvider = options.tracerProvider;
    const runtime = new AgentRuntime(
      {
        name: this.name,
        version: config.agentVersion ?? this.version,
        description: this.description,
        tools: this.tools,
        consumerGroups: this.consumerGroups,
      },
      startOptions,
    );
    this.current = runtime;
    try {
      await runtime.start();
    } catch (error: unknown) {
      await runtime.stop().catch(() => undefined);
      if (this.current === runtime) this.current = undefined;
      throw error;
    }
    return {
      url: runtime.url,
      port: runtime.port,
      probePort: runtime.probePort,
      agentId: runtime.agentId,
      logger: runtime.logger,
      stop: async () => {
        await runtime.stop();
        if (this.current === runtime) this.current = undefined;
      },
    };
  }
}

/**
 * Declares an agent. Importing a module that calls this has no side effects: nothing listens or connects
 * until `start()` / `runAgent()`. `App` is the type of the services handlers receive as `ctx.app`.
 */
export function defineAgent<App = undefined>(options: AgentOptions): Agent<App> {
  return new DeclaredAgent<App>(options);
}
