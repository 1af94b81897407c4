import type { CartStore, StoredCart } from './cart-store.js';

/** Carts in this process's memory: for tests and a single replica without Redis or PostgreSQL. */
export class MemoryCartStore implements CartStore {
  readonly #carts = new Map<string, { json: string; rev: number; expiresAt: number }>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  async load(userId: string): Promise<StoredCart | undefined> {
    const entry = this.#live(userId);
    return entry === undefined ? undefined : (JSON.parse(entry.json) as StoredCart);
  }

  async save(userId: string, cart: StoredCart, expectedRev: number | null, ttlMs: number): Promise<boolean> {
    const current = this.#live(userId);
    if ((current?.rev ?? null) !== expectedRev) return false;
    this.#carts.set(userId, { json: JSON.stringify(cart), rev: cart.rev, expiresAt: this.#now() + ttlMs });
    return true;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.#carts.clear();
  }

  #live(userId: string) {
    const entry = this.#carts.get(userId);
    if (entry !== undefined && entry.expiresAt <= this.#now()) {
      this.#carts.delete(userId);
      return undefined;
    }
    return entry;
  }
}
