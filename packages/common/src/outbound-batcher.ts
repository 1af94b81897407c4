import { MeshError } from './mesh-error.js';

interface CommonOptions<T, R> {
  /** For error messages (`email`, `analytics`). */
  name: string;
  /** A batch goes out as soon as this many items wait. */
  maxBatch: number;
  /** Items waiting beyond this are refused at once (the receiver is down or far behind). */
  maxQueued: number;
  /** Sends one batch; resolves with one result per item, in order. */
  send(items: T[]): Promise<R[]>;
}

/** Window mode: a batch goes out `maxDelayMs` after its first item arrived (or when full). */
interface WindowOptions {
  maxDelayMs: number;
  maxInFlight?: undefined;
  lingerMs?: undefined;
}

/**
 * Coalescing mode: a batch goes out at once (same tick) while fewer than `maxInFlight` batches are under way;
 * otherwise its items wait until one returns. No delay is added at low load, and under load each call carries
 * whatever arrived while the previous one was in flight (the wait is bounded by that call's timeout).
 */
interface CoalescingOptions {
  maxInFlight: number;
  maxDelayMs?: undefined;
  /**
   * While busy (a batch left within the last `BUSY_LINGERS` lingers), a free slot waits until the oldest
   * waiting item is this old, or the batch is full, so items close behind it share the call. Quiet traffic
   * is sent at once, as without it. 0: no wait.
   */
  lingerMs?: number;
}

/** Traffic counts as busy while the last batch left less than this many lingers ago. */
const BUSY_LINGERS = 4;

export type OutboundBatcherOptions<T, R> = CommonOptions<T, R> & (WindowOptions | CoalescingOptions);

interface Waiting<T, R> {
  item: T;
  /** When it was added (Date.now()), for the linger. */
  at: number;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Collects items (confirmation emails, order events, reservation commits) and sends them in batches: one call
 * per batch instead of one per order, so the receiving agent wakes once for many items. Each `add` still
 * settles with its own item's result, or with the batch's error.
 */
export class OutboundBatcher<T, R> {
  private queue: Waiting<T, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private pumpQueued = false;
  private lingerTimer: NodeJS.Timeout | undefined;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private readonly sending = new Set<Promise<void>>();

  constructor(private readonly options: OutboundBatcherOptions<T, R>) {
    if (options.maxBatch < 1) throw new RangeError('maxBatch must be at least 1');
    if (options.maxInFlight !== undefined && options.maxInFlight < 1) {
      throw new RangeError('maxInFlight must be at least 1');
    }
  }

  /** Items waiting to be sent (not counting batches in flight). */
  get queued(): number {
    return this.queue.length;
  }

  /** Batches sent and not yet answered. */
  get inFlight(): number {
    return this.sending.size;
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
      this.queue.push({ item, at: Date.now(), resolve, reject });
      if (this.options.maxInFlight !== undefined) this.schedulePump();
      else if (this.queue.length >= this.options.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.maxDelayMs);
    });
  }

  /** Sends what waits now, in batches of at most `maxBatch` (ignoring `maxInFlight`). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length > 0) this.sendNext();
  }

  /** Sends what waits and resolves once every batch has settled (graceful shutdown). */
  async drain(): Promise<void> {
    this.flush();
    while (this.sending.size > 0) {
      await Promise.allSettled([...this.sending]);
      this.flush();
    }
  }

  /**
   * Coalescing mode: the items added in this tick go together, without a timer: a microtask runs after the
   * caller's synchronous work, before any I/O.
   */
  private schedulePump(): void {
    if (this.pumpQueued) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  /** Coalescing mode: sends batches while a call slot is free (unless it lingers for more items). */
  private pump(): void {
    const limit = this.options.maxInFlight ?? Number.POSITIVE_INFINITY;
    while (this.queue.length > 0 && this.sending.size < limit && !this.lingering()) this.sendNext();
  }

  /**
   * True while a free slot waits for more items: traffic is busy, the batch is not full and its oldest item
   * has waited less than `lingerMs` (an item that waited for a call in flight is not held again).
   */
  private lingering(): boolean {
    const lingerMs = this.options.lingerMs ?? 0;
    if (lingerMs <= 0 || this.queue.length >= this.options.maxBatch) return false;
    if (this.lingerTimer !== undefined) return true;
    const now = Date.now();
    if (now - this.lastSentAt > BUSY_LINGERS * lingerMs) return false;
    const left = lingerMs - (now - this.queue[0]!.at);
    if (left <= 0) return false;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      this.pump();
    }, left);
    return true;
  }

  private sendNext(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    this.lastSentAt = Date.now();
    const batch = this.queue.splice(0, this.options.maxBatch);
    const sent = this.sendBatch(batch).finally(() => {
      this.sending.delete(sent);
      // What arrived while this batch was under way goes out now, in one call.
      if (this.options.maxInFlight !== undefined && this.queue.length > 0) this.pump();
    });
    this.sending.add(sent);
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
