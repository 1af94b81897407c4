/** One call waiting for its share of a batch statement. */
interface Waiting<I, R> {
  item: I;
  /** When the call arrived (ms, `Date.now()`): the oldest one's time starts the linger. */
  at: number;
  resolve(value: R): void;
  reject(error: unknown): void;
}

export interface StatementBatcherOptions {
  /**
   * How long the first call of a batch waits for others before the statement goes, for statements no one is
   * in a hurry for (0: at the next turn of the event loop).
   */
  lingerMs?: number;
  /** A batch this large goes at once, lingering or not. */
  maxBatch?: number;
}

/**
 * Gathers calls into batch statements, one in flight at a time: the calls of one turn of the event loop go
 * together, and so do all that arrive while a statement is in flight, in the next one (group commit). Under
 * load, replies come back one per turn, so batching by turn alone sent nearly one statement per call; a call
 * now waits at most for the statement ahead of it, plus `lingerMs` when set. `run` returns one result per
 * item, in order.
 */
export class StatementBatcher<I, R> {
  #waiting: Waiting<I, R>[] = [];
  /** The flush to come: a timer while lingering, else the next turn. */
  #scheduled: { timer: NodeJS.Timeout } | { immediate: NodeJS.Immediate } | undefined;
  #inFlight = false;
  readonly #lingerMs: number;
  readonly #maxBatch: number;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<R[]>,
    options: StatementBatcherOptions = {},
  ) {
    this.#lingerMs = options.lingerMs ?? 0;
    this.#maxBatch = options.maxBatch ?? 1_000;
  }

  add(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, at: Date.now(), resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight) return;
    const full = this.#waiting.length >= this.#maxBatch;
    if (this.#scheduled !== undefined) {
      if (!full || 'immediate' in this.#scheduled) return;
      clearTimeout(this.#scheduled.timer);
    }
    const wait = full ? 0 : this.#waiting[0]!.at + this.#lingerMs - Date.now();
    const flush = (): void => {
      this.#scheduled = undefined;
      void this.#flush();
    };
    this.#scheduled = wait > 0 ? { timer: setTimeout(flush, wait) } : { immediate: setImmediate(flush) };
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting.splice(0, this.#maxBatch);
    if (batch.length === 0) return;
    this.#inFlight = true;
    try {
      const results = await this.run(batch.map((w) => w.item));
      batch.forEach((w, index) => w.resolve(results[index] as R));
    } catch (error: unknown) {
      for (const w of batch) w.reject(error);
    } finally {
      this.#inFlight = false;
      if (this.#waiting.length > 0) this.#schedule();
    }
  }
}
