import { MeshError } from '@mesh/common';
import { MAX_EVENT_AMOUNT } from '@mesh/contracts';

/** The kinds the report counts; anything else is stored under its own type and only listed. */
export type EventKind = 'created' | 'completed' | 'failed' | 'compensated' | 'other';

/** One order event, normalised: amounts in integer cents, a canonical type for the known kinds. */
export interface OrderEvent {
  orderId: string;
  /** `completed`, `failed`, `compensated`, `created`, or the caller's own type for anything else. */
  type: string;
  kind: EventKind;
  amountCents: number | null;
  occurredAt: Date;
}

export interface RawOrderEvent {
  type: string;
  order_id: string;
  /** Major units (the order total). */
  amount?: number | undefined;
  occurred_at?: string | undefined;
}

const KIND_WORDS: ReadonlyArray<[RegExp, EventKind]> = [
  [/^(completed|complete|succeeded|paid|confirmed)$/, 'completed'],
  [/^(failed|failure|rejected|declined)$/, 'failed'],
  [/^(compensated|refunded|rolled_back|rolledback)$/, 'compensated'],
  [/^(created|placed|received|submitted)$/, 'created'],
];

/**
 * Reads the kind from the last word of the type, so `order_completed`, `orders.completed` and `completed`
 * count alike (producers name events differently; the report must not care).
 */
export function classify(type: string): EventKind {
  const last =
    type
      .trim()
      .toLowerCase()
      .split(/[._:\s-]/)
      .filter(Boolean)
      .pop() ?? '';
  for (const [pattern, kind] of KIND_WORDS) if (pattern.test(last)) return kind;
  return 'other';
}

/**
 * Largest amount in major units (the contract's bound): its cents must be an exact JavaScript integer, which
 * also keeps it well inside the `bigint` column (an amount such as 1e17 used to pass here and then fail every
 * batch write).
 */
export const MAX_AMOUNT = MAX_EVENT_AMOUNT;

/** Validates and normalises an event from a tool call or the event bus. */
export function normalizeEvent(raw: RawOrderEvent, now: Date = new Date()): OrderEvent {
  const kind = classify(raw.type);
  let amountCents: number | null = null;
  if (raw.amount !== undefined) {
    if (!Number.isFinite(raw.amount) || raw.amount < 0) {
      throw new MeshError('VALIDATION_FAILED', `amount must be a non-negative number; got ${raw.amount}`);
    }
    if (raw.amount > MAX_AMOUNT) {
      throw new MeshError('VALIDATION_FAILED', `amount must be at most ${MAX_AMOUNT}; got ${raw.amount}`);
    }
    amountCents = Math.round(raw.amount * 100);
  }
  let occurredAt = now;
  if (raw.occurred_at !== undefined) {
    occurredAt = new Date(raw.occurred_at);
    if (Number.isNaN(occurredAt.getTime())) {
      throw new MeshError(
        'VALIDATION_FAILED',
        `occurred_at must be an ISO date-time; got ${raw.occurred_at}`,
      );
    }
  }
  return { orderId: raw.order_id, type: kind === 'other' ? raw.type : kind, kind, amountCents, occurredAt };
}

/** The identity of an event: one event per order and type (a retried or re-delivered event is a duplicate). */
export function eventKey(event: Pick<OrderEvent, 'orderId' | 'type'>): string {
  return `${event.orderId}\u0000${event.type}`;
}
