import type { SharedStore } from './shared-store.js';
import { hitIncrement, windowIndex } from './shared-store.js';

export interface MemorySharedStoreOptions {
  prefix: string;
  now?: () => number;
}

/** Process-local store for single-process runs and unit tests. */
export class MemorySharedStore implements SharedStore {
  readonly #counters = new Map<string, { window: number; count: number; expiresAt: number }>();
  readonly #flags = new Map<string, number>();
  readonly #prefix: string;
  readonly #now: () => number;

  constructor(options: MemorySharedStoreOptions) {
    this.#prefix = options.prefix;
    this.#now = options.now ?? Date.now;
  }

  async hit(key: string, windowMs: number, by = 1): Promise<number> {
    const increment = hitIncrement(by);
    const now = this.#now();
    const window = windowIndex(now, windowMs);
    const fullKey = this.#prefix + key;
    const current = this.#counters.get(fullKey);
    const count = current !== undefined && current.window === window ? current.count + increment : increment;
    this.#counters.set(fullKey, { window, count, expiresAt: (window + 1) * windowMs });
    if (this.#counters.size > 10_000) this.#sweep(now);
    return count;
  }

  async resetCount(key: string): Promise<void> {
    this.#counters.delete(this.#prefix + key);
  }

  async setFlag(key: string, ttlMs: number): Promise<void> {
    this.#flags.set(this.#prefix + key, this.#now() + ttlMs);
  }

  async hasFlag(key: string): Promise<boolean> {
    const expiresAt = this.#flags.get(this.#prefix + key);
    if (expiresAt === undefined) return false;
    if (expiresAt > this.#now()) return true;
    this.#flags.delete(this.#prefix + key);
    return false;
  }

  async flagTtlMs(key: string): Promise<number> {
    const expiresAt = this.#flags.get(this.#prefix + key);
    return expiresAt === undefined ? 0 : Math.max(0, expiresAt - this.#now());
  }

  async close(): Promise<void> {
    this.#counters.clear();
    this.#flags.clear();
  }

  #sweep(now: number): void {
    for (const [key, value] of this.#counters) if (value.expiresAt <= now) this.#counters.delete(key);
    for (const [key, expiresAt] of this.#flags) if (expiresAt <= now) this.#flags.delete(key);
  }
}
