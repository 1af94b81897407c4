import { MeshError } from '@mesh/common';

export interface OutboundBatcherOptions<T, R> {
  /** For error messages (`email`, `analytics`). */
  name: string;
  /** A batch goes out as soon as this many items wait. */
  maxBatch: number;
  /** ...or this long after the first item of a batch arrived, whichever comes first. */
  maxDelayMs: number;
  /** Items waiting beyond this are refused at once (the receiver is down or far behind). */
  maxQueued: number;
  /** Sends one batch; resolves with one result per item, in order. */
  send(items: T[]): Promise<R[]>;
}

interface Waiting<T, R> {
  item: T;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects fire-and-forget items (confirmation emails, order events) and sends them in batches: one call
 * per batch instead of one per order, so the receiving agent wakes once for many items. Each `add` still
 * settles with its own item's result, or with the batch's error.
 */
export class OutboundBatcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: OutboundBatcherOptions<T, R>) {
    if (options.maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
  }

  /** Items waiting to be sent (not counting batches in flight). */
  get queued(): number {
    return this.queue.length;
  }

  add(item: T): Promise<R> {
    if (this.queue.length >= this.options.maxQueued) {
      return Promise.reject(
        new MeshError(
          'OVERLOADED',
          `${this.options.name}: ${this.queue.length} items already wait to be sent`,
        ),
      );
    }
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (this.queue.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Sends what waits now, in batches of at most `maxBatch`. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.options.maxBatch);
      const sent = this.sendBatch(batch).finally(() => this.sending.delete(sent));
      this.sending.add(sent);
    }
  }

  /** Sends what waits and resolves once every batch has settled (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  private async sendBatch(batch: Waiting<T, R>[]): Promise<void> {
    try {
      const results = await this.options.send(batch.map((waiting) => waiting.item));
      batch.forEach((waiting, index) => {
        if (index < results.length) waiting.resolve(results[index] as R);
        else
          waiting.reject(new MeshError('REMOTE_ERROR', `${this.options.name}: no result for item ${index}`));
      });
    } catch (error: unknown) {
      for (const waiting of batch) waiting.reject(error);
    }
  }
}
