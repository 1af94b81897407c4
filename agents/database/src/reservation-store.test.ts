import { isMeshError, type MeshError } from '@mesh/common';
import { realServerUrl } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storageOperationSchema, type StorageOperation } from './operations.js';
import { createTestBusinessDb, stockLevel, type TestBusinessDb } from './test-support.js';

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)('reservations (real PostgreSQL)', () => {
  let db: TestBusinessDb;
  let counter = 0;
  // Untyped on purpose: these tests send operations as a caller's JSON would arrive.
  const store = async (input: Record<string, unknown>): Promise<Record<string, unknown>> =>
    db.service.store(storageOperationSchema.parse(input) as StorageOperation);
  const newSku = async (quantity: number): Promise<string> => {
    counter += 1;
    const sku = `SKU-${counter}`;
    await store({ op: 'stock.restock', sku, quantity, price: 2.5 });
    return sku;
  };
  const level = (sku: string) => stockLevel(db.pool, sku);
  const failure = async (work: Promise<unknown>): Promise<MeshError> => {
    const error = await work.then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!isMeshError(error)) throw new Error(`expected a MeshError, got ${String(error)}`);
    return error;
  };

  beforeAll(async () => {
    db = await createTestBusinessDb(postgresUrl!, { poolMax: 20 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('lets exactly 10 of 50 concurrent single-unit reservations through for 10 units, never below zero', async () => {
    const sku = await newSku(10);
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        store({ op: 'stock.reserve', order_id: `race-${i}`, items: [{ sku, quantity: 1 }] }),
      ),
    );
    const succeeded = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const failed = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(succeeded).toHaveLength(10);
    expect(failed.every((outcome) => isMeshError(outcome.reason, 'OUT_OF_STOCK'))).toBe(true);
    expect(await level(sku)).toEqual({ available: 0, reserved: 10, sold: 0 });
  });

  it('reserves all items or none', async () => {
    const plenty = await newSku(100);
    const scarce = await newSku(1);
    const error = await failure(
      store({
        op: 'stock.reserve',
        order_id: 'all-or-nothing',
        items: [
          { sku: plenty, quantity: 5 },
          { sku: scarce, quantity: 2 },
        ],
      }),
    );
    expect(error.code).toBe('OUT_OF_STOCK');
    expect(error.data).toMatchObject({ sku: scarce, requested: 2, available: 1 });
    expect(await level(plenty)).toEqual({ available: 100, reserved: 0, sold: 0 });
    const none = await db.pool.query("SELECT 1 FROM reservations WHERE order_id = 'all-or-nothing'");
    expect(none.rowCount).toBe(0);
  });

  it('reports an unknown SKU as out of stock with nothing available', async () => {
    const error = await failure(
      store({ op: 'stock.reserve', order_id: 'unknown', items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] }),
    );
    expect(error.code).toBe('OUT_OF_STOCK');
    expect(error.data).toMatchObject({ sku: 'NO-SUCH-SKU', available: 0, unknown_skus: ['NO-SUCH-SKU'] });
  });

  it('returns the first reservation when the same order reserves again, also concurrently', async () => {
    const sku = await newSku(10);
    const [a, b] = await Promise.all([
      store({ op: 'stock.reserve', order_id: 'order-idem', items: [{ sku, quantity: 3 }] }),
      store({ op: 'stock.reserve', order_id: 'order-idem', items: [{ sku, quantity: 3 }] }),
    ]);
    expect(a['reservation_id']).toBe(b['reservation_id']);
    expect([a['replayed'], b['replayed']].sort()).toEqual([false, true]);
    expect(await level(sku)).toEqual({ available: 7, reserved: 3, sold: 0 });
  });

  it('merges repeated SKUs within one reservation', async () => {
    const sku = await newSku(10);
    const reservation = await store({
      op: 'stock.reserve',
      order_id: 'merge',
      items: [
        { sku, quantity: 2 },
        { sku, quantity: 3 },
      ],
    });
    expect(reservation['items']).toEqual([{ sku, quantity: 5 }]);
    expect(await level(sku)).toMatchObject({ available: 5, reserved: 5 });
  });

  it('commits once, refuses release after commit, and moves stock to sold', async () => {
    const sku = await newSku(10);
    const { reservation_id } = await store({
      op: 'stock.reserve',
      order_id: 'commit',
      items: [{ sku, quantity: 4 }],
    });
    expect((await store({ op: 'stock.commit', reservation_id }))['status']).toBe('committed');
    expect((await store({ op: 'stock.commit', reservation_id }))['status']).toBe('committed');
    expect(await level(sku)).toEqual({ available: 6, reserved: 0, sold: 4 });
    const error = await failure(store({ op: 'stock.release', reservation_id }));
    expect(error.code).toBe('CONFLICT');
    expect(error.data).toMatchObject({ status: 'committed' });
    expect(await level(sku)).toEqual({ available: 6, reserved: 0, sold: 4 });
  });

  it('returns stock on release, releases idempotently, and refuses to commit a released reservation', async () => {
    const sku = await newSku(10);
    const { reservation_id } = await store({
      op: 'stock.reserve',
      order_id: 'release',
      items: [{ sku, quantity: 4 }],
    });
    expect((await store({ op: 'stock.release', reservation_id }))['status']).toBe('released');
    expect((await store({ op: 'stock.release', reservation_id }))['status']).toBe('released');
    expect(await level(sku)).toEqual({ available: 10, reserved: 0, sold: 0 });
    const error = await failure(store({ op: 'stock.commit', reservation_id }));
    expect(error.code).toBe('CONFLICT');
    expect(error.data).toMatchObject({ status: 'released' });
  });

  it('refuses a reservation id another order already uses, taking no stock', async () => {
    const sku = await newSku(5);
    const first = { op: 'stock.reserve', reservation_id: 'res-shared', order_id: 'order-a' };
    await store({ ...first, items: [{ sku, quantity: 2 }] });
    const error = await failure(store({ ...first, order_id: 'order-b', items: [{ sku, quantity: 1 }] }));
    expect(error.code).toBe('CONFLICT');
    expect(error.data).toMatchObject({ reservation_id: 'res-shared' });
    expect(await level(sku)).toEqual({ available: 3, reserved: 2, sold: 0 });
  });

  it('commits many reservations in one transaction and answers each: committed, conflict or not found', async () => {
    const a = await newSku(10);
    const b = await newSku(10);
    const reserve = (orderId: string, items: { sku: string; quantity: number }[]) =>
      store({ op: 'stock.reserve', order_id: orderId, items }).then((r) => r['reservation_id'] as string);
    const first = await reserve('many-1', [{ sku: a, quantity: 2 }]);
    const second = await reserve('many-2', [
      { sku: a, quantity: 1 },
      { sku: b, quantity: 3 },
    ]);
    const done = await reserve('many-3', [{ sku: b, quantity: 1 }]);
    const released = await reserve('many-4', [{ sku: a, quantity: 1 }]);
    await store({ op: 'stock.commit', reservation_id: done });
    await store({ op: 'stock.release', reservation_id: released });

    const reply = await store({
      op: 'stock.commit_many',
      reservation_ids: [second, first, done, released, 'res-missing', first],
    });
    expect(reply['results']).toEqual([
      { reservation_id: second, status: 'committed' },
      { reservation_id: first, status: 'committed' },
      { reservation_id: done, status: 'committed' },
      { reservation_id: released, status: 'released' },
      { reservation_id: 'res-missing', status: null },
    ]);
    expect(await level(a)).toEqual({ available: 7, reserved: 0, sold: 3 });
    expect(await level(b)).toEqual({ available: 6, reserved: 0, sold: 4 });
    // Repeating it moves nothing.
    await store({ op: 'stock.commit_many', reservation_ids: [first, second] });
    expect(await level(a)).toEqual({ available: 7, reserved: 0, sold: 3 });
  });

  it('commits a batch in one round trip to the server, as a single commit is', async () => {
    const sku = await newSku(10);
    const ids = await Promise.all(
      ['trip-1', 'trip-2', 'trip-3'].map((orderId) =>
        store({ op: 'stock.reserve', order_id: orderId, items: [{ sku, quantity: 1 }] }).then(
          (r) => r['reservation_id'] as string,
        ),
      ),
    );
    const queries = vi.spyOn(db.pool, 'query');
    const connects = vi.spyOn(db.pool, 'connect');
    try {
      await store({ op: 'stock.commit_many', reservation_ids: ids });
      // One pool.query (which checks a client out once itself); it was a transaction on a checked-out client:
      // BEGIN, lock, update, sum, lock stock, update, COMMIT, seven round trips.
      expect(queries).toHaveBeenCalledTimes(1);
      expect(connects).toHaveBeenCalledTimes(1);
    } finally {
      queries.mockRestore();
      connects.mockRestore();
    }
    expect(await level(sku)).toEqual({ available: 7, reserved: 0, sold: 3 });
  });

  it('plans the reservation and the batched commit once per session: later calls reuse generic plans', async () => {
    // PostgreSQL plans a PL/pgSQL statement per call (a custom plan, with the SKUs or ids as a literal array)
    // until its generic plan looks no dearer; with arrays it often never did, so every call planned again.
    // auto_explain prints each nested statement's plan: a custom one names the literal values.
    const sku = await newSku(20);
    const client = await db.pool.connect();
    const plans: string[] = [];
    const onNotice = (notice: { message?: string }): void => {
      plans.push(notice.message ?? '');
    };
    const lastCallPlans = async (calls: (() => Promise<unknown>)[]): Promise<string> => {
      for (const call of calls) {
        plans.length = 0;
        await call();
      }
      // The functions' own statements: not the call of the function, whose arguments the test wrote.
      return plans.filter((plan) => !plan.includes('Query Text: SELECT id')).join('\n');
    };
    client.on('notice', onNotice);
    try {
      await client.query("LOAD 'auto_explain'");
      await client.query('SET auto_explain.log_min_duration = 0');
      await client.query('SET auto_explain.log_nested_statements = on');
      await client.query('SET auto_explain.log_level = notice');
      await client.query('SET auto_explain.log_verbose = on');
      // Which plan the server prefers depends on its statistics (on a running system it planned the
      // reservation's stock update anew on every call, on this fresh database it does not); a session that
      // always prefers custom plans stands for the worst case. The functions' own setting must win.
      await client.query('SET plan_cache_mode = force_custom_plan');
      const ids: string[] = [];
      const reserve = await lastCallPlans(
        Array.from({ length: 8 }, (_, i) => async () => {
          const reserved = await client.query<{ id: string }>(
            'SELECT id FROM mesh_reserve_stock_priced($1, $2, $3::text[], $4::bigint[], 60, false)',
            [`plan-res-${i}`, `plan-${i}`, [sku], [1]],
          );
          ids.push(reserved.rows[0]!.id);
        }),
      );
      const commit = await lastCallPlans(
        ids.map(
          (id) => () => client.query('SELECT id, status FROM mesh_commit_reservations($1::text[])', [[id]]),
        ),
      );
      expect(reserve).toContain('UPDATE stock');
      expect(reserve).not.toContain(`'{${sku}}'`);
      expect(commit).toContain('reservation_items');
      expect(commit).toMatch(/= ANY \(/);
      expect(commit).not.toMatch(/= ANY \('\{/);
    } finally {
      client.off('notice', onNotice);
      client.release(true);
    }
    expect(await level(sku)).toEqual({ available: 12, reserved: 0, sold: 8 });
  });

  it('conserves stock when batched commits race single commits, releases and expiry', async () => {
    const sku = await newSku(60);
    const ids = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        store({ op: 'stock.reserve', order_id: `race-many-${i}`, items: [{ sku, quantity: 2 }] }).then(
          (r) => r['reservation_id'] as string,
        ),
      ),
    );
    const batches = [ids.slice(0, 15), ids.slice(10, 25), ids.slice(20)];
    await Promise.all([
      ...batches.map((batch) => store({ op: 'stock.commit_many', reservation_ids: batch })),
      ...ids.slice(25).map((id) => store({ op: 'stock.release', reservation_id: id }).catch(() => undefined)),
      ...ids.slice(0, 5).map((id) => store({ op: 'stock.commit', reservation_id: id })),
    ]);
    const { available, reserved, sold } = await level(sku);
    expect(reserved).toBe(0);
    expect(available + reserved + sold).toBe(60);
    expect(sold).toBeGreaterThanOrEqual(50);
  });

  it('answers NOT_FOUND for an unknown reservation', async () => {
    const error = await failure(store({ op: 'stock.commit', reservation_id: 'res-missing' }));
    expect(error.code).toBe('NOT_FOUND');
  });

  it('expires due reservations, returning their stock, and leaves others alone', async () => {
    const sku = await newSku(10);
    const due = await store({ op: 'stock.reserve', order_id: 'exp-due', items: [{ sku, quantity: 3 }] });
    const later = await store({ op: 'stock.reserve', order_id: 'exp-later', items: [{ sku, quantity: 2 }] });
    // Backdate one reservation instead of waiting for its TTL.
    await db.pool.query("UPDATE reservations SET expires_at = now() - interval '1 second' WHERE id = $1", [
      due['reservation_id'],
    ]);
    const swept = await store({ op: 'stock.expire_reservations' });
    expect(swept['reservation_ids']).toContain(due['reservation_id']);
    expect(swept['reservation_ids']).not.toContain(later['reservation_id']);
    expect(await level(sku)).toEqual({ available: 8, reserved: 2, sold: 0 });
    expect((await store({ op: 'stock.expire_reservations' }))['reservation_ids']).not.toContain(
      due['reservation_id'],
    );
    const commitExpired = await failure(store({ op: 'stock.commit', reservation_id: due['reservation_id'] }));
    expect(commitExpired.data).toMatchObject({ status: 'expired' });
    expect((await store({ op: 'stock.release', reservation_id: due['reservation_id'] }))['status']).toBe(
      'expired',
    );
    expect(await level(sku)).toEqual({ available: 8, reserved: 2, sold: 0 });
  });

  it('conserves stock across concurrent reserve, release, commit and expiry of multi-SKU orders', async () => {
    const a = await newSku(30);
    const b = await newSku(30);
    const work = Array.from({ length: 40 }, async (_, i) => {
      const items =
        i % 2 === 0
          ? [
              { sku: a, quantity: 2 },
              { sku: b, quantity: 1 },
            ]
          : [
              { sku: b, quantity: 2 },
              { sku: a, quantity: 1 },
            ];
      try {
        const r = await store({ op: 'stock.reserve', order_id: `mix-${i}`, items });
        if (i % 3 === 0) await store({ op: 'stock.release', reservation_id: r['reservation_id'] });
        else if (i % 3 === 1) await store({ op: 'stock.commit', reservation_id: r['reservation_id'] });
      } catch (error: unknown) {
        if (!isMeshError(error, 'OUT_OF_STOCK')) throw error;
      }
    });
    await Promise.all(work);
    for (const sku of [a, b]) {
      const { available, reserved, sold } = await level(sku);
      expect(available).toBeGreaterThanOrEqual(0);
      expect(available + reserved + sold).toBe(30);
    }
  });
});
