/** One counter increment waiting to be written. */
interface PendingKey {
  expiresAt: Date;
  waiters: { resolve(count: number): void; reject(error: unknown): void }[];
}

/** Writes a batch of increments (`by` per key, keys sorted) and returns each key's count after it. */
export type IncrementWriter = (
  keys: string[],
  by: number[],
  expiresAt: Date[],
) => Promise<Map<string, number>>;

/**
 * Group commit for shared counters: increments that arrive while a write is in flight go out together in the
 * next one, as one statement. Each caller still gets the exact count its own hit produced (a batch of n hits on
 * a key that ends at C hands out C-n+1 … C), so fixed-window limits stay exact. With one hit at a time this is
 * one write per hit, as before; under load the writes per hit fall with the batch size.
 */
export class CounterBatcher {
  #pending = new Map<string, PendingKey>();
  #flushing = false;

  constructor(private readonly write: IncrementWriter) {}

  increment(key: string, expiresAt: Date): Promise<number> {
    return new Promise((resolve, reject) => {
      let entry = this.#pending.get(key);
      if (!entry) {
        entry = { expiresAt, waiters: [] };
        this.#pending.set(key, entry);
      }
      entry.waiters.push({ resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // After the current tick, so hits made in the same tick share the first write.
        queueMicrotask(() => void this.#drain());
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = this.#pending;
      this.#pending = new Map();
      // Sorted keys: concurrent batches from several replicas lock rows in one order and never deadlock.
      const keys = [...batch.keys()].sort();
      try {
        const counts = await this.write(
          keys,
          keys.map((key) => batch.get(key)!.waiters.length),
          keys.map((key) => batch.get(key)!.expiresAt),
        );
        for (const key of keys) {
          const { waiters } = batch.get(key)!;
          const last = counts.get(key) ?? waiters.length;
          waiters.forEach((waiter, index) => waiter.resolve(last - waiters.length + 1 + index));
        }
      } catch (error: unknown) {
        for (const { waiters } of batch.values()) for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.#flushing = false;
  }
}
