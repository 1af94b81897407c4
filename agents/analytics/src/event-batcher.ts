import { silentLogger, type Logger } from '@mesh/common';
import type { OrderEventStore } from './event-store.js';
import { eventKey, type OrderEvent } from './order-event.js';

export type FlushReason = 'size' | 'interval' | 'shutdown' | 'manual';

export interface EventBatcherOptions {
  store: OrderEventStore;
  /** Flush as soon as this many events wait. */
  batchSize: number;
  /** Flush whatever waits this often. */
  intervalMs: number;
  /** Bound on events held while the store is failing; the oldest are dropped past it. */
  maxBuffered?: number;
  logger?: Logger;
  onFlush?: (reason: FlushReason, written: number) => void;
  onDrop?: (count: number) => void;
}

/**
 * Buffers events in memory and writes them in batches: when `batchSize` are waiting, every `intervalMs`,
 * and on stop. One flush runs at a time; a failed flush keeps its events for the next one.
 */
export class EventBatcher {
  private buffer = new Map<string, OrderEvent>();
  private inFlight: OrderEvent[] = [];
  private flushing: Promise<number> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  private readonly maxBuffered: number;

  constructor(private readonly options: EventBatcherOptions) {
    this.logger = options.logger ?? silentLogger();
    this.maxBuffered = options.maxBuffered ?? options.batchSize * 10;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.buffer.size > 0) void this.flush('interval').catch(() => undefined);
    }, this.options.intervalMs);
    this.timer.unref();
  }

  /** Buffers an event; false when the same event is already waiting. Triggers a flush when the batch is full. */
  add(event: OrderEvent): boolean {
    const key = eventKey(event);
    if (this.buffer.has(key)) return false;
    this.buffer.set(key, event);
    this.enforceBound();
    if (this.buffer.size >= this.options.batchSize) void this.flush('size').catch(() => undefined);
    return true;
  }

  /** Events not yet in the store: waiting, and being written right now. */
  pending(): OrderEvent[] {
    return [...this.inFlight, ...this.buffer.values()];
  }

  /** Writes what is buffered; waits for a flush already running first. Resolves with rows written. */
  async flush(reason: FlushReason = 'manual'): Promise<number> {
    while (this.flushing !== undefined) await this.flushing.catch(() => undefined);
    if (this.buffer.size === 0) return 0;
    this.inFlight = [...this.buffer.values()];
    this.buffer = new Map();
    const batch = this.inFlight;
    this.flushing = this.options.store.insertBatch(batch);
    try {
      const written = await this.flushing;
      this.logger.debug({ reason, events: batch.length, written }, 'order events flushed');
      this.options.onFlush?.(reason, written);
      return written;
    } catch (error: unknown) {
      // Put the batch back in front of anything that arrived meanwhile, then bound the whole.
      const restored = new Map(batch.map((event) => [eventKey(event), event]));
      for (const [key, event] of this.buffer) restored.set(key, event);
      this.buffer = restored;
      this.enforceBound();
      this.logger.warn(
        { err: error, reason, events: batch.length },
        'order events not flushed; kept for the next flush',
      );
      throw error;
    } finally {
      this.inFlight = [];
      this.flushing = undefined;
    }
  }

  /** Stops the timer and writes everything still buffered (the last step before exit). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush('shutdown');
  }

  private enforceBound(): void {
    const excess = this.buffer.size - this.maxBuffered;
    if (excess <= 0) return;
    const keys = [...this.buffer.keys()].slice(0, excess);
    for (const key of keys) this.buffer.delete(key);
    this.options.onDrop?.(excess);
    this.logger.warn(
      { dropped: excess, max_buffered: this.maxBuffered },
      'analytics buffer full; oldest events dropped',
    );
  }
}
