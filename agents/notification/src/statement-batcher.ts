/** One call waiting for its share of a batch statement. */
interface Waiting<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Gathers calls into batch statements, one in flight at a time: the calls of one turn of the event loop go
 * together, and so do all that arrive while a statement is in flight, in the next one (group commit). Under
 * load, replies come back one per turn, so batching by turn alone sent nearly one statement per call; a call
 * now waits at most for the statement ahead of it. `run` returns one result per item, in order.
 */
export class StatementBatcher<I, R> {
  #waiting: Waiting<I, R>[] = [];
  #scheduled = false;
  #inFlight = false;

  constructor(private readonly run: (items: readonly I[]) => Promise<R[]>) {}

  add(item: I): Promise<R> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    const batch = this.#waiting.splice(0);
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
