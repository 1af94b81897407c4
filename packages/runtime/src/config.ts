import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { MeshError, envDurationMs, envInt, envOptionalInt, envUrl, envLogLevel } from '@mesh/common';
import type { LogLevel } from '@mesh/common';
import { otelEnvShape, toTelemetrySettings } from '@mesh/telemetry';
import type { TelemetrySettings } from '@mesh/telemetry';
import { TLS_OFF, tlsEnvSchema, toTlsSettings } from '@mesh/trust';
import type { MeshPolicy, TlsSettings } from '@mesh/trust';
import type { MeshTransport } from './mcp-client.js';

const AGENT_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
/** Semantic version, as the registry's canary records name one. */
const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Calls in flight (each on its own pooled connection) per provider; more calls wait for one to finish. At 200
 * calls/s and 50 ms each a caller keeps 10 in flight; a provider is one Node process on a core or two, so past
 * a few dozen calls at once it only queues them itself. 32 leaves that room while an overloaded caller no
 * longer opens hundreds of TLS connections when latency rises (docs/benchmarks.md, "Bounded connection pools").
 */
export const MAX_CONNECTIONS_PER_PROVIDER = { default: 32, min: 1, max: 1024 } as const;

/**
 * The mesh's environment variables (MCP Mesh names), as a zod object schema. Apps extend it with their own
 * variables (`meshEnvSchema.extend({...})`) and parse once with `parseEnvConfig`, so startup lists every problem.
 */
export const meshEnvSchema = z.object({
  MCP_MESH_REGISTRY_URL: envUrl(['http', 'https']).default('http://localhost:8000'),
  /** Advertised host; default 127.0.0.1 (or the agent's declared host). */
  MCP_MESH_HTTP_HOST: z.string().min(1).optional(),
  MCP_MESH_BIND_HOST: z.string().min(1).optional(),
  /** Default 0 = any free port (or the agent's declared port). */
  MCP_MESH_HTTP_PORT: envInt(0, 0, 65535).optional(),
  /** Plain-HTTP probe listener on 127.0.0.1 (/livez, /ready, /health); off when unset, 0 = any free port. */
  MCP_MESH_PROBE_PORT: envOptionalInt(0, 65535),
  MCP_MESH_AGENT_ID: z
    .string()
    .regex(AGENT_ID_PATTERN, 'expected 1-64 letters, digits, "_" or "-"')
    .optional(),
  MCP_MESH_NAMESPACE: z.string().min(1).optional(),
  /** Overrides the version the agent declares (a canary replica runs the same code as another version). */
  MCP_MESH_AGENT_VERSION: z
    .string()
    .regex(SEMVER_PATTERN, 'expected a semantic version such as 2.0.0')
    .optional(),
  MCP_MESH_HEALTH_INTERVAL: envDurationMs('5s'),
  MCP_MESH_LOG_LEVEL: envLogLevel('INFO'),
  MCP_MESH_RETRY_ATTEMPTS: envInt(2, 0, 10),
  MCP_MESH_RETRY_DELAY: envDurationMs('100ms'),
  MCP_MESH_DISCOVERY_TIMEOUT: envDurationMs('30s'),
  DEPENDENCY_TIMEOUT: envDurationMs('30s'),
  CIRCUIT_BREAKER_THRESHOLD: envInt(5, 1, 1000),
  MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER: envInt(
    MAX_CONNECTIONS_PER_PROVIDER.default,
    MAX_CONNECTIONS_PER_PROVIDER.min,
    MAX_CONNECTIONS_PER_PROVIDER.max,
  ),
  /** `stream` (default): calls to providers that accept it share one connection each (mesh-stream-frames.ts). */
  MCP_MESH_TRANSPORT: z
    .string()
    .optional()
    .transform((value, ctx) => {
      const transport = value === undefined || value.trim() === '' ? 'stream' : value.trim().toLowerCase();
      if (transport !== 'stream' && transport !== 'http') {
        ctx.addIssue({ code: 'custom', message: `expected stream or http; got "${value}"` });
        return z.NEVER;
      }
      return transport as MeshTransport;
    }),
  /** OTEL_EXPORTER_OTLP_*, OTEL_SERVICE_NAME(_PREFIX), OTEL_TRACES_SAMPLER(_ARG)…: see @mesh/telemetry. */
  ...otelEnvShape,
  ...tlsEnvSchema.shape,
});

/** What `meshEnvSchema` parses to (apps usually hold a wider object that includes it). */
export type MeshEnv = z.output<typeof meshEnvSchema>;

/** Runtime settings in plain units. Every field has a default, so tests pass only what they care about. */
export interface MeshConfig {
  /** Registry base URL; `null` runs without a registry (standalone). */
  registryUrl: string | null;
  /** Host advertised to the registry (what other agents dial). */
  httpHost: string;
  /** Interface the HTTP server binds. */
  bindHost: string;
  /** 0 = any free port. */
  httpPort: number;
  /**
   * A second, plain-HTTP listener on 127.0.0.1 that answers only /livez, /ready and /health, so a container
   * health checker needs neither TLS nor a client certificate. Off when undefined; 0 = any free port.
   */
  probePort?: number;
  /** Fixed agent id; otherwise `${name}-${8 hex}`. */
  agentId?: string;
  /** The version registered, instead of the one `defineAgent` declares (a canary). */
  agentVersion?: string;
  namespace: string;
  healthIntervalMs: number;
  logLevel: LogLevel;
  /** Retries per dependency call, used only where a retry is safe (idempotent tool or idempotency key). */
  retryAttempts: number;
  /** Base delay of exponential backoff with full jitter (calls and registry reconnects). */
  retryDelayMs: number;
  /** How long a call waits for the first topology at startup before failing with DEPENDENCY_UNAVAILABLE. */
  discoveryTimeoutMs: number;
  /** Default per-call timeout of dependency calls. */
  dependencyTimeoutMs: number;
  /** Consecutive transport failures that open a provider's circuit breaker. */
  circuitBreakerThreshold: number;
  /** How long an open breaker waits before letting one trial call through. */
  circuitHalfOpenAfterMs: number;
  /** How long a provider that refused or reset a connection is skipped. */
  ejectionMs: number;
  /** How long shutdown waits for in-flight calls. */
  drainTimeoutMs: number;
  /** Pooled connections, hence calls in flight, per provider; further calls wait (their deadline runs). */
  maxConnectionsPerProvider: number;
  /**
   * How calls travel: `stream`, many calls at once on one upgraded connection per provider that accepts it
   * (others are called over HTTP), or `http`, one request per call. Providers accept both either way.
   */
  transport: MeshTransport;
  /** Span export (from the OTEL_* variables); absent = spans are not exported. */
  telemetry?: TelemetrySettings;
  /** Shorthand for `telemetry` with every default: the collector's base URL. */
  otlpEndpoint?: string;
  /** mTLS: `off` (MCP Mesh's default, one loud warning) or `strict` (certificates and the policy). */
  tls: TlsSettings;
  /** The policy to enforce in strict mode; read from `tls.policyFile` when absent. */
  policy?: MeshPolicy;
}

/** Defaults for every MeshConfig field (the same as the env schema's). */
export const defaultMeshConfig: Readonly<MeshConfig> = Object.freeze({
  registryUrl: 'http://localhost:8000',
  httpHost: '127.0.0.1',
  bindHost: '127.0.0.1',
  httpPort: 0,
  namespace: 'default',
  healthIntervalMs: 5000,
  logLevel: 'info',
  retryAttempts: 2,
  retryDelayMs: 100,
  discoveryTimeoutMs: 30_000,
  dependencyTimeoutMs: 30_000,
  circuitBreakerThreshold: 5,
  circuitHalfOpenAfterMs: 5000,
  ejectionMs: 2000,
  drainTimeoutMs: 10_000,
  maxConnectionsPerProvider: MAX_CONNECTIONS_PER_PROVIDER.default,
  transport: 'stream',
  tls: TLS_OFF,
});

/**
 * Maps parsed env (from `meshEnvSchema` or an extension of it) to the runtime's config. Host, port and
 * namespace are left out when unset, so the agent's declaration (then the defaults) applies.
 */
export function toMeshConfig(env: MeshEnv): Partial<MeshConfig> {
  const config: Partial<MeshConfig> = {
    registryUrl: env.MCP_MESH_REGISTRY_URL.replace(/\/+$/, ''),
    healthIntervalMs: env.MCP_MESH_HEALTH_INTERVAL,
    logLevel: env.MCP_MESH_LOG_LEVEL,
    retryAttempts: env.MCP_MESH_RETRY_ATTEMPTS,
    retryDelayMs: env.MCP_MESH_RETRY_DELAY,
    discoveryTimeoutMs: env.MCP_MESH_DISCOVERY_TIMEOUT,
    dependencyTimeoutMs: env.DEPENDENCY_TIMEOUT,
    circuitBreakerThreshold: env.CIRCUIT_BREAKER_THRESHOLD,
    maxConnectionsPerProvider: env.MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER,
    transport: env.MCP_MESH_TRANSPORT,
    tls: toTlsSettings(env),
  };
  if (env.MCP_MESH_HTTP_HOST !== undefined) config.httpHost = env.MCP_MESH_HTTP_HOST;
  if (env.MCP_MESH_BIND_HOST !== undefined) config.bindHost = env.MCP_MESH_BIND_HOST;
  if (env.MCP_MESH_HTTP_PORT !== undefined) config.httpPort = env.MCP_MESH_HTTP_PORT;
  if (env.MCP_MESH_PROBE_PORT !== undefined) config.probePort = env.MCP_MESH_PROBE_PORT;
  if (env.MCP_MESH_NAMESPACE !== undefined) config.namespace = env.MCP_MESH_NAMESPACE;
  if (env.MCP_MESH_AGENT_ID !== undefined) config.agentId = env.MCP_MESH_AGENT_ID;
  if (env.MCP_MESH_AGENT_VERSION !== undefined) config.agentVersion = env.MCP_MESH_AGENT_VERSION;
  const telemetry = toTelemetrySettings(env);
  if (telemetry !== undefined) config.telemetry = telemetry;
  return config;
}

/** Layers config: defaults, then the agent's declaration, then what the caller gave (env or test). */
export function resolveMeshConfig(
  declared: Partial<MeshConfig>,
  given: Partial<MeshConfig> = {},
): MeshConfig {
  const merged: MeshConfig = { ...defaultMeshConfig };
  for (const layer of [declared, given]) {
    for (const [key, value] of Object.entries(layer)) {
      if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
    }
  }
  if (given.bindHost === undefined && declared.bindHost === undefined) merged.bindHost = merged.httpHost;
  checkMaxConnections(merged.maxConnectionsPerProvider);
  return merged;
}

/** The env schema checks the variable; this checks a value given in code (a declaration, a test). */
function checkMaxConnections(value: number): void {
  const { min, max } = MAX_CONNECTIONS_PER_PROVIDER;
  if (Number.isInteger(value) && value >= min && value <= max) return;
  throw new MeshError(
    'CONFIG_INVALID',
    `maxConnectionsPerProvider (MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER) must be an integer from ${min} to ${max}; got ${String(value)}`,
    { data: { setting: 'maxConnectionsPerProvider', value, min, max } },
  );
}

/** `${name}-${8 hex}`: unique per process, so every replica registers separately. */
export function newAgentId(name: string): string {
  return `${name.slice(0, 55)}-${randomBytes(4).toString('hex')}`;
}
