/** One caller's increment, waiting for the write that carries it. */
interface Waiter {
  by: number;
  resolve(count: number): void;
  reject(error: unknown): void;
}

/** The increments of one key waiting to be written. */
interface PendingKey {
  expiresAt: Date;
  waiters: Waiter[];
}

/** Writes a batch of increments (`by` per key, keys sorted) and returns each key's count after it. */
export type IncrementWriter = (
  keys: string[],
  by: number[],
  expiresAt: Date[],
) => Promise<Map<string, number>>;

/**
 * Group commit for shared counters: increments that arrive while a write is in flight go out together in the
 * next one, as one statement, summed per key. Each caller still gets the exact count its own increment produced
 * (increments of 1, 3 and 2 on a key that ends at C get C-5, C-2 and C), so fixed-window limits stay exact.
 * With one increment at a time this is one write per increment; under load the writes per increment fall
 * with the batch size.
 */
export class CounterBatcher {
  #pending = new Map<string, PendingKey>();
  #flushing = false;

  constructor(private readonly write: IncrementWriter) {}

  /** Adds `by` (default 1) to `key`; resolves to the key's count after this increment. */
  increment(key: string, expiresAt: Date, by = 1): Promise<number> {
    return new Promise((resolve, reject) => {
      let entry = this.#pending.get(key);
      if (!entry) {
        entry = { expiresAt, waiters: [] };
        this.#pending.set(key, entry);
      }
      entry.waiters.push({ by, resolve, reject });
      if (!this.#flushing) {
        this.#flushing = true;
        // After the current tick, so increments made in the same tick share the first write.
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
      const totals = keys.map((key) => sumOf(batch.get(key)!.waiters));
      try {
        const counts = await this.write(
          keys,
          totals,
          keys.map((key) => batch.get(key)!.expiresAt),
        );
        keys.forEach((key, i) => {
          const { waiters } = batch.get(key)!;
          let count = (counts.get(key) ?? totals[i]!) - totals[i]!;
          for (const waiter of waiters) {
            count += waiter.by;
            waiter.resolve(count);
          }
        });
      } catch (error: unknown) {
        for (const { waiters } of batch.values()) for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.#flushing = false;
  }
}

function sumOf(waiters: readonly Waiter[]): number {
  return waiters.reduce((sum, waiter) => sum + waiter.by, 0);
}
