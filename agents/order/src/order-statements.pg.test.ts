import { createPgPool, runMigrations, toPgConfig } from '@mesh/backends';
import {
  createTestDatabase,
  realServerUrl,
  recordPoolStatements,
  type PoolStatements,
  type TestDatabase,
} from '@mesh/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ORDER_MIGRATIONS } from './migrations.js';
import { OrderSaga } from './order-saga.js';
import { PgOrderStore } from './pg-order-store.js';
import type { OrderInput } from './schemas.js';
import { FakeAgents } from './test-fake-ports.js';

const adminUrl = realServerUrl('postgres');

/** Enough of a statement to tell the saga's writes apart: the insert, a state change, an announcement mark. */
function kind(text: string): string {
  if (/^\s*INSERT INTO orders/.test(text)) return 'insert';
  if (/^\s*UPDATE orders SET state = /.test(text)) return 'state';
  if (/^\s*UPDATE orders SET announce_due = NULL/.test(text)) return 'announced';
  return text.trim().split(/\s+/).slice(0, 4).join(' ');
}

/** An order for `quantity` of ITEM-1 naming no total (the saga charges the catalogue's). */
function unitsOf(orderId: string, quantity = 1): OrderInput {
  return { order_id: orderId, user_id: 'user-1', items: [{ sku: 'ITEM-1', quantity }] };
}

/**
 * The statements one order costs the order database. Every statement is a round trip on the order's path and
 * a commit waiting for its WAL flush (synchronous_commit=on for money), so this number must not grow unnoticed.
 * The first write stores the order already `reserved` (priced from the reservation's answer, with its user and
 * reservation, the payment pending), so recovery can compensate it; the end-to-end crash tests wait for that
 * state before killing the agent.
 */
describe.skipIf(!adminUrl)('statements per order on PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let statements: PoolStatements;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl!, 'order_statements');
    const config = toPgConfig(
      { DATABASE_URL: db.url, DB_PORT: 5432, DB_POOL_MAX: 5 },
      { defaultDatabase: 'x' },
    );
    pool = createPgPool(config!);
    await runMigrations(pool, ORDER_MIGRATIONS, { name: 'order-agent' });
    // Counts what the store sends through the pool (it checks out no clients of its own).
    statements = recordPoolStatements(pool);
  });

  beforeEach(() => {
    statements.clear();
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('stores a completed order in two statements, and marks its announcement in a batch', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    const saga = new OrderSaga(new PgOrderStore(pool), agents, 'counter');
    const result = await saga.process(unitsOf('count-1'));
    expect(result.status).toBe('completed');
    // Recorded as reserved (the insert), then completed with its payment once charged and committed.
    expect(statements.texts.map(kind)).toEqual(['insert', 'state']);
    expect(agents.calls).not.toContain('quote');
    await saga.idle();
    expect(statements.texts.slice(2).map(kind)).toEqual(['announced']);
  });

  it('marks the announcements of concurrent orders in one statement', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 100 });
    const saga = new OrderSaga(new PgOrderStore(pool), agents, 'counter-batch');
    const ids = Array.from({ length: 20 }, (_, i) => `count-batch-${i}`);
    const results = await Promise.all(ids.map((id) => saga.process(unitsOf(id))));
    expect(results.every((r) => r.status === 'completed')).toBe(true);
    await saga.idle();
    const kinds = statements.texts.map(kind);
    expect(kinds.filter((k) => k !== 'announced')).toHaveLength(2 * ids.length);
    // One mark for all of them; a second at most when the batch window closed while some were still running.
    expect(kinds.filter((k) => k === 'announced').length).toBeLessThanOrEqual(2);
  });

  it('stores a declined order in three statements', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    agents.declinePayments = true;
    const saga = new OrderSaga(new PgOrderStore(pool), agents, 'counter-declined');
    const result = await saga.process(unitsOf('count-declined'));
    expect(result).toMatchObject({ status: 'failed', state: 'compensated' });
    // Recorded as reserved, compensating (the decision), compensated.
    expect(statements.texts.map(kind)).toEqual(['insert', 'state', 'state']);
    expect(agents.calls.filter((call) => call === 'reserve')).toHaveLength(1);
    await saga.idle();
  });

  it('completes the retry of an order whose first run was killed after reserving, with its reservation', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    // The killed run reserved and never stored the order (kill -9 between the two).
    const { reservation_id } = await agents.reserve('count-crashed', [{ sku: 'ITEM-1', quantity: 1 }]);
    const store = new PgOrderStore(pool);
    const saga = new OrderSaga(store, agents, 'counter-retry');
    const result = await saga.process(unitsOf('count-crashed'));
    expect(result.status).toBe('completed');
    expect(statements.texts.map(kind)).toEqual(['insert', 'state']);
    expect(await store.get('count-crashed')).toMatchObject({
      reservationId: reservation_id,
      state: 'completed',
    });
    expect(agents.reservations.size).toBe(1);
    expect(agents.stock.get('ITEM-1')).toBe(9);
    await saga.idle();
  });

  it('stores an order that failed before any write in one statement, unleased', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 1 });
    const store = new PgOrderStore(pool);
    const saga = new OrderSaga(store, agents, 'counter-oos');
    const result = await saga.process(unitsOf('count-oos', 2));
    expect(result).toMatchObject({ status: 'failed', state: 'failed', error: { code: 'OUT_OF_STOCK' } });
    expect(statements.texts.map(kind)).toEqual(['insert']);
    const stored = await store.get('count-oos');
    expect(stored).toMatchObject({ leaseOwner: null, leaseUntil: null, total: 19.98 });
    await saga.idle();
  });
});
