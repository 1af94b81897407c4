import { silentLogger, type Logger } from '@mesh/common';
import { MemoryCache } from './memory-cache.js';
import { RedisCache } from './redis-cache.js';

/**
 * A read-through cache seam. Values are JSON-serialisable. A cache is an optimisation: implementations
 * degrade to misses (logged) rather than failing the caller when their server is down.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  close(): Promise<void>;
}

export interface CreateCacheOptions {
  /** Redis when given (shared by replicas); otherwise a per-process LRU. */
  redisUrl?: string | undefined;
  /** Namespaces keys, e.g. `db:` (required so apps sharing a Redis never collide). */
  prefix: string;
  logger?: Logger;
  /** In-memory only: the most entries kept. */
  maxEntries?: number;
}

/** Redis (ioredis) when `redisUrl` is set, else an in-memory LRU with TTL. */
export function createCache(options: CreateCacheOptions): Cache {
  const logger = options.logger ?? silentLogger();
  if (options.redisUrl !== undefined && options.redisUrl !== '') {
    return new RedisCache({ url: options.redisUrl, prefix: options.prefix, logger });
  }
  return new MemoryCache({ prefix: options.prefix, maxEntries: options.maxEntries ?? 10_000 });
}
