import { MeshError, silentLogger, type Logger } from '@mesh/common';
import type { EventBus } from '@mesh/backends';
import type { EventBatcher } from './event-batcher.js';
import { addToTotals, type OrderEventStore } from './event-store.js';
import { eventKey, normalizeEvent, type RawOrderEvent } from './order-event.js';

/** The report `analytics_report` returns (revenue in major units). */
export interface AnalyticsReport {
  window_minutes: number;
  orders_per_minute: number;
  revenue: number;
  completed: number;
  /** Orders that failed, compensated ones included (each order once). */
  failed: number;
  compensated: number;
  /** failed / (completed + failed) */
  failure_rate: number;
  /** compensated / (completed + failed): the share of finished orders whose side effects were undone. */
  compensation_rate: number;
  /** Events counted from the in-memory buffer (not yet written). */
  unflushed: number;
  generated_at: string;
}

export interface AnalyticsServiceOptions {
  store: OrderEventStore;
  batcher: EventBatcher;
  logger?: Logger;
  now?: () => Date;
  onEvent?: (source: 'call' | 'bus', outcome: 'buffered' | 'stored' | 'duplicate') => void;
}

const round = (value: number, digits: number): number => Number(value.toFixed(digits));

/** Records order events and reports on them, from the table plus what is still buffered. */
export class AnalyticsService {
  private readonly logger: Logger;
  private readonly now: () => Date;

  constructor(private readonly options: AnalyticsServiceOptions) {
    this.logger = options.logger ?? silentLogger();
    this.now = options.now ?? (() => new Date());
  }

  /** Buffers an event; a duplicate (same order and type) is accepted and ignored. */
  record(raw: RawOrderEvent, source: 'call' | 'bus' = 'call'): { accepted: true; duplicate: boolean } {
    const added = this.options.batcher.add(normalizeEvent(raw, this.now()));
    this.options.onEvent?.(source, added ? 'buffered' : 'duplicate');
    return { accepted: true, duplicate: !added };
  }

  /**
   * Stores an event and resolves only once it is in the store (what the tools and the bus consumer use, so
   * a success answer or an ack never covers an event that a crash could still lose).
   */
  async recordDurably(
    raw: RawOrderEvent,
    source: 'call' | 'bus' = 'call',
  ): Promise<{ accepted: true; duplicate: boolean }> {
    const outcome = await this.options.batcher.store(normalizeEvent(raw, this.now()));
    this.options.onEvent?.(source, outcome);
    return { accepted: true, duplicate: outcome === 'duplicate' };
  }

  async report(windowMinutes = 60): Promise<AnalyticsReport> {
    const now = this.now();
    const since = new Date(now.getTime() - windowMinutes * 60_000);
    const pending = this.options.batcher.pending().filter((event) => event.occurredAt >= since);
    const failures = pending.filter((event) => event.kind === 'failed' || event.kind === 'compensated');
    // The partner of a buffered failure: the same order's other kind, stored or buffered.
    const partners = failures.map((event) => {
      const type = event.kind === 'failed' ? 'compensated' : 'failed';
      return { ...event, type, kind: type } as const;
    });
    const [totals, stored, storedPartners, storedBoth] = await Promise.all([
      this.options.store.totals(since),
      this.options.store.existing(pending),
      this.options.store.existing(partners),
      this.options.store.failedAndCompensated(since),
    ]);
    const unflushedKeys = new Set<string>();
    for (const event of pending) {
      if (stored.has(eventKey(event))) continue;
      addToTotals(totals, event);
      unflushedKeys.add(eventKey(event));
    }
    let both = storedBoth;
    for (const partner of partners) {
      const own = eventKey({
        orderId: partner.orderId,
        type: partner.kind === 'failed' ? 'compensated' : 'failed',
      });
      if (!unflushedKeys.has(own)) continue;
      const key = eventKey(partner);
      // Count a pair once: when both halves are buffered, only from the compensated side.
      if (storedPartners.has(key) || (unflushedKeys.has(key) && partner.kind === 'failed')) both += 1;
    }
    const unflushed = unflushedKeys.size;
    const completed = totals.completed.count;
    const compensated = totals.compensated.count;
    // A compensated order failed too; an order reported both ways counts once.
    const failed = totals.failed.count + compensated - both;
    const finished = completed + failed;
    return {
      window_minutes: windowMinutes,
      orders_per_minute: round(finished / windowMinutes, 3),
      revenue: round(totals.completed.amountCents / 100, 2),
      completed,
      failed,
      compensated,
      failure_rate: finished === 0 ? 0 : round(failed / finished, 4),
      compensation_rate: finished === 0 ? 0 : round(compensated / finished, 4),
      unflushed,
      generated_at: now.toISOString(),
    };
  }

  /**
   * Consumes order events from the bus (`orders.*` on `mesh.events`), so the event-driven deployment feeds
   * analytics without direct calls. The type comes from the payload, else from the routing key. The handler
   * resolves (and the bus acks) only once the event is stored; a malformed event or one the store refuses
   * throws VALIDATION_FAILED, which the bus sends to the dead-letter queue without retrying.
   */
  async consume(bus: EventBus, queue: string, topic = 'orders.*'): Promise<void> {
    await bus.subscribe(topic, queue, async (payload, meta) => {
      const body = (payload ?? {}) as Record<string, unknown>;
      const orderId = body['order_id'];
      if (typeof orderId !== 'string' || orderId === '') {
        throw new MeshError('VALIDATION_FAILED', 'order event without order_id');
      }
      const amount =
        typeof body['amount'] === 'number'
          ? body['amount']
          : typeof body['total'] === 'number'
            ? body['total']
            : undefined;
      const occurredAt = typeof body['occurred_at'] === 'string' ? body['occurred_at'] : undefined;
      const type = typeof body['type'] === 'string' ? body['type'] : meta.topic;
      await this.recordDurably({ type, order_id: orderId, amount, occurred_at: occurredAt }, 'bus');
    });
    this.logger.info({ topic, queue }, 'consuming order events from the event bus');
  }
}
