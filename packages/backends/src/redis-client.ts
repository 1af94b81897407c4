import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@mesh/common';
import { redactUrl } from './redis-config.js';

/**
 * An ioredis client tuned for request paths: commands fail fast (one retry, 1 s timeout) instead of queueing
 * for ever while the server is away; the client keeps reconnecting in the background. `options` adds to or
 * overrides these.
 */
export function createRedisClient(url: string, logger: Logger, options: RedisOptions = {}): Redis {
  const client = new Redis(url, {
    maxRetriesPerRequest: 1,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
    ...options,
  });
  let warned = false;
  client.on('error', (error: Error) => {
    if (warned) return;
    warned = true;
    logger.warn({ err: error.message, redis: redactUrl(url) }, 'redis unavailable; retrying in background');
  });
  client.on('ready', () => {
    if (warned) logger.info({ redis: redactUrl(url) }, 'redis connection restored');
    warned = false;
  });
  return client;
}

/** Quits gracefully, or disconnects when the server is unreachable. */
export async function closeRedisClient(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}
