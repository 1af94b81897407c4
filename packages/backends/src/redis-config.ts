import { envDurationMs, envInt, envUrl } from '@mesh/common';
import { z } from 'zod';
import type { QueueSettings } from './amqp-queues.js';
import { unsetWhenEmpty } from './env-optional.js';

/**
 * Env vars naming a Redis server: REDIS_URL, or REDIS_HOST (CACHE_HOST as the seed's alias) + REDIS_PORT,
 * REDIS_PASSWORD (or REDIS_PASSWORD_FILE via resolveSecretFiles).
 */
export const redisEnvShape = {
  REDIS_URL: unsetWhenEmpty(envUrl(['redis', 'rediss'])),
  REDIS_HOST: unsetWhenEmpty(z.string().min(1)),
  CACHE_HOST: unsetWhenEmpty(z.string().min(1)),
  REDIS_PORT: envInt(6379, 1, 65535),
  REDIS_PASSWORD: z.string().optional(),
};

export interface RedisEnv {
  REDIS_URL?: string | undefined;
  REDIS_HOST?: string | undefined;
  CACHE_HOST?: string | undefined;
  REDIS_PORT: number;
  REDIS_PASSWORD?: string | undefined;
}

/** The Redis URL from parsed env, or undefined when none is configured (callers fall back to memory/PG). */
export function toRedisUrl(parsed: RedisEnv): string | undefined {
  if (parsed.REDIS_URL !== undefined) return parsed.REDIS_URL;
  const host = parsed.REDIS_HOST ?? parsed.CACHE_HOST;
  if (host === undefined) return undefined;
  const url = new URL('redis://localhost');
  url.hostname = host.includes(':') ? `[${host}]` : host;
  url.port = String(parsed.REDIS_PORT);
  if (parsed.REDIS_PASSWORD !== undefined && parsed.REDIS_PASSWORD !== '')
    url.password = parsed.REDIS_PASSWORD;
  return url.toString();
}

/**
 * Env vars naming a RabbitMQ broker (RABBITMQ_URL, or RABBITMQ_URL_FILE via resolveSecretFiles), how long
 * a consumer that starts before the broker waits for it (RABBITMQ_STARTUP_TIMEOUT), and how consumer queues
 * are declared (RABBITMQ_QUEUE_TYPE, RABBITMQ_QUEUE_MAX_LENGTH; see QueueSettings).
 */
export const rabbitmqEnvShape = {
  RABBITMQ_URL: unsetWhenEmpty(envUrl(['amqp', 'amqps'])),
  RABBITMQ_STARTUP_TIMEOUT: envDurationMs('120s'),
  RABBITMQ_QUEUE_TYPE: z.enum(['quorum', 'classic']).default('quorum'),
  RABBITMQ_QUEUE_MAX_LENGTH: envInt(100_000, 1, 100_000_000),
};

/** The queue settings from parsed `rabbitmqEnvShape` values. */
export function toQueueSettings(parsed: {
  RABBITMQ_QUEUE_TYPE: 'quorum' | 'classic';
  RABBITMQ_QUEUE_MAX_LENGTH: number;
}): QueueSettings {
  return { type: parsed.RABBITMQ_QUEUE_TYPE, maxLength: parsed.RABBITMQ_QUEUE_MAX_LENGTH };
}

/** A URL with its password masked, for logs. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(invalid url)';
  }
}
