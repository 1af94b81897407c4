import { chargeViolations, type ListedCharge } from '@mesh/meshctl';

/**
 * Invariants every end-to-end run must keep, whatever failed on the way: money and stock are conserved.
 * The inputs are counted from the sources of truth (the payment sandbox, the business database) and from
 * what the client sent, never from the order agent's own view of its orders, so a saga bug cannot hide itself.
 */
export interface ConservationInput {
  /** Every order the run placed, by id, with the total the client sent (major units, e.g. 12.5). */
  readonly totals: ReadonlyMap<string, number>;
  /** The charges the payment sandbox lists per order id (metadata.order_id); amounts in cents. */
  readonly chargesByOrder: ReadonlyMap<string, readonly ListedCharge[]>;
  /** Saga state per order id, from the orders table; an order never stored is absent. */
  readonly states: ReadonlyMap<string, string>;
  /** Per SKU: initial stock and what the database holds now. */
  readonly stock: ReadonlyArray<{
    sku: string;
    initial: number;
    available: number;
    committed: number;
    reserved: number;
  }>;
}

/**
 * An order's total in the unit the payment agent records (`payments.amount_cents`) and charges the gateway
 * in: integer cents. The sandbox is the authority on money moved; the agent's table is its own memory of it.
 */
export function totalCents(total: number): number {
  return Math.round(total * 100);
}

/**
 * Lists every broken invariant (empty when the run conserved money and stock): a completed order holds
 * exactly one succeeded, unrefunded charge of its total; any other order (failed, compensated, refused,
 * never stored) holds no standing charge; per SKU, available + committed + reserved = initial, never negative.
 */
export function conservationViolations(input: ConservationInput): string[] {
  const problems: string[] = [];
  for (const [orderId, total] of input.totals) {
    const state = input.states.get(orderId) ?? 'absent';
    const charges = input.chargesByOrder.get(orderId) ?? [];
    problems.push(...chargeViolations(orderId, state, charges, totalCents(total)));
  }
  for (const row of input.stock) {
    if (row.available < 0) problems.push(`sku ${row.sku}: negative stock ${row.available}`);
    const total = row.available + row.committed + row.reserved;
    if (total !== row.initial) {
      problems.push(
        `sku ${row.sku}: available ${row.available} + committed ${row.committed} + reserved ${row.reserved} = ${total}, initial ${row.initial}`,
      );
    }
  }
  return problems;
}
