import type { Logger } from '@mesh/common';
import type { Redis } from 'ioredis';
import type { Cache } from './cache.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';

export interface RedisCacheOptions {
  url: string;
  prefix: string;
  logger: Logger;
}

/** A cache in Redis, shared by replicas; failures degrade to misses and are logged at debug/warn. */
export class RedisCache implements Cache {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #logger: Logger;

  constructor(options: RedisCacheOptions) {
    this.#client = createRedisClient(options.url, options.logger);
    this.#prefix = options.prefix;
    this.#logger = options.logger;
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const json = await this.#client.get(this.#prefix + key);
      return json === null ? undefined : (JSON.parse(json) as T);
    } catch (error: unknown) {
      this.#logger.debug({ err: String(error), key }, 'cache get failed; treating as a miss');
      return undefined;
    }
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (value === undefined || ttlMs <= 0) return;
    try {
      await this.#client.set(this.#prefix + key, JSON.stringify(value), 'PX', Math.ceil(ttlMs));
    } catch (error: unknown) {
      this.#logger.debug({ err: String(error), key }, 'cache set failed');
    }
  }

  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      await this.#client.del(...keys.map((key) => this.#prefix + key));
    } catch (error: unknown) {
      // A failed invalidation can leave a stale entry until its TTL: worth a warning.
      this.#logger.warn({ err: String(error), keys }, 'cache invalidation failed; entries expire by TTL');
    }
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client);
  }
}
