import { runMigrations } from '@mesh/backends';
import { createPaymentSandbox, type PaymentSandbox } from '@mesh/sandboxes';
import {
  createTestDatabase,
  realServerUrl,
  recordPoolStatements,
  type PoolStatements,
  type TestDatabase,
} from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayClient } from './gateway-client.js';
import { PaymentService } from './payment-service.js';
import { PAYMENT_MIGRATIONS, PgPaymentStore } from './pg-payment-store.js';
import { sandboxChargesOf } from './test-sandbox-charges.js';

const KEY = 'sk_test_payment_statements';
const adminUrl = realServerUrl('postgres');

/** A statement's kind: what it does to `payments`. */
function kind(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  return verb === 'SELECT' ? 'read' : 'write';
}

/**
 * What one charge costs the payment database. Every write is a commit waiting for its WAL flush (money), so
 * the number must not grow unnoticed. The order agent's own write already says the order's payment is pending
 * before `payment_process` is called, and the gateway replays a charge by its idempotency key, so the payment
 * agent reads its record (a replay or a void answers from it) and writes once, the outcome. An order's first
 * attempt (the order agent placed it in that call) skips the read: the outcome's write meets any record there.
 */
describe.skipIf(!adminUrl)('statements per charge on PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let sandbox: PaymentSandbox;
  let service: PaymentService;
  let sandboxUrl: string;
  let statements: PoolStatements;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl!, 'payment_statements');
    pool = new pg.Pool({ connectionString: db.url, max: 4 });
    await runMigrations(pool, PAYMENT_MIGRATIONS, { name: 'payment-agent' });
    // Counts what the store sends through the pool (it checks out no clients of its own).
    statements = recordPoolStatements(pool);
    sandbox = createPaymentSandbox({ apiKey: KEY });
    sandboxUrl = (await sandbox.listen(0, '127.0.0.1')).url;
    service = new PaymentService({
      store: new PgPaymentStore(pool),
      gateway: new GatewayClient({ baseUrl: sandboxUrl, apiKey: KEY, timeoutMs: 2000 }),
    });
  });

  beforeEach(() => {
    statements.clear();
  });

  afterAll(async () => {
    await sandbox?.close();
    await pool?.end();
    await db?.drop();
  });

  it('records a charge in one write, after one read', async () => {
    const paid = await service.process({ order_id: 'statements-1', user_id: 'u', amount: 12 });
    expect(paid.status).toBe('succeeded');
    expect(statements.texts.map(kind)).toEqual(['read', 'write']);
  });

  it('records a declined card in one write, after one read', async () => {
    const declined = await service.process({
      order_id: 'statements-2',
      user_id: 'u',
      amount: 12,
      payment_method: 'tok_chargeDeclined',
    });
    expect(declined.status).toBe('declined');
    expect(statements.texts.map(kind)).toEqual(['read', 'write']);
  });

  it('answers a replay from one read, writing nothing', async () => {
    const input = { order_id: 'statements-3', user_id: 'u', amount: 12 };
    const first = await service.process(input);
    statements.clear();
    expect(await service.process(input)).toEqual(first);
    expect(statements.texts.map(kind)).toEqual(['read']);
  });

  it("records an order's first attempt in one write, reading nothing", async () => {
    const paid = await service.process({
      order_id: 'statements-5',
      user_id: 'u',
      amount: 12,
      first_attempt: true,
    });
    expect(paid.status).toBe('succeeded');
    expect(statements.texts.map(kind)).toEqual(['write']);
    expect(await chargesOf('statements-5')).toHaveLength(1);
  });

  it('answers a decided order called a first attempt with its decision, charging once', async () => {
    const input = { order_id: 'statements-6', user_id: 'u', amount: 12 };
    const first = await service.process(input);
    // A retried call, or a caller wrong about it: the gateway replays the charge, the write meets the record.
    expect(await service.process({ ...input, first_attempt: true })).toEqual(first);
    expect(await chargesOf('statements-6')).toHaveLength(1);
    const stored = await pool.query<{ status: string }>(
      `SELECT status FROM payments WHERE order_id = 'statements-6'`,
    );
    expect(stored.rows).toEqual([{ status: 'succeeded' }]);
  });

  it('gives back the money of a voided order called a first attempt, and refuses it', async () => {
    // The order agent voided the order (a refund before any charge), then a charge claims to come first.
    expect(await service.refund('statements-7', undefined)).toMatchObject({ refund_id: null, amount: 0 });
    await expect(
      service.process({ order_id: 'statements-7', user_id: 'u', amount: 12, first_attempt: true }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    const charges = await chargesOf('statements-7');
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({ amount: 1200, amount_refunded: 1200 });
  });

  it('finishes a pending record an earlier version left, charging once', async () => {
    // Earlier versions wrote `pending` before charging; a crash mid-charge left the row so.
    await pool.query(
      `INSERT INTO payments (order_id, user_id, amount_cents, currency, payment_method, status, attempts)
       VALUES ('statements-4', 'u', 1200, 'usd', 'tok_visa', 'pending', 1)`,
    );
    const paid = await service.process({ order_id: 'statements-4', user_id: 'u', amount: 12 });
    expect(paid.status).toBe('succeeded');
    const stored = await pool.query<{ status: string; payment_id: string }>(
      `SELECT status, payment_id FROM payments WHERE order_id = 'statements-4'`,
    );
    expect(stored.rows).toEqual([{ status: 'succeeded', payment_id: paid.payment_id }]);
    expect(await chargesOf('statements-4')).toHaveLength(1);
  });

  const chargesOf = (orderId: string) => sandboxChargesOf(sandboxUrl, KEY, orderId);
});
