import {
  envDurationMs,
  envInt,
  envOptionalInt,
  envUrl,
  parseEnvConfig,
  envLogLevel,
  resolveSecretFiles,
} from '@mesh/common';
import type { Env, LogLevel } from '@mesh/common';
import { otelEnvShape, toTelemetrySettings } from '@mesh/telemetry';
import type { TelemetrySettings } from '@mesh/telemetry';
import { TLS_OFF, tlsEnvSchema, toTlsSettings } from '@mesh/trust';
import type { TlsSettings } from '@mesh/trust';
import { z } from 'zod';

const schema = z
  .object({
    MCP_MESH_REGISTRY_PORT: z.string().optional(),
    PORT: z.string().optional(),
    /** 0.0.0.0 so a container publishes it; set 127.0.0.1 to keep a local registry private. */
    MCP_MESH_REGISTRY_HOST: z.string().min(1).default('0.0.0.0'),
    /** Plain-HTTP `/health` on 127.0.0.1 for container health checks; off when unset, 0 = any free port. */
    MCP_MESH_PROBE_PORT: envOptionalInt(0, 65535),
    DATABASE_URL: envUrl(['postgres', 'postgresql']).optional(),
    DB_POOL_MAX: envInt(10, 1, 200),
    DEFAULT_TIMEOUT_THRESHOLD: envDurationMs('20s'),
    HEALTH_CHECK_INTERVAL: envDurationMs('10s'),
    /** How long an unhealthy agent stays listed before it is removed. */
    EVICTION_THRESHOLD: envDurationMs('300s'),
    WATCH_PING_INTERVAL: envDurationMs('15s'),
    MAX_BODY_BYTES: envInt(1024 * 1024, 1024, 64 * 1024 * 1024),
    MCP_MESH_LOG_LEVEL: envLogLevel(),
    /** Span export: the same OTEL_* variables as every agent (see @mesh/telemetry). */
    ...otelEnvShape,
    ...tlsEnvSchema.shape,
  })
  .transform((env, ctx) => {
    const rawPort = env.MCP_MESH_REGISTRY_PORT ?? env.PORT ?? '8000';
    const port = /^\d+$/.test(rawPort.trim()) ? Number(rawPort) : Number.NaN;
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      ctx.addIssue({
        code: 'custom',
        path: [env.MCP_MESH_REGISTRY_PORT === undefined ? 'PORT' : 'MCP_MESH_REGISTRY_PORT'],
        message: `expected a port from 0 to 65535; got "${rawPort}"`,
      });
      return z.NEVER;
    }
    if (env.EVICTION_THRESHOLD <= env.DEFAULT_TIMEOUT_THRESHOLD) {
      ctx.addIssue({
        code: 'custom',
        path: ['EVICTION_THRESHOLD'],
        message: 'must be longer than DEFAULT_TIMEOUT_THRESHOLD',
      });
      return z.NEVER;
    }
    let tls: TlsSettings;
    try {
      tls = toTlsSettings(env);
    } catch (error: unknown) {
      const problems = (error as { data?: { problems?: string[] } }).data?.problems ?? [String(error)];
      for (const problem of problems) {
        const [variable, ...rest] = problem.split(': ');
        ctx.addIssue({ code: 'custom', path: [variable ?? 'MCP_MESH_TLS_MODE'], message: rest.join(': ') });
      }
      return z.NEVER;
    }
    return {
      port,
      host: env.MCP_MESH_REGISTRY_HOST,
      probePort: env.MCP_MESH_PROBE_PORT,
      databaseUrl: env.DATABASE_URL,
      dbPoolMax: env.DB_POOL_MAX,
      timeoutThresholdMs: env.DEFAULT_TIMEOUT_THRESHOLD,
      healthCheckIntervalMs: env.HEALTH_CHECK_INTERVAL,
      evictionThresholdMs: env.EVICTION_THRESHOLD,
      watchPingIntervalMs: env.WATCH_PING_INTERVAL,
      maxBodyBytes: env.MAX_BODY_BYTES,
      logLevel: env.MCP_MESH_LOG_LEVEL as LogLevel,
      tls,
      telemetry: toTelemetrySettings(env) as TelemetrySettings | undefined,
    };
  });

/** Everything the registry reads from its environment. */
export type RegistryConfig = Readonly<z.output<typeof schema>>;

/** Defaults for in-process use (tests, embedding): loopback, any free port, memory store. */
export const defaultRegistryConfig: RegistryConfig = Object.freeze({
  port: 0,
  host: '127.0.0.1',
  probePort: undefined,
  databaseUrl: undefined,
  dbPoolMax: 10,
  timeoutThresholdMs: 20_000,
  healthCheckIntervalMs: 10_000,
  evictionThresholdMs: 300_000,
  watchPingIntervalMs: 15_000,
  maxBodyBytes: 1024 * 1024,
  logLevel: 'info' as LogLevel,
  tls: TLS_OFF,
  telemetry: undefined,
});

/** Reads and validates the registry's configuration; throws one CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): RegistryConfig {
  return parseEnvConfig(schema, resolveSecretFiles(env, ['DATABASE_URL']), 'mesh-registry');
}
