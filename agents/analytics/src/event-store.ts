import { eventKey, type EventKind, type OrderEvent } from './order-event.js';

/** Counts and completed revenue per kind for a time window. */
export interface KindTotals {
  count: number;
  amountCents: number;
}
export type WindowTotals = Record<Exclude<EventKind, 'other'>, KindTotals>;

export function emptyTotals(): WindowTotals {
  return {
    created: { count: 0, amountCents: 0 },
    completed: { count: 0, amountCents: 0 },
    failed: { count: 0, amountCents: 0 },
    compensated: { count: 0, amountCents: 0 },
  };
}

/** Adds one event to running totals (events of kind `other` are not counted). */
export function addToTotals(totals: WindowTotals, event: OrderEvent): void {
  if (event.kind === 'other') return;
  totals[event.kind].count += 1;
  totals[event.kind].amountCents += event.amountCents ?? 0;
}

/** An event the store refused for good (a value its column cannot hold): retrying it can never succeed. */
export interface RejectedEvent {
  event: OrderEvent;
  reason: string;
}

/** What one batch write did: rows new in the store, and rows refused for good (the others are stored). */
export interface BatchResult {
  written: number;
  rejected: RejectedEvent[];
  /** Keys (see eventKey) of events that were already stored before this batch: duplicates. */
  existing: string[];
}

/** Where flushed events live; the batcher writes in batches, the report reads totals. */
export interface OrderEventStore {
  /**
   * Stores events, ignoring ones already stored (same order and type). A row the store cannot hold is
   * returned in `rejected` and never blocks the others; a failure of the store itself (down, timeout) throws
   * and nothing of the batch may be assumed stored.
   */
  insertBatch(events: readonly OrderEvent[]): Promise<BatchResult>;
  /** Totals of events that occurred at or after `since`. */
  totals(since: Date): Promise<WindowTotals>;
  /** Which of these keys (see eventKey) are already stored. */
  existing(events: readonly OrderEvent[]): Promise<Set<string>>;
  /** Orders with both a `failed` and a `compensated` event at or after `since` (so they count as one failure). */
  failedAndCompensated(since: Date): Promise<number>;
}

/** In-process store for unit tests and for running without PostgreSQL. */
export class MemoryOrderEventStore implements OrderEventStore {
  private readonly events = new Map<string, OrderEvent>();
  /** Batches written, for tests that check batching. */
  readonly batches: number[] = [];

  async insertBatch(events: readonly OrderEvent[]): Promise<BatchResult> {
    let added = 0;
    const existing: string[] = [];
    for (const event of events) {
      const key = eventKey(event);
      if (this.events.has(key)) {
        existing.push(key);
        continue;
      }
      this.events.set(key, event);
      added += 1;
    }
    this.batches.push(events.length);
    return { written: added, rejected: [], existing };
  }

  async totals(since: Date): Promise<WindowTotals> {
    const totals = emptyTotals();
    for (const event of this.events.values()) if (event.occurredAt >= since) addToTotals(totals, event);
    return totals;
  }

  async existing(events: readonly OrderEvent[]): Promise<Set<string>> {
    return new Set(events.map(eventKey).filter((key) => this.events.has(key)));
  }

  async failedAndCompensated(since: Date): Promise<number> {
    const kinds = new Map<string, Set<string>>();
    for (const event of this.events.values()) {
      if (event.occurredAt < since || (event.kind !== 'failed' && event.kind !== 'compensated')) continue;
      const seen = kinds.get(event.orderId) ?? new Set<string>();
      seen.add(event.kind);
      kinds.set(event.orderId, seen);
    }
    return [...kinds.values()].filter((seen) => seen.size === 2).length;
  }

  get size(): number {
    return this.events.size;
  }
}
