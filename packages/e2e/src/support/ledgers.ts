import pg from 'pg';

/** The payment sandbox's default demo key (packages/sandboxes). */
const SANDBOX_KEY = 'sk_test_mesh_sandbox_4eC39HqLyjWDarjtT1zdp7dc';

/** A charge as the sandbox lists it (amounts in cents). */
export interface SandboxCharge {
  id: string;
  amount: number;
  amount_refunded: number;
  status: string;
  metadata?: Record<string, string>;
}

/** Every charge the payment sandbox holds for one order (metadata.order_id), newest first. */
export async function chargesOf(paymentUrl: string, orderId: string): Promise<SandboxCharge[]> {
  const query = new URLSearchParams({ 'metadata[order_id]': orderId, limit: '100' });
  const response = await fetch(`${paymentUrl}/v1/charges?${query}`, {
    headers: { authorization: `Bearer ${SANDBOX_KEY}` },
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`sandbox charges for ${orderId}: HTTP ${response.status}`);
  return ((await response.json()) as { data: SandboxCharge[] }).data;
}

/** The sandbox's charges per order id, for the conservation check. */
export async function chargesByOrder(
  paymentUrl: string,
  orderIds: Iterable<string>,
): Promise<Map<string, SandboxCharge[]>> {
  const result = new Map<string, SandboxCharge[]>();
  for (const orderId of orderIds) result.set(orderId, await chargesOf(paymentUrl, orderId));
  return result;
}

/** Net charged cents per order id at the payment sandbox (succeeded charges minus refunds). */
export async function netCharges(
  paymentUrl: string,
  orderIds: readonly string[],
): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const [orderId, charges] of await chargesByOrder(paymentUrl, orderIds)) {
    const net = charges
      .filter((charge) => charge.status === 'succeeded')
      .reduce((sum, charge) => sum + charge.amount - charge.amount_refunded, 0);
    result.set(orderId, net);
  }
  return result;
}

/** Number of succeeded charges per order (refunded or not): a second charge is a double charge. */
export async function chargeCount(paymentUrl: string, orderId: string): Promise<number> {
  return (await chargesOf(paymentUrl, orderId)).filter((charge) => charge.status === 'succeeded').length;
}

export interface StockRow {
  sku: string;
  available: number;
  reserved: number;
  sold: number;
}

/** Direct access to business_db for test setup (dedicated SKUs) and for reading the books. */
export class BusinessDb {
  private readonly pool: pg.Pool;

  constructor(url: string) {
    this.pool = new pg.Pool({ connectionString: url, max: 3 });
  }

  /** Creates (or resets) a SKU only this test run uses, at `price` (major units: orders must pay it). */
  async createSku(sku: string, units: number, price = 1): Promise<void> {
    await this.pool.query(
      `INSERT INTO stock (sku, name, price, available) VALUES ($1, $1, $3, $2)
       ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, price = EXCLUDED.price, reserved = 0,
         sold = 0`,
      [sku, units, price],
    );
  }

  /** The catalogue price of a SKU (major units), read from the table the database agent owns. */
  async price(sku: string): Promise<number> {
    const result = await this.pool.query<{ price: string }>('SELECT price FROM stock WHERE sku = $1', [sku]);
    const row = result.rows[0];
    if (!row) throw new Error(`no stock row for ${sku}`);
    return Number(row.price);
  }

  async stock(sku: string): Promise<StockRow> {
    const result = await this.pool.query<{ sku: string; available: string; reserved: string; sold: string }>(
      'SELECT sku, available, reserved, sold FROM stock WHERE sku = $1',
      [sku],
    );
    const row = result.rows[0];
    if (!row) throw new Error(`no stock row for ${sku}`);
    return { sku, available: Number(row.available), reserved: Number(row.reserved), sold: Number(row.sold) };
  }

  /** Saga state per order id (from the order agent's table). */
  async orderStates(orderIds: readonly string[]): Promise<Map<string, string>> {
    const result = await this.pool.query<{ order_id: string; state: string }>(
      'SELECT order_id, state FROM orders WHERE order_id = ANY($1)',
      [orderIds],
    );
    return new Map(result.rows.map((row) => [row.order_id, row.state]));
  }

  async orderState(orderId: string): Promise<string | undefined> {
    return (await this.orderStates([orderId])).get(orderId);
  }

  /** Where the payment agent's record of the order's payment stands (its `payments` ledger), if it has one. */
  async paymentStatus(orderId: string): Promise<string | undefined> {
    const result = await this.pool.query<{ status: string }>(
      'SELECT status FROM payments WHERE order_id = $1',
      [orderId],
    );
    return result.rows[0]?.status;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
