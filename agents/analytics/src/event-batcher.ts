import { MeshError, currentLogContext, silentLogger, type Logger } from '@mesh/common';
import type { TraceContext } from '@mesh/common';
import type { SpanStarter } from '@mesh/runtime';
import type { OrderEventStore, RejectedEvent } from './event-store.js';
import { eventKey, type OrderEvent } from './order-event.js';

export type FlushReason = 'size' | 'interval' | 'shutdown' | 'manual' | 'commit' | 'retry';

/** How a durably recorded event ended: written now, or a duplicate (already stored, or already waiting). */
export type StoreOutcome = 'stored' | 'duplicate';

export interface EventBatcherOptions {
  store: OrderEventStore;
  /** Flush as soon as this many events wait; also the most rows one flush writes. */
  batchSize: number;
  /** Flush whatever waits this often (events added with `add`, which nobody waits for). */
  intervalMs: number;
  /** Bound on events held while the store is failing; the oldest are dropped past it. */
  maxBuffered?: number;
  /** Longest pause between retries of a failed flush that callers are waiting on. */
  maxRetryDelayMs?: number;
  logger?: Logger;
  onFlush?: (reason: FlushReason, written: number) => void;
  onDrop?: (count: number) => void;
  onReject?: (rejected: RejectedEvent) => void;
  onFlushFailed?: (error: unknown) => void;
  /**
   * Spans of the writes: one INTERNAL span per batch, with a link to the span of every event in it (the bus
   * message or tool call that brought it), so each event's trace leads to the write that stored it.
   */
  tracing?: SpanStarter;
}

interface Waiter {
  resolve: (outcome: StoreOutcome) => void;
  reject: (error: Error) => void;
  outcome: StoreOutcome;
}

/**
 * Buffers events in memory and writes them in batches. `store` resolves only once the event's batch has
 * committed, and starts a flush at once (group commit: what arrives while one flush runs goes in the next),
 * so a consumer can ack after it without holding events for the interval. `add` only buffers, written when
 * `batchSize` wait, every `intervalMs`, and on stop. One flush runs at a time; a failed flush keeps its
 * events and retries; a row the store refuses is dropped from the batch and its waiters are rejected.
 */
export class EventBatcher {
  private buffer = new Map<string, OrderEvent>();
  private inFlight: OrderEvent[] = [];
  private readonly waiters = new Map<string, Waiter[]>();
  /** The span that brought each waiting event (for the batch span's links). */
  private readonly origins = new Map<string, TraceContext>();
  private flushing: Promise<unknown> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private commitScheduled = false;
  private failures = 0;
  private readonly logger: Logger;
  private readonly maxBuffered: number;

  constructor(private readonly options: EventBatcherOptions) {
    this.logger = options.logger ?? silentLogger();
    this.maxBuffered = options.maxBuffered ?? options.batchSize * 10;
  }

  /** Flushes in a row that failed (0 after a successful one): the health check reads it. */
  get consecutiveFailures(): number {
    return this.failures;
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
    const origin = this.options.tracing?.exporting ? currentLogContext() : undefined;
    if (origin !== undefined) this.origins.set(key, origin);
    this.enforceBound();
    if (this.buffer.size >= this.options.batchSize) void this.flush('size').catch(() => undefined);
    return true;
  }

  /**
   * Buffers an event and resolves once it is in the store ('duplicate' when the same event was already
   * waiting). Rejects with VALIDATION_FAILED when the store refuses the row for good, or when it is dropped
   * from a full buffer.
   */
  store(event: OrderEvent): Promise<StoreOutcome> {
    const key = eventKey(event);
    const pending = this.buffer.has(key) || this.inFlight.some((other) => eventKey(other) === key);
    const promise = new Promise<StoreOutcome>((resolve, reject) => {
      const list = this.waiters.get(key) ?? [];
      list.push({ resolve, reject, outcome: pending ? 'duplicate' : 'stored' });
      this.waiters.set(key, list);
    });
    if (!pending) this.add(event);
    this.scheduleCommit();
    return promise;
  }

  /** Events not yet in the store: waiting, and being written right now. */
  pending(): OrderEvent[] {
    return [...this.inFlight, ...this.buffer.values()];
  }

  /** Writes what is buffered; waits for a flush already running first. Resolves with rows written. */
  async flush(reason: FlushReason = 'manual'): Promise<number> {
    while (this.flushing !== undefined) await this.flushing.catch(() => undefined);
    if (this.buffer.size === 0) return 0;
    const batch = [...this.buffer.values()].slice(0, this.options.batchSize);
    for (const event of batch) this.buffer.delete(eventKey(event));
    this.inFlight = batch;
    const span = this.batchSpan(batch, reason);
    const writing = span
      ? span.run(() => this.options.store.insertBatch(batch))
      : this.options.store.insertBatch(batch);
    this.flushing = writing;
    try {
      const { written, rejected, existing } = await writing;
      span?.setAttribute('mesh.rows_written', written);
      span?.end();
      const already = new Set(existing);
      this.failures = 0;
      const refused = new Set<string>();
      for (const item of rejected) {
        const key = eventKey(item.event);
        refused.add(key);
        this.options.onReject?.(item);
        this.logger.error(
          { order_id: item.event.orderId, type: item.event.type, reason: item.reason },
          'order event refused by the store; not retried',
        );
        this.settle(key, new MeshError('VALIDATION_FAILED', `order event cannot be stored: ${item.reason}`));
      }
      for (const event of batch) {
        const key = eventKey(event);
        if (!refused.has(key)) this.settle(key, undefined, already.has(key));
      }
      this.logger.debug({ reason, events: batch.length, written }, 'order events flushed');
      this.options.onFlush?.(reason, written);
      return written;
    } catch (error: unknown) {
      span?.end(error);
      this.failures += 1;
      this.options.onFlushFailed?.(error);
      // Put the batch back in front of anything that arrived meanwhile, then bound the whole.
      const restored = new Map(batch.map((event) => [eventKey(event), event]));
      for (const [key, event] of this.buffer) restored.set(key, event);
      this.buffer = restored;
      this.enforceBound();
      this.logger.warn(
        { err: error, reason, events: batch.length, consecutive_failures: this.failures },
        'order events not flushed; kept for the next flush',
      );
      this.scheduleRetry();
      throw error;
    } finally {
      this.inFlight = [];
      this.flushing = undefined;
      // What arrived during this flush and is waited on goes in the next one.
      if (this.failures === 0 && this.hasWaitersInBuffer()) this.scheduleCommit();
    }
  }

  /** Stops the timers and writes everything still buffered (the last step before exit). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    while (this.buffer.size > 0) {
      const before = this.buffer.size;
      await this.flush('shutdown');
      if (this.buffer.size >= before) break;
    }
  }

  private scheduleCommit(): void {
    if (this.commitScheduled || this.failures > 0) return;
    this.commitScheduled = true;
    // One tick lets calls that arrive together share a batch.
    setImmediate(() => {
      this.commitScheduled = false;
      void this.flush('commit').catch(() => undefined);
    });
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== undefined || this.waiters.size === 0) return;
    const max = this.options.maxRetryDelayMs ?? 5_000;
    const delay = Math.min(max, 100 * 2 ** Math.min(this.failures, 16));
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.flush('retry').catch(() => undefined);
    }, delay);
    this.retryTimer.unref();
  }

  private hasWaitersInBuffer(): boolean {
    for (const key of this.buffer.keys()) if (this.waiters.has(key)) return true;
    return false;
  }

  private batchSpan(batch: readonly OrderEvent[], reason: FlushReason) {
    const tracing = this.options.tracing;
    if (tracing === undefined || !tracing.exporting) return undefined;
    const links: TraceContext[] = [];
    for (const event of batch) {
      const origin = this.origins.get(eventKey(event));
      if (origin !== undefined) links.push(origin);
    }
    return tracing.start('analytics write order_events', {
      kind: 'internal',
      links,
      attributes: { 'mesh.batch.size': batch.length, 'mesh.flush_reason': reason },
    });
  }

  private settle(key: string, error?: Error, alreadyStored = false): void {
    this.origins.delete(key);
    const list = this.waiters.get(key);
    if (list === undefined) return;
    this.waiters.delete(key);
    for (const waiter of list) {
      if (error === undefined) waiter.resolve(alreadyStored ? 'duplicate' : waiter.outcome);
      else waiter.reject(error);
    }
  }

  private enforceBound(): void {
    const excess = this.buffer.size - this.maxBuffered;
    if (excess <= 0) return;
    const keys = [...this.buffer.keys()].slice(0, excess);
    for (const key of keys) {
      this.buffer.delete(key);
      this.settle(
        key,
        new MeshError('STORAGE_ERROR', 'analytics buffer full while writes fail; event dropped'),
      );
    }
    this.options.onDrop?.(excess);
    this.logger.warn(
      { dropped: excess, max_buffered: this.maxBuffered },
      'analytics buffer full; oldest events dropped',
    );
  }
}
