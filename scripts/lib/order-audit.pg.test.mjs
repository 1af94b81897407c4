// The audit's reads against a real PostgreSQL (the order and database agents' own migrations) and a payment
// sandbox: more charges than one page, so the listing's paging is read too.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../packages/backends/dist/index.js';
import { createPaymentSandbox } from '../../packages/sandboxes/dist/index.js';
import { createTestDatabase, realServerUrl } from '../../packages/testkit/dist/index.js';
import { BUSINESS_DB_MIGRATIONS } from '../../agents/database/dist/index.js';
import { ORDER_MIGRATIONS } from '../../agents/order/dist/index.js';
import { auditOrders } from './order-audit.mjs';

const root = resolve(import.meta.dirname, '../..');
const pg = createRequire(join(root, 'agents/order/package.json'))('pg');
const adminUrl = realServerUrl('postgres');
const API_KEY = 'sk_test_audit';
/** Over the sandbox's page of 100, so the audit must page through the listing. */
const ORDERS = 130;
const PRICE_CENTS = 1250;

describe.skipIf(!adminUrl)('the audit of a system’s orders', () => {
  let db;
  let pool;
  let sandbox;
  let paymentUrl;
  const since = new Date(Date.now() - 1000);

  async function charge(orderId, amount = PRICE_CENTS) {
    const response = await fetch(`${paymentUrl}/v1/charges`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ amount, currency: 'usd', source: 'tok_visa', metadata: { order_id: orderId } }),
    });
    expect(response.status).toBe(200);
  }

  async function placeOrder(orderId, state, reservationStatus) {
    await pool.query(
      `INSERT INTO orders (order_id, request_hash, user_id, items, total, currency, state)
       VALUES ($1, 'h', 'user-1', '[{"sku":"AUDIT-1","quantity":1}]', $2, 'USD', $3)`,
      [orderId, PRICE_CENTS / 100, state],
    );
    if (reservationStatus === undefined) return;
    await pool.query(
      `INSERT INTO reservations (id, order_id, status, expires_at) VALUES ($1, $2, $3, now() + interval '1 hour')`,
      [`res-${orderId}`, orderId, reservationStatus],
    );
    await pool.query(
      `INSERT INTO reservation_items (reservation_id, sku, quantity) VALUES ($1, 'AUDIT-1', 1)`,
      [`res-${orderId}`],
    );
    const column =
      reservationStatus === 'committed' ? 'sold' : reservationStatus === 'reserved' ? 'reserved' : null;
    if (column) await pool.query(`UPDATE stock SET ${column} = ${column} + 1 WHERE sku = 'AUDIT-1'`);
  }

  const audit = (settleMs = 0) =>
    auditOrders({
      databaseUrls: { orders: db.url, stock: db.url },
      paymentUrl,
      apiKey: API_KEY,
      since,
      settleMs,
    });

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl, 'order_audit');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await runMigrations(pool, BUSINESS_DB_MIGRATIONS, { name: 'database-agent' });
    await runMigrations(pool, ORDER_MIGRATIONS, { name: 'order-agent' });
    await pool.query(
      `INSERT INTO stock (sku, name, price, available) VALUES ('AUDIT-1', 'Audit', 12.50, 1000)`,
    );
    sandbox = createPaymentSandbox({ apiKey: API_KEY });
    paymentUrl = (await sandbox.listen(0, '127.0.0.1')).url;
    for (let i = 0; i < ORDERS; i += 1) {
      await placeOrder(`audit-${i}`, 'completed', 'committed');
      await charge(`audit-${i}`);
    }
    // A declined order: its reservation released, no charge.
    await placeOrder('audit-declined', 'compensated', 'released');
  }, 120_000);

  afterAll(async () => {
    await sandbox?.close();
    await pool?.end();
    await db?.drop();
  });

  it('finds every order paid once and the stock matching its reservations', async () => {
    const result = await audit();
    expect(result.problems).toEqual([]);
    expect(result.orders).toHaveLength(ORDERS + 1);
    expect(result.summary).toMatch(
      new RegExp(
        `^${ORDERS + 1} orders \\(${ORDERS} completed, 0 failed, 1 compensated\\), ${ORDERS} charges, 1 SKUs: money and stock held`,
      ),
    );
  });

  it('names a second charge on the second page, a charge kept by a compensated order, stock adrift and an order left mid-saga', async () => {
    await charge('audit-120');
    await charge('audit-declined');
    await pool.query(`UPDATE stock SET sold = sold + 1 WHERE sku = 'AUDIT-1'`);
    await placeOrder('audit-stuck', 'charged', 'reserved');
    try {
      const started = Date.now();
      const result = await audit(600);
      // It waited for the order mid-saga, boundedly.
      expect(Date.now() - started).toBeGreaterThanOrEqual(500);
      expect(result.problems).toEqual([
        'charge mismatch: audit-120 is completed with 2 succeeded charge(s) (expected 1)',
        'standing charge on a non-completed order: audit-declined is compensated with 1 standing charge(s) of 1250 (expected none)',
        'unsettled: audit-stuck is still charged',
        `stock: AUDIT-1 holds sold ${ORDERS + 1}, its committed reservations ${ORDERS} units`,
      ]);
    } finally {
      await pool.query(`UPDATE stock SET sold = sold - 1 WHERE sku = 'AUDIT-1'`);
    }
  });
});
