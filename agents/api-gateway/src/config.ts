import { postgresEnvShape, redisEnvShape, toPgConfig, toRedisUrl, type PgConfig } from '@mesh/backends';
import { envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import type { BlockList } from 'node:net';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';
import { parseTrustedProxies } from './client-address.js';

/** An optional port: unset stays undefined (so the next source in line applies). */
const optionalPort = z
  .string()
  .regex(/^\d{1,5}$/, 'expected a port number')
  .transform(Number)
  .pipe(z.number().int().min(0).max(65535))
  .optional();

const schema = meshEnvSchema
  .extend({
    ...postgresEnvShape,
    ...redisEnvShape,
    /** Public port (GATEWAY_PORT, else PORT, else MCP_MESH_HTTP_PORT, else 8080). */
    GATEWAY_PORT: optionalPort,
    PORT: optionalPort,
    /** Interface to listen on (0.0.0.0 in containers). */
    HOST: z.string().min(1).default('127.0.0.1'),
    /** Requests per client per minute; a client is the token's subject, else the address. */
    RATE_LIMIT: envInt(1000, 1, 100_000_000),
    RATE_LIMIT_WINDOW: envDurationMs('60s'),
    /**
     * How often the token keys auth-agent publishes are fetched again. Auth publishes each key a rotation period
     * before it signs, and a token under an unknown kid triggers a fetch at once, so this only bounds staleness.
     */
    AUTH_KEYS_REFRESH: envDurationMs('5m'),
    /** How often revocations are polled: a revoked token is refused within this plus one call. */
    AUTH_REVOCATION_POLL: envDurationMs('1s'),
    /** Largest request body in bytes. */
    BODY_LIMIT: envInt(65_536, 256, 10_485_760),
    /** The saga's own timeout; POST /orders waits this plus room for compensation. */
    ORDER_PROCESSING_TIMEOUT: envDurationMs('30s'),
    /**
     * How long POST /orders waits for the order agent. Default: twice ORDER_PROCESSING_TIMEOUT plus 15 s, because
     * under a burst an order may queue before its saga clock starts; a client that gives up earlier sees 504
     * while the order still settles (GET /orders/:id tells how).
     */
    GATEWAY_ORDER_TIMEOUT: envDurationMs('0s'),
    /** Timeout of the other upstream calls. */
    GATEWAY_REQUEST_TIMEOUT: envDurationMs('10s'),
    /**
     * Peers whose X-Forwarded-For is believed (addresses or CIDR ranges, comma-separated; `none` trusts none).
     * Loopback by default: locally only processes on this machine reach the gateway; in compose, nginx's network.
     */
    TRUSTED_PROXIES: z.string().default('127.0.0.0/8,::1'),
    /**
     * Requests served at once; past it requests wait in a bounded queue (GATEWAY_MAX_QUEUED, for at most
     * GATEWAY_QUEUE_TIMEOUT), and past that are answered 503 with Retry-After at once (load shedding), so an
     * overload is a clear answer rather than a queue that ends in reset sockets. Probes are never shed.
     */
    GATEWAY_MAX_IN_FLIGHT: envInt(256, 1, 1_000_000),
    /** Requests that may wait for a free slot, in arrival order, so a burst is served (0: shed at once). */
    GATEWAY_MAX_QUEUED: envInt(1_024, 0, 1_000_000),
    /** Longest a request waits in that queue before it is shed. */
    GATEWAY_QUEUE_TIMEOUT: envDurationMs('10s'),
    /** Retry-After on 503 answers (an outage, shed load), rounded up to whole seconds. */
    GATEWAY_RETRY_AFTER: envDurationMs('2s'),
  })
  .superRefine((env, ctx) => {
    if (env.AUTH_KEYS_REFRESH < 10_000 || env.AUTH_KEYS_REFRESH > 3_600_000) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_KEYS_REFRESH'], message: 'must be from 10s to 1h' });
    }
    if (env.AUTH_REVOCATION_POLL < 100 || env.AUTH_REVOCATION_POLL > 60_000) {
      ctx.addIssue({ code: 'custom', path: ['AUTH_REVOCATION_POLL'], message: 'must be from 100ms to 60s' });
    }
    const { invalid } = parseTrustedProxies(env.TRUSTED_PROXIES);
    if (invalid.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['TRUSTED_PROXIES'],
        message: `not an address or CIDR range: ${invalid.join(', ')}`,
      });
    }
  });

export type GatewayEnv = z.output<typeof schema>;

/** api-gateway's settings in plain units. */
export interface GatewayConfig {
  readonly env: GatewayEnv;
  /** Mesh runtime config; its own HTTP port is moved off the public one. */
  readonly mesh: Partial<MeshConfig>;
  readonly host: string;
  readonly port: number;
  /** For the shared rate-limit counters when there is no Redis. */
  readonly postgres: PgConfig | undefined;
  readonly redisUrl: string | undefined;
  readonly rateLimit: number;
  readonly rateLimitWindowMs: number;
  readonly authKeysRefreshMs: number;
  readonly authRevocationPollMs: number;
  readonly bodyLimitBytes: number;
  readonly orderTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Peers whose X-Forwarded-For names the client. */
  readonly trustedProxies: BlockList;
  readonly maxInFlight: number;
  readonly maxQueued: number;
  readonly queueTimeoutMs: number;
  readonly retryAfterSeconds: number;
}

/**
 * Reads the environment. The orchestrator hands every agent MCP_MESH_HTTP_PORT; for the gateway that is its
 * public port, so the mesh runtime's own endpoint (which serves no tools here) moves to a free port.
 */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const parsed = parseEnvConfig(
    schema,
    resolveSecretFiles(env, ['DB_PASSWORD', 'REDIS_PASSWORD']),
    'api-gateway',
  );
  // MCP_MESH_HTTP_PORT parses to 0 when unset (0 = any free port), so only a real port counts here.
  const orchestratorPort = parsed.MCP_MESH_HTTP_PORT ? parsed.MCP_MESH_HTTP_PORT : undefined;
  const port = parsed.GATEWAY_PORT ?? parsed.PORT ?? orchestratorPort ?? 8080;
  const mesh = toMeshConfig(parsed);
  if (mesh.httpPort === port) mesh.httpPort = 0;
  return Object.freeze({
    env: parsed,
    mesh,
    host: parsed.HOST,
    port,
    postgres: toPgConfig(parsed, { defaultDatabase: 'mcp_mesh' }),
    redisUrl: toRedisUrl(parsed),
    rateLimit: parsed.RATE_LIMIT,
    rateLimitWindowMs: parsed.RATE_LIMIT_WINDOW,
    authKeysRefreshMs: parsed.AUTH_KEYS_REFRESH,
    authRevocationPollMs: parsed.AUTH_REVOCATION_POLL,
    bodyLimitBytes: parsed.BODY_LIMIT,
    orderTimeoutMs: parsed.GATEWAY_ORDER_TIMEOUT || parsed.ORDER_PROCESSING_TIMEOUT * 2 + 15_000,
    requestTimeoutMs: parsed.GATEWAY_REQUEST_TIMEOUT,
    trustedProxies: parseTrustedProxies(parsed.TRUSTED_PROXIES).list,
    maxInFlight: parsed.GATEWAY_MAX_IN_FLIGHT,
    maxQueued: parsed.GATEWAY_MAX_QUEUED,
    queueTimeoutMs: parsed.GATEWAY_QUEUE_TIMEOUT,
    retryAfterSeconds: Math.max(1, Math.ceil(parsed.GATEWAY_RETRY_AFTER / 1000)),
  });
}
