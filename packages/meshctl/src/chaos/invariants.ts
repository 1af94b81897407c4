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
  /** The order's total in the gateway's unit (cents); a completed order's charge must be exactly this. */
  totalCents?: number;
}

/**
 * One charge as a Stripe-like gateway lists it (GET /v1/charges). Amounts are integer cents, the unit of
 * the gateway and of the payment agent's own records (`payments.amount_cents`); an order's `total` is in
 * major units, so 12.5 is 1250 here.
 */
export interface ListedCharge {
  status: string;
  amount: number;
  amount_refunded: number;
}

/**
 * Where one order's money must stand at the gateway, the authority on money moved: a completed order holds
 * exactly one succeeded charge, of its total (when `totalCents` is known) with nothing refunded; any other
 * order holds no money, every succeeded charge refunded in full ("no standing charge on a non-completed order").
 * Returns one line per violation.
 */
export function chargeViolations(
  orderId: string,
  final: string,
  charges: readonly ListedCharge[],
  totalCents?: number,
): string[] {
  const succeeded = charges.filter((c) => c.status === 'succeeded');
  if (final !== 'completed') {
    const standing = succeeded.filter((c) => c.amount_refunded < c.amount);
    if (standing.length === 0) return [];
    const held = standing.reduce((sum, c) => sum + c.amount - c.amount_refunded, 0);
    return [
      `standing charge on a non-completed order: ${orderId} is ${final} with ${standing.length} standing charge(s) of ${held} (expected none)`,
    ];
  }
  const [charge] = succeeded;
  if (charge === undefined || succeeded.length > 1) {
    return [
      `charge mismatch: ${orderId} is completed with ${succeeded.length} succeeded charge(s) (expected 1)`,
    ];
  }
  const violations: string[] = [];
  if (totalCents !== undefined && charge.amount !== totalCents) {
    violations.push(`charge mismatch: ${orderId} was charged ${charge.amount} for a total of ${totalCents}`);
  }
  if (charge.amount_refunded !== 0) {
    violations.push(
      `charge mismatch: ${orderId} is completed but ${charge.amount_refunded} of its charge was refunded`,
    );
  }
  return violations;
}

/** Available units per SKU. */
export type StockSnapshot = Record<string, number>;

/**
 * The chaos invariants. Returns one line per violation:
 * - no lost order: every accepted order ends completed or failed; none stays unsettled;
 * - no double charge: a completed order has exactly one succeeded, unrefunded charge of its total, any
 *   other order no standing charge (see `chargeViolations`);
 * - stock conserved: per SKU, units gone equal units of completed orders.
 * `charges` lists each order's charges at the gateway; when it is empty (no gateway to ask) money is not checked.
 */
export function orderInvariants(
  outcomes: readonly OrderOutcome[],
  charges: ReadonlyMap<string, readonly ListedCharge[]>,
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
      violations.push(
        ...chargeViolations(o.orderId, o.final ?? 'unknown', charges.get(o.orderId) ?? [], o.totalCents),
      );
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
