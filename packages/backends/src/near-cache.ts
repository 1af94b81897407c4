import type { Cache } from './cache.js';
import { MemoryCache } from './memory-cache.js';

/**
 * Tells every process sharing a cache that keys changed. `live` is false while messages may be missed (not
 * yet subscribed, or the connection is down): a near cache must not answer from memory then.
 */
export interface InvalidationChannel {
  /** Announces changed keys to every subscriber, this process included. */
  publish(keys: readonly string[]): Promise<void>;
  /** `onKeys` for each announcement; `onGap` when announcements may have been lost (a reconnect). */
  subscribe(handlers: { onKeys(keys: readonly string[]): void; onGap(): void }): Promise<void>;
  readonly live: boolean;
  close(): Promise<void>;
}

export interface NearCacheOptions {
  channel: InvalidationChannel;
  maxEntries: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

/**
 * A per-process cache kept true by invalidation messages: a hit costs no network round trip at all, and a
 * `delete` in any process (after the write it follows) evicts the key everywhere. While the channel is not live
 * every `get` misses, so a lost message can never leave a stale entry standing; a reconnect empties the cache.
 *
 * A read racing a change: the loader may read the old value, then the change's message evicts the key, then
 * the loader stores what it read. `set` refuses a value when an invalidation of its key (or a gap) arrived
 * after that key's last miss, so the old value is not stored.
 */
export class NearCache implements Cache {
  readonly #entries: MemoryCache;
  readonly #channel: InvalidationChannel;
  /** Invalidations seen so far, and when each key (or everything: a gap) was last invalidated. */
  #sequence = 0;
  #gapAt = 0;
  readonly #invalidatedAt = new Map<string, number>();
  /** The sequence at the first miss of a key not yet stored (its loader may be reading an old value). */
  readonly #missedAt = new Map<string, number>();
  readonly #maxEntries: number;

  constructor(options: NearCacheOptions) {
    this.#maxEntries = options.maxEntries;
    this.#entries = new MemoryCache({ prefix: '', maxEntries: options.maxEntries, now: options.now });
    this.#channel = options.channel;
  }

  /** Subscribes to the channel; until then (and whenever it is down) every read misses. */
  start(): Promise<void> {
    return this.#channel.subscribe({
      onKeys: (keys) => this.#evict(keys),
      onGap: () => this.#evictAll(),
    });
  }

  async get<T>(key: string): Promise<T | undefined> {
    const hit = this.#channel.live ? await this.#entries.get<T>(key) : undefined;
    if (hit === undefined && !this.#missedAt.has(key)) {
      if (this.#missedAt.size >= this.#maxEntries) this.#missedAt.clear();
      this.#missedAt.set(key, this.#sequence);
    }
    return hit;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const missedAt = this.#missedAt.get(key);
    this.#missedAt.delete(key);
    // Unknown miss (a set without a get first): only a channel that is live now may be trusted.
    const since = missedAt ?? this.#sequence;
    const changedSince = (this.#invalidatedAt.get(key) ?? 0) > since || this.#gapAt > since;
    if (changedSince || !this.#channel.live) return;
    await this.#entries.set(key, value, ttlMs);
  }

  /** Evicts the keys here and announces them to every other process. */
  async delete(...keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    this.#evict(keys);
    await this.#channel.publish(keys);
  }

  close(): Promise<void> {
    return this.#channel.close();
  }

  #evict(keys: readonly string[]): void {
    this.#sequence += 1;
    if (this.#invalidatedAt.size >= this.#maxEntries) {
      // Forgetting when keys changed would let a racing old read in: treat it as a gap instead.
      this.#invalidatedAt.clear();
      this.#gapAt = this.#sequence;
    }
    for (const key of keys) this.#invalidatedAt.set(key, this.#sequence);
    void this.#entries.delete(...keys);
  }

  #evictAll(): void {
    this.#sequence += 1;
    this.#gapAt = this.#sequence;
    this.#invalidatedAt.clear();
    // Closing a memory cache only empties it; it stays usable.
    void this.#entries.close();
  }
}
