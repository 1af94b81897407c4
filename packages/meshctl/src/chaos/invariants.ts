/** What happened to one order of the chaos stream. */
export interface OrderOutcome {
  orderId: string;
  sku: string;
  quantity: number;
  /** HTTP status of POST /orders (0 = no answer). */
  httpStatus: number;
  /** The gateway took the order (2xx). */
  accepted: boolean;
  /** Status in the POST answer. */
  status: string;
  /** Where it ended: completed/failed, absent (never accepted and unknown), unsettled (lost). */
  final?: 'completed' | 'failed' | 'absent' | 'unsettled';
}

/** Available units per SKU. */
export type StockSnapshot = Record<string, number>;

/**
 * The chaos invariants. Returns one line per violation:
 * - no lost order: every accepted order ends completed or failed; none stays unsettled;
 * - no double charge: a completed order has exactly one standing (unrefunded) charge, any other none;
 * - stock conserved: per SKU, units gone equal units of completed orders.
 */
export function orderInvariants(
  outcomes: readonly OrderOutcome[],
  charges: ReadonlyMap<string, { succeeded: number; refunded: number }>,
  before: StockSnapshot,
  after: StockSnapshot,
): string[] {
  const violations: string[] = [];
  for (const o of outcomes) {
    if (o.final === 'unsettled' || o.final === undefined) {
      violations.push(
        `lost order: ${o.orderId} (POST answered ${o.httpStatus} ${o.status}) never completed or failed`,
      );
    } else if (o.accepted && o.final === 'absent') {
      violations.push(`lost order: ${o.orderId} was accepted but the gateway no longer knows it`);
    }
  }
  if (charges.size > 0) {
    for (const o of outcomes) {
      const c = charges.get(o.orderId) ?? { succeeded: 0, refunded: 0 };
      const expected = o.final === 'completed' ? 1 : 0;
      if (c.succeeded !== expected) {
        violations.push(
          `charge mismatch: ${o.orderId} is ${o.final ?? 'unknown'} with ${c.succeeded} standing charge(s) (expected ${expected})`,
        );
      }
    }
  }
  const sold = new Map<string, number>();
  for (const o of outcomes) if (o.final === 'completed') sold.set(o.sku, (sold.get(o.sku) ?? 0) + o.quantity);
  for (const sku of Object.keys(before)) {
    const gone = (before[sku] ?? 0) - (after[sku] ?? 0);
    const expected = sold.get(sku) ?? 0;
    if (gone !== expected) {
      violations.push(
        `stock not conserved: ${sku} lost ${gone} unit(s) but completed orders took ${expected}`,
      );
    }
  }
  return violations;
}
