import { createPgPool, runMigrations, toPgConfig } from '@mesh/backends';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ORDER_MIGRATIONS } from './migrations.js';
import { OrderSaga, requestHash } from './order-saga.js';
import { PgOrderStore } from './pg-order-store.js';
import type { OrderInput } from './schemas.js';
import { FakeAgents } from './test-fake-ports.js';
import { newOrder } from './test-orders.js';

const adminUrl = realServerUrl('postgres');

describe.skipIf(!adminUrl)('PgOrderStore on a real PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let store: PgOrderStore;

  beforeAll(async () => {
    db = await createTestDatabase(adminUrl!, 'orders');
    const config = toPgConfig(
      { DATABASE_URL: db.url, DB_PORT: 5432, DB_POOL_MAX: 20 },
      { defaultDatabase: 'x' },
    );
    pool = createPgPool(config!);
    await runMigrations(pool, ORDER_MIGRATIONS, { name: 'order-agent' });
    // A second run (another replica starting) applies nothing.
    expect(await runMigrations(pool, ORDER_MIGRATIONS, { name: 'order-agent' })).toEqual([]);
    store = new PgOrderStore(pool);
  });

  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('creates an order once and returns the existing one to a second create', async () => {
    const first = await store.create(newOrder('pg-1'), 'a', 5_000);
    const second = await store.create({ ...newOrder('pg-1'), total: 1 }, 'b', 5_000);
    expect(first.created).toBe(true);
    expect(second).toMatchObject({
      created: false,
      order: { leaseOwner: 'a', total: 9.99, state: 'received' },
    });
  });

  it('owes the announcement of a decided order from the deciding write until it is marked', async () => {
    const graceless = new PgOrderStore(pool, 0);
    await graceless.create(newOrder('pg-ann-1'), 'a', 5_000);
    await graceless.create(newOrder('pg-ann-2'), 'a', 5_000);
    expect((await graceless.get('pg-ann-1'))?.announceDue).toBeNull();
    await graceless.transition('pg-ann-1', 'a', 'failed', { error: { code: 'X', message: 'x' } });
    await graceless.transition('pg-ann-2', 'a', 'failed', { error: { code: 'X', message: 'x' } });
    expect((await graceless.get('pg-ann-1'))?.announceDue).toBeInstanceOf(Date);
    // Two recovery passes at once never take the same order; a claimed one is not due again for a while.
    const [first, second] = await Promise.all([
      graceless.claimUnannounced(1, 60_000),
      graceless.claimUnannounced(1, 60_000),
    ]);
    const claimed = [...first, ...second].map((order) => order.orderId).sort();
    expect(claimed).toEqual(['pg-ann-1', 'pg-ann-2']);
    expect(await graceless.claimUnannounced(10, 60_000)).toEqual([]);
    await graceless.markAnnounced(['pg-ann-1', 'pg-ann-2']);
    expect((await graceless.get('pg-ann-2'))?.announceDue).toBeNull();
  });

  it('gives the deciding process the grace period before recovery announces', async () => {
    await store.create(newOrder('pg-ann-3'), 'a', 5_000);
    await store.transition('pg-ann-3', 'a', 'failed', { error: { code: 'X', message: 'x' } });
    const owed = await store.claimUnannounced(100, 60_000);
    expect(owed.map((order) => order.orderId)).not.toContain('pg-ann-3');
  });

  it('fences transitions on the lease owner and refuses forbidden transitions', async () => {
    await store.create(newOrder('pg-2'), 'a', 5_000);
    const moved = await store.transition('pg-2', 'a', 'user_validated', { userEmail: 'x@example.com' });
    expect(moved).toMatchObject({ state: 'user_validated', userEmail: 'x@example.com' });
    await expect(store.transition('pg-2', 'b', 'reserved')).rejects.toMatchObject({ code: 'LEASE_LOST' });
    await expect(store.transition('pg-2', 'a', 'completed')).rejects.toMatchObject({ code: 'CONFLICT' });
    const failed = await store.transition('pg-2', 'a', 'failed', { error: { code: 'X', message: 'y' } });
    expect(failed).toMatchObject({ state: 'failed', leaseOwner: null, error: { code: 'X', message: 'y' } });
  });

  it('answers a create exactly as the stored order reads back, in every initial state', async () => {
    const orders = [
      newOrder('pg-new-received'),
      newOrder('pg-new-reserved', {
        state: 'reserved',
        items: [
          { sku: 'ITEM-2', quantity: 3 },
          { sku: 'ITEM-1', quantity: 1 },
        ],
        total: 12.345,
        userEmail: 'u@example.com',
        userPhone: '+15550100',
        reservationId: 'res-new',
        paymentStatus: 'pending',
        paymentMethod: 'tok_visa',
        traceId: 'trace-new',
      }),
      newOrder('pg-new-compensating', {
        state: 'compensating',
        reservationId: null,
        error: { code: 'USER_NOT_FOUND', message: '' },
      }),
      newOrder('pg-new-failed', { state: 'failed', error: { code: 'OUT_OF_STOCK', message: 'none left' } }),
    ];
    for (const order of orders) {
      const { created, order: stored } = await store.create(order, 'a', 5_000);
      expect(created).toBe(true);
      expect(stored).toEqual(await store.get(order.orderId));
    }
  });

  it('answers a transition given the order it moves exactly as the stored order reads back', async () => {
    const { order } = await store.create(
      newOrder('pg-known', {
        state: 'reserved',
        reservationId: 'res-k',
        traceId: 't-1',
        paymentMethod: 'tok_visa',
      }),
      'a',
      5_000,
    );
    const patch = { paymentId: 'ch_k', paymentStatus: 'succeeded' } as const;
    const completed = await store.transition('pg-known', 'a', 'completed', patch, order);
    expect(completed).toEqual(await store.get('pg-known'));
    expect(completed).toMatchObject({ state: 'completed', paymentId: 'ch_k', total: 9.99, traceId: 't-1' });
    // A record of another order is not taken for this one's.
    await store.create(newOrder('pg-known-2', { state: 'reserved' }), 'a', 5_000);
    const other = await store.transition('pg-known-2', 'a', 'completed', patch, order);
    expect(other).toEqual(await store.get('pg-known-2'));
  });

  it('lets exactly one of several concurrent recoverers claim each stuck order', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `pg-stuck-${i}`);
    for (const id of ids) await store.create(newOrder(id), 'crashed', 1);
    await pool.query(`UPDATE orders SET lease_until = now() - interval '1 second' WHERE order_id = ANY($1)`, [
      ids,
    ]);
    const claims = await Promise.all(
      ['r1', 'r2', 'r3', 'r4'].map((owner) => store.claimStale(owner, 5_000, 5)),
    );
    const claimed = claims.flat().map((order) => order.orderId);
    expect(new Set(claimed).size).toBe(claimed.length);
    const rest = await store.claimStale('r5', 5_000, 100);
    expect(new Set([...claimed, ...rest.map((o) => o.orderId)])).toEqual(new Set(ids));
    expect(await store.claimStale('r6', 5_000, 100)).toEqual([]);
  });

  it('renews only the leases the owner still holds', async () => {
    await store.create(newOrder('pg-3'), 'a', 5_000);
    await store.create(newOrder('pg-4'), 'b', 5_000);
    expect(await store.renew('a', ['pg-3', 'pg-4'], 5_000)).toBe(1);
  });

  it('runs concurrent duplicates on two replicas into one outcome and one charge', async () => {
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    const replicas = [new OrderSaga(store, agents, 'replica-1'), new OrderSaga(store, agents, 'replica-2')];
    const input: OrderInput = {
      order_id: 'pg-dup',
      user_id: 'user-1',
      items: [{ sku: 'ITEM-1', quantity: 1 }],
      total: 9.99,
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => replicas[i % 2]!.process(input)));
    expect(new Set(results.map((r) => `${r.status}/${r.payment_id}`))).toEqual(
      new Set(['completed/pay-pg-dup']),
    );
    expect(agents.calls.filter((c) => c === 'charge')).toHaveLength(1);
    expect((await store.get('pg-dup'))?.requestHash).toBe(requestHash(input, 'usd'));
  });

  it('never oversells: 30 orders for 10 units leave exactly 10 completed', async () => {
    const agents = new FakeAgents({ 'SKU-RACE': 10 });
    agents.prices.set('SKU-RACE', 1);
    const saga = new OrderSaga(store, agents, 'racer');
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        saga.process({
          order_id: `race-${i}`,
          user_id: 'user-1',
          items: [{ sku: 'SKU-RACE', quantity: 1 }],
          total: 1,
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'completed')).toHaveLength(10);
    expect(agents.stock.get('SKU-RACE')).toBe(0);
    expect(agents.standingCharges()).toHaveLength(10);
  });
});
