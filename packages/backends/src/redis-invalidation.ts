import type { Redis } from 'ioredis';
import type { Logger } from '@mesh/common';
import type { InvalidationChannel } from './near-cache.js';
import { closeRedisClient, createRedisClient } from './redis-client.js';

export interface RedisInvalidationOptions {
  url: string;
  /** The pub/sub channel; every process of one cache uses the same name. */
  channel: string;
  logger: Logger;
}

type Handlers = Parameters<InvalidationChannel['subscribe']>[0];

/**
 * Invalidations over Redis pub/sub: one connection publishes, another subscribes (a subscribed connection can
 * do nothing else). Pub/sub keeps nothing for a subscriber that was away, so the channel is `live` only from
 * a confirmed subscription until its connection closes, and each (re-)subscription reports a gap. It
 * subscribes itself on every connect instead of ioredis's automatic re-subscription, so it knows when the
 * subscription stands again.
 */
export class RedisInvalidation implements InvalidationChannel {
  readonly #publisher: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #logger: Logger;
  #live = false;
  #closed = false;

  constructor(options: RedisInvalidationOptions) {
    this.#channel = options.channel;
    this.#logger = options.logger;
    this.#publisher = createRedisClient(options.url, options.logger);
    this.#subscriber = createRedisClient(options.url, options.logger, { autoResubscribe: false });
  }

  get live(): boolean {
    return this.#live && this.#subscriber.status === 'ready';
  }

  async subscribe(handlers: Handlers): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#channel) deliver(message, handlers);
    });
    this.#subscriber.on('close', () => {
      // Whatever is published from now on is lost to this process until it subscribes again.
      if (!this.#live) return;
      this.#live = false;
      handlers.onGap();
    });
    this.#subscriber.on('ready', () => void this.#join(handlers));
    if (this.#subscriber.status === 'ready') await this.#join(handlers);
  }

  async #join(handlers: Handlers): Promise<void> {
    if (this.#closed) return;
    try {
      await this.#subscriber.subscribe(this.#channel);
      handlers.onGap();
      this.#live = true;
    } catch (error: unknown) {
      this.#logger.warn(
        { err: error instanceof Error ? error.message : String(error), channel: this.#channel },
        'cache invalidations not subscribed; the near cache misses until the next connect',
      );
    }
  }

  async publish(keys: readonly string[]): Promise<void> {
    try {
      await this.#publisher.publish(this.#channel, JSON.stringify(keys));
    } catch (error: unknown) {
      // Redis is away: the other processes' subscriptions are down too (same server), so they hold nothing.
      this.#logger.warn(
        { err: error instanceof Error ? error.message : String(error), channel: this.#channel },
        'cache invalidation not published',
      );
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    await Promise.all([closeRedisClient(this.#subscriber), closeRedisClient(this.#publisher)]);
  }
}

/** An announcement: a JSON array of keys; anything else is treated as "everything may have changed". */
function deliver(message: string, handlers: Handlers): void {
  try {
    const keys = JSON.parse(message) as unknown;
    if (Array.isArray(keys)) handlers.onKeys(keys.filter((key): key is string => typeof key === 'string'));
    else handlers.onGap();
  } catch {
    handlers.onGap();
  }
}
