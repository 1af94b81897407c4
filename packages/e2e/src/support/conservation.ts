/**
 * Invariants every end-to-end run must keep, whatever failed on the way: money and stock are conserved.
 * The inputs are counted from the sources of truth (the payment sandbox, the business database), never
 * from the order agent's own view, so a saga bug cannot hide itself.
 */
export interface ConservationInput {
  /** Net charged amount per order id at the payment sandbox (captured minus refunded), in cents. */
  readonly netChargesByOrder: ReadonlyMap<string, number>;
  /** Order ids the order agent reports as completed. */
  readonly completedOrders: ReadonlySet<string>;
  /** Per SKU: initial stock and what the database holds now. */
  readonly stock: ReadonlyArray<{
    sku: string;
    initial: number;
    available: number;
    committed: number;
    reserved: number;
  }>;
}

/** Lists every broken invariant (empty when the run conserved money and stock). */
export function conservationViolations(input: ConservationInput): string[] {
  const problems: string[] = [];
  for (const [orderId, net] of input.netChargesByOrder) {
    if (net < 0) problems.push(`order ${orderId}: refunded more than charged (${net})`);
    if (net > 0 && !input.completedOrders.has(orderId)) {
      problems.push(`order ${orderId}: charged ${net} but not completed`);
    }
  }
  for (const orderId of input.completedOrders) {
    const net = input.netChargesByOrder.get(orderId) ?? 0;
    if (net <= 0) problems.push(`order ${orderId}: completed without a charge`);
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
