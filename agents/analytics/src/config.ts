import { z } from 'zod';
import { envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { postgresEnvShape, rabbitmqEnvShape } from '@mesh/backends';
import { meshEnvSchema } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  ...postgresEnvShape,
  ...rabbitmqEnvShape,
  /** Flush when this many events wait. */
  BATCH_SIZE: envInt(1000, 1, 100_000),
  /** Flush at least this often; a bare number is seconds (the seed's `60`), or `5s`, `500ms`. */
  PROCESSING_INTERVAL: envDurationMs('60'),
  /** Events held in memory at most while PostgreSQL is unavailable. */
  ANALYTICS_MAX_BUFFERED: envInt(100_000, 1),
  /**
   * Unacked bus deliveries at most: each waits (unacked) until its batch commits, so this also bounds the
   * events held in memory for the bus.
   */
  ANALYTICS_PREFETCH: envInt(100, 1, 10_000),
  /** Deliveries of one bus message before it goes to `<queue>.dlq`. */
  ANALYTICS_MAX_ATTEMPTS: envInt(5, 1, 100),
  /** Batch writes failing in a row after which /health reports the agent unhealthy. */
  ANALYTICS_UNHEALTHY_AFTER: envInt(3, 1, 1000),
  /** Durable queue bound to `orders.*`; replicas share it (competing consumers). */
  ANALYTICS_QUEUE: z.string().min(1).default('analytics-agent.order-events'),
});

export type AnalyticsAgentConfig = Readonly<z.output<typeof schema>>;

/** The analytics agent's settings. */
export function loadConfig(env: Env = process.env): AnalyticsAgentConfig {
  const resolved = resolveSecretFiles(withoutEmpty(env), ['DB_PASSWORD', 'RABBITMQ_URL']);
  return parseEnvConfig(schema, resolved, 'analytics-agent');
}

/** Compose passes unset variables as empty strings (`${SMS_PROVIDER_URL:-}`): treat those as unset. */
function withoutEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
}
