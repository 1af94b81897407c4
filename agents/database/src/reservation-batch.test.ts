import { realServerUrl } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storageOperationSchema, type StorageOperation } from './operations.js';
import { createTestBusinessDb, stockLevel, type TestBusinessDb } from './test-support.js';

const postgresUrl = realServerUrl('postgres');

type Result = {
  order_id: string;
  reservation?: Record<string, unknown>;
  error?: { code: string; message: string; data?: Record<string, unknown> };
};

describe.skipIf(!postgresUrl)('stock.reserve_many: many orders in one transaction (real PostgreSQL)', () => {
  let db: TestBusinessDb;
  let counter = 0;
  // Untyped on purpose: these tests send operations as a caller's JSON would arrive.
  const store = async (input: Record<string, unknown>): Promise<Record<string, unknown>> =>
    db.service.store(storageOperationSchema.parse(input) as StorageOperation);
  const reserveMany = async (reservations: Record<string, unknown>[]): Promise<Result[]> =>
    (await store({ op: 'stock.reserve_many', reservations }))['results'] as Result[];
  const newSku = async (quantity: number, price = 2.5): Promise<string> => {
    counter += 1;
    const sku = `BATCH-${counter}`;
    await store({ op: 'stock.restock', sku, quantity, price });
    return sku;
  };
  const level = (sku: string) => stockLevel(db.pool, sku);
  const reservationsOf = async (orderId: string): Promise<number> =>
    (await db.pool.query('SELECT 1 FROM reservations WHERE order_id = $1', [orderId])).rowCount ?? 0;

  beforeAll(async () => {
    db = await createTestBusinessDb(postgresUrl!, { poolMax: 20 });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reserves each order of a batch in one round trip; an order short of stock fails alone', async () => {
    const plenty = await newSku(100, 4);
    const scarce = await newSku(3, 1.25);
    const queries = vi.spyOn(db.pool, 'query');
    let results: Result[];
    try {
      results = await reserveMany([
        { order_id: 'many-a', items: [{ sku: plenty, quantity: 5 }] },
        {
          order_id: 'many-b',
          items: [
            { sku: scarce, quantity: 2 },
            { sku: plenty, quantity: 1 },
          ],
        },
        // Asks more of the scarce SKU than the order ahead of it left.
        {
          order_id: 'many-c',
          items: [
            { sku: plenty, quantity: 7 },
            { sku: scarce, quantity: 2 },
          ],
        },
      ]);
      // The batch's statement, and one read that says what the refused order lacks.
      expect(queries).toHaveBeenCalledTimes(2);
    } finally {
      queries.mockRestore();
    }
    expect(results.map((result) => result.order_id)).toEqual(['many-a', 'many-b', 'many-c']);
    expect(results[0]!.reservation).toMatchObject({
      order_id: 'many-a',
      status: 'reserved',
      replayed: false,
      items: [{ sku: plenty, quantity: 5 }],
      prices: [{ sku: plenty, price: 4, currency: 'usd' }],
    });
    expect(results[1]!.reservation).toMatchObject({
      order_id: 'many-b',
      items: [
        { sku: plenty, quantity: 1 },
        { sku: scarce, quantity: 2 },
      ].sort((x, y) => (x.sku < y.sku ? -1 : 1)),
    });
    expect(results[2]!.reservation).toBeUndefined();
    expect(results[2]!.error).toMatchObject({
      code: 'OUT_OF_STOCK',
      data: { sku: scarce, requested: 2, available: 1 },
    });
    expect(await level(plenty)).toEqual({ available: 94, reserved: 6, sold: 0 });
    expect(await level(scarce)).toEqual({ available: 1, reserved: 2, sold: 0 });
    expect(await reservationsOf('many-c')).toBe(0);
  });

  it('answers a replay with the order reservation, renews a released one, and names unknown SKUs', async () => {
    const sku = await newSku(10);
    const first = await store({
      op: 'stock.reserve',
      order_id: 'many-replay',
      items: [{ sku, quantity: 2 }],
    });
    const released = await store({
      op: 'stock.reserve',
      order_id: 'many-renew',
      items: [{ sku, quantity: 3 }],
    });
    await store({ op: 'stock.release', reservation_id: released['reservation_id'] });
    const results = await reserveMany([
      { order_id: 'many-replay', items: [{ sku, quantity: 9 }] },
      { order_id: 'many-renew', items: [{ sku, quantity: 4 }], renew: true },
      { order_id: 'many-unknown', items: [{ sku: 'NO-SUCH-SKU', quantity: 1 }] },
    ]);
    expect(results[0]!.reservation).toMatchObject({
      reservation_id: first['reservation_id'],
      replayed: true,
      items: [{ sku, quantity: 2 }],
    });
    expect(results[1]!.reservation).toMatchObject({
      reservation_id: released['reservation_id'],
      status: 'reserved',
      replayed: false,
      items: [{ sku, quantity: 4 }],
    });
    expect(results[2]!.error).toMatchObject({
      code: 'OUT_OF_STOCK',
      data: { unknown_skus: ['NO-SUCH-SKU'] },
    });
    expect(await level(sku)).toEqual({ available: 4, reserved: 6, sold: 0 });
  });

  it('takes the stock once for an order sent twice in one batch', async () => {
    const sku = await newSku(10);
    const results = await reserveMany([
      { order_id: 'many-twice', items: [{ sku, quantity: 4 }] },
      { order_id: 'many-twice', items: [{ sku, quantity: 4 }] },
    ]);
    expect(results[0]!.reservation?.['reservation_id']).toBe(results[1]!.reservation?.['reservation_id']);
    expect(results[1]!.reservation).toMatchObject({ replayed: true });
    expect(await level(sku)).toEqual({ available: 6, reserved: 4, sold: 0 });
    expect(await reservationsOf('many-twice')).toBe(1);
  });

  it('answers an order sent twice in one batch alike, whether it was taken, refused or renewed', async () => {
    const sku = await newSku(5, 3);
    const renewed = await store({
      op: 'stock.reserve',
      order_id: 'many-again-2-renew',
      items: [{ sku, quantity: 1 }],
    });
    await store({ op: 'stock.release', reservation_id: renewed['reservation_id'] });
    const results = await reserveMany([
      { order_id: 'many-again-1-taken', items: [{ sku, quantity: 2 }] },
      { order_id: 'many-again-1-taken', items: [{ sku, quantity: 2 }] },
      { order_id: 'many-again-3-refused', items: [{ sku, quantity: 4 }] },
      { order_id: 'many-again-3-refused', items: [{ sku, quantity: 4 }] },
      { order_id: 'many-again-2-renew', items: [{ sku, quantity: 3 }], renew: true },
      { order_id: 'many-again-2-renew', items: [{ sku, quantity: 3 }], renew: true },
    ]);
    const taken = { items: [{ sku, quantity: 2 }], prices: [{ sku, price: 3, currency: 'usd' }] };
    expect(results[0]!.reservation).toMatchObject({ ...taken, replayed: false, status: 'reserved' });
    expect(results[1]!.reservation).toMatchObject({ ...taken, replayed: true, status: 'reserved' });
    for (const refused of [results[2]!, results[3]!]) {
      expect(refused.error).toMatchObject({
        code: 'OUT_OF_STOCK',
        data: { sku, requested: 4, available: 0 },
      });
    }
    expect(results[4]!.reservation).toMatchObject({
      reservation_id: renewed['reservation_id'],
      replayed: false,
      items: [{ sku, quantity: 3 }],
    });
    expect(results[5]!.reservation).toMatchObject({
      reservation_id: renewed['reservation_id'],
      replayed: true,
      status: 'reserved',
      items: [{ sku, quantity: 3 }],
    });
    expect(await level(sku)).toEqual({ available: 0, reserved: 5, sold: 0 });
    expect(await reservationsOf('many-again-3-refused')).toBe(0);
  });

  it('refuses a reservation id another order already uses, taking nothing for that order only', async () => {
    const sku = await newSku(10);
    const taken = await store({ op: 'stock.reserve', order_id: 'many-owner', items: [{ sku, quantity: 1 }] });
    const results = await reserveMany([
      { reservation_id: taken['reservation_id'], order_id: 'many-thief', items: [{ sku, quantity: 1 }] },
      { order_id: 'many-honest', items: [{ sku, quantity: 1 }] },
    ]);
    expect(results[0]!.error).toMatchObject({ code: 'CONFLICT' });
    expect(results[1]!.reservation).toMatchObject({ status: 'reserved' });
    expect(await level(sku)).toEqual({ available: 8, reserved: 2, sold: 0 });
    expect(await reservationsOf('many-thief')).toBe(0);
  });

  it('does not deadlock when two batches meet an order stored while they waited', async () => {
    // Batch A waits on another transaction's insert of meet-1; meet-2 is stored meanwhile; batch B, with
    // meet-0 first, waits on another insert of meet-0. A batch that locked the rows its orders already had
    // before inserting its new ones made B hold meet-2 while it waited, then wait for A's meet-1, while A,
    // having inserted meet-1, waited for meet-2: a deadlock, one batch failed whole. Batches now insert
    // their new rows first (in order id order), then lock the rows they did not insert (by id).
    const sku = await newSku(10);
    const order = (orderId: string) => ({ order_id: orderId, items: [{ sku, quantity: 1 }] });
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const [blocker0, blocker1] = [await db.pool.connect(), await db.pool.connect()];
    const hold = async (client: typeof blocker0, orderId: string) => {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO reservations (id, order_id, status, expires_at)
         VALUES ($1, $2, 'reserved', now() + interval '1 minute')`,
        [`res-blocker-${orderId}`, orderId],
      );
    };
    let outcomes: PromiseSettledResult<Result[]>[];
    try {
      await hold(blocker0, 'meet-0');
      await hold(blocker1, 'meet-1');
      const first = reserveMany([order('meet-1'), order('meet-2')]);
      await pause(200);
      await store({ op: 'stock.reserve', ...order('meet-2') });
      const second = reserveMany([order('meet-0'), order('meet-1'), order('meet-2')]);
      await pause(200);
      await blocker1.query('ROLLBACK');
      await pause(200);
      await blocker0.query('ROLLBACK');
      outcomes = await Promise.allSettled([first, second]);
    } finally {
      blocker0.release();
      blocker1.release();
    }
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toEqual([]);
    expect(await level(sku)).toEqual({ available: 7, reserved: 3, sold: 0 });
  });

  it('conserves stock and never deadlocks when batches race commits, replays, releases and single reserves', async () => {
    // Batches lock their orders' reservations before any stock row, as every other reservation function
    // does (a deadlock would fail a call with STORAGE_ERROR after the server's deadlock timeout).
    const skus = [await newSku(200), await newSku(200), await newSku(200)];
    const items = (i: number) => [
      { sku: skus[i % 3]!, quantity: 1 },
      { sku: skus[(i + 1) % 3]!, quantity: 2 },
    ];
    const held = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store({ op: 'stock.reserve', order_id: `many-race-held-${i}`, items: items(i) }).then(
          (r) => r['reservation_id'] as string,
        ),
      ),
    );
    const batch = (from: number, reversed: boolean) => {
      const orders = Array.from({ length: 8 }, (_, i) => ({
        order_id: `many-race-${from + i}`,
        items: items(from + i).reverse(),
      }));
      // Replays of held orders ride along, while those orders commit or release.
      orders.push({ order_id: `many-race-held-${from % 12}`, items: items(0) });
      return reversed ? orders.reverse() : orders;
    };
    const outcomes = await Promise.allSettled([
      reserveMany(batch(0, false)),
      reserveMany(batch(4, true)),
      reserveMany(batch(8, false)),
      reserveMany(batch(100, true)),
      store({ op: 'stock.commit_many', reservation_ids: held.slice(0, 8) }),
      ...held.slice(8).map((id) => store({ op: 'stock.release', reservation_id: id })),
      ...[4, 5, 6].map((i) => store({ op: 'stock.reserve', order_id: `many-race-${i}`, items: items(i) })),
    ]);
    const refused = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(refused).toEqual([]);
    const batchResults = outcomes
      .slice(0, 4)
      .flatMap((outcome) => (outcome.status === 'fulfilled' ? (outcome.value as Result[]) : []));
    expect(batchResults.filter((result) => result.error !== undefined)).toEqual([]);
    let total = 0;
    for (const sku of skus) {
      const { available, reserved, sold } = await level(sku);
      total += available + reserved + sold;
      const held = await db.pool.query<{ quantity: string }>(
        `SELECT coalesce(sum(i.quantity), 0) AS quantity FROM reservation_items i
         JOIN reservations r ON r.id = i.reservation_id WHERE i.sku = $1 AND r.status = 'reserved'`,
        [sku],
      );
      expect(reserved).toBe(Number(held.rows[0]!.quantity));
    }
    expect(total).toBe(600);
  });

  it('rejects an empty batch and one larger than the limit', () => {
    expect(() => storageOperationSchema.parse({ op: 'stock.reserve_many', reservations: [] })).toThrow();
    const order = { order_id: 'x', items: [{ sku: 'a', quantity: 1 }] };
    expect(() =>
      storageOperationSchema.parse({ op: 'stock.reserve_many', reservations: Array(51).fill(order) }),
    ).toThrow();
  });
});
