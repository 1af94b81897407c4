import type { Cache } from './cache.js';

interface Entry {
  json: string;
  expiresAt: number;
}

export interface MemoryCacheOptions {
  prefix: string;
  maxEntries: number;
  /** Injectable clock for tests. */
  now?: () => number;
}

/**
 * Per-process LRU with TTL. Values are stored as JSON so callers get copies, exactly as from Redis.
 * Map insertion order is the recency order: a hit re-inserts its entry at the end.
 */
export class MemoryCache implements Cache {
  readonly #entries = new Map<string, Entry>();
  readonly #prefix: string;
  readonly #maxEntries: number;
  readonly #now: () => number;

  constructor(options: MemoryCacheOptions) {
    this.#prefix = options.prefix;
    this.#maxEntries = Math.max(1, options.maxEntries);
    this.#now = options.now ?? Date.now;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const fullKey = this.#prefix + key;
    const entry = this.#entries.get(fullKey);
    if (entry === undefined) return undefined;
    this.#entries.delete(fullKey);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(fullKey, entry);
    return JSON.parse(entry.json) as T;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const fullKey = this.#prefix + key;
    this.#entries.delete(fullKey);
    if (ttlMs <= 0 || value === undefined) return;
    this.#entries.set(fullKey, { json: JSON.stringify(value), expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) break;
      this.#entries.delete(oldest.value);
    }
  }

  async delete(...keys: string[]): Promise<void> {
    for (const key of keys) this.#entries.delete(this.#prefix + key);
  }

  /** Number of live and not yet evicted entries (for tests and metrics). */
  get size(): number {
    return this.#entries.size;
  }

  async close(): Promise<void> {
    this.#entries.clear();
  }
}
