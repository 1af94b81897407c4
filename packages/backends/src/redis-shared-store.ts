import type { Logger } from '@mesh/common';
import type { Redis } from 'ioredis';
import { closeRedisClient, createRedisClient } from './redis-client.js';
import type { SharedStore } from './shared-store.js';
import { hitIncrement, windowIndex } from './shared-store.js';

export interface RedisSharedStoreOptions {
  url: string;
  prefix: string;
  logger: Logger;
  now?: () => number;
}

/** Counters and flags in Redis. Unlike the cache, failures propagate: callers decide to fail open or closed. */
export class RedisSharedStore implements SharedStore {
  readonly #client: Redis;
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(options: RedisSharedStoreOptions) {
    this.#client = createRedisClient(options.url, options.logger);
    this.#prefix = options.prefix;
    this.#now = options.now ?? Date.now;
  }

  async hit(key: string, windowMs: number, by = 1): Promise<number> {
    const increment = hitIncrement(by);
    const window = windowIndex(this.#now(), windowMs);
    const fullKey = `${this.#prefix}hit:${key}:${window}`;
    const results = await this.#client
      .multi()
      .incrby(fullKey, increment)
      .pexpire(fullKey, windowMs * 2)
      .exec();
    const [incrError, count] = results?.[0] ?? [new Error('redis transaction aborted'), 0];
    if (incrError) throw incrError;
    return Number(count);
  }

  async resetCount(key: string, windowMs: number): Promise<void> {
    await this.#client.del(`${this.#prefix}hit:${key}:${windowIndex(this.#now(), windowMs)}`);
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    await this.#client.set(`${this.#prefix}flag:${key}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async hasFlag(key: string): Promise<boolean> {
    return (await this.#client.exists(`${this.#prefix}flag:${key}`)) === 1;
  }

  async flagTtlMs(key: string): Promise<number> {
    // PTTL answers -2 for a missing key and -1 for one without expiry (never set here).
    return Math.max(0, await this.#client.pttl(`${this.#prefix}flag:${key}`));
  }

  async close(): Promise<void> {
    await closeRedisClient(this.#client);
  }
}
