import { Redis } from 'ioredis';
import type { Logger } from '@mesh/common';
import type { CartStore, StoredCart } from './cart-store.js';

/**
 * Compare-and-set in one script: the revision is kept beside the JSON (a hash), so the check and the write
 * are atomic on the server and no replica's write is lost.
 */
const SAVE_SCRIPT = `
local current = redis.call('HGET', KEYS[1], 'rev')
if ARGV[1] == '' then
  if current then return 0 end
elseif current ~= ARGV[1] then
  return 0
end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'cart', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1`;

export interface RedisCartStoreOptions {
  url: string;
  /** Namespaces the keys (`cart:` by default) so apps sharing a Redis never collide. */
  prefix: string;
  logger: Logger;
}

/** Carts in Redis: one hash per user (`rev`, `cart`), expiring after the cart's TTL. */
export class RedisCartStore implements CartStore {
  readonly #client: Redis;
  readonly #prefix: string;

  constructor(options: RedisCartStoreOptions) {
    this.#prefix = options.prefix;
    // Fail fast instead of queueing while the server is away: a cart call then fails with a clear error.
    this.#client = new Redis(options.url, {
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
      connectTimeout: 2_000,
      retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    });
    let warned = false;
    this.#client.on('error', (error: Error) => {
      if (warned) return;
      warned = true;
      options.logger.warn({ err: error.message }, 'redis unavailable for carts; retrying in background');
    });
    this.#client.on('ready', () => {
      warned = false;
    });
  }

  async load(userId: string): Promise<StoredCart | undefined> {
    const json = await this.#client.hget(this.#key(userId), 'cart');
    return json === null ? undefined : (JSON.parse(json) as StoredCart);
  }

  async save(userId: string, cart: StoredCart, expectedRev: number | null, ttlMs: number): Promise<boolean> {
    const written = await this.#client.eval(
      SAVE_SCRIPT,
      1,
      this.#key(userId),
      expectedRev === null ? '' : String(expectedRev),
      String(cart.rev),
      JSON.stringify(cart),
      String(Math.max(1, Math.round(ttlMs))),
    );
    return written === 1;
  }

  async ping(): Promise<void> {
    await this.#client.ping();
  }

  async close(): Promise<void> {
    if (this.#client.status === 'end') return;
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  #key(userId: string): string {
    return `${this.#prefix}${userId}`;
  }
}
