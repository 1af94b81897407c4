import { randomBytes } from 'node:crypto';
import { createCache } from '@mesh/backends';
import { isMeshError } from '@mesh/common';
import { realServerUrl } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_STOCK_PER_SKU, demoPrice, seedDemoData } from './demo-data.js';
import { queryOperationSchema, storageOperationSchema } from './operations.js';
import { createTestBusinessDb, type TestBusinessDb } from './test-support.js';

const postgresUrl = realServerUrl('postgres');
const redisUrl = realServerUrl('redis');

describe('operation schemas', () => {
  it('rejects raw SQL, unknown ops, non-positive and fractional quantities', () => {
    expect(queryOperationSchema.safeParse({ op: 'sql', sql: 'SELECT 1' }).success).toBe(false);
    const reserve = (quantity: number) =>
      storageOperationSchema.safeParse({
        op: 'stock.reserve',
        order_id: 'o',
        items: [{ sku: 'A', quantity }],
      });
    expect(reserve(0).success).toBe(false);
    expect(reserve(-1).success).toBe(false);
    expect(reserve(1.5).success).toBe(false);
    expect(reserve(1).success).toBe(true);
  });

  it('bounds the number of items and the page size', () => {
    const items = Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 }));
    expect(storageOperationSchema.safeParse({ op: 'stock.reserve', order_id: 'o', items }).success).toBe(
      false,
    );
    expect(queryOperationSchema.safeParse({ op: 'user.list', limit: 1000 }).success).toBe(false);
  });
});

describe.skipIf(!postgresUrl)('data service with demo data (real PostgreSQL)', () => {
  let db: TestBusinessDb;
  beforeAll(async () => {
    db = await createTestBusinessDb(postgresUrl!, { demoData: true });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('seeds 100 demo users and 20 SKUs with large stock', async () => {
    const user = await db.service.query({ op: 'user.get', user_id: 'user-42' });
    expect(user).toEqual({
      id: 'user-42',
      username: 'user-42',
      email: 'user-42@example.com',
      name: 'Demo User 42',
    });
    const list = await db.service.query({ op: 'user.list', limit: 5, offset: 0 });
    expect(list['total']).toBe(100);
    const stock = await db.service.query({ op: 'stock.get', skus: ['ITEM-1', 'ITEM-20', 'ITEM-21'] });
    expect(stock['items']).toEqual([
      {
        sku: 'ITEM-1',
        name: 'Demo item 1',
        price: demoPrice(1),
        currency: 'usd',
        available: DEMO_STOCK_PER_SKU,
        reserved: 0,
      },
      {
        sku: 'ITEM-20',
        name: 'Demo item 20',
        price: demoPrice(20),
        currency: 'usd',
        available: DEMO_STOCK_PER_SKU,
        reserved: 0,
      },
    ]);
    expect(stock['missing']).toEqual(['ITEM-21']);
  });

  it('lists the catalogue in sku order, one bounded page at a time', async () => {
    const first = await db.service.query({ op: 'stock.list', limit: 15, offset: 0 });
    const items = first['items'] as Array<{ sku: string; price: number; currency: string }>;
    expect(items).toHaveLength(15);
    expect(items[0]).toMatchObject({ sku: 'ITEM-1', price: 9.99, currency: 'usd' });
    expect(items.map((i) => i.sku)).toEqual([...items.map((i) => i.sku)].sort());
    expect(first['next_offset']).toBe(15);
    const last = await db.service.query({ op: 'stock.list', limit: 15, offset: 15 });
    expect(last['items']).toHaveLength(5);
    expect(last['next_offset']).toBeNull();
    expect(queryOperationSchema.safeParse({ op: 'stock.list', limit: 101 }).success).toBe(false);
  });

  it('seeds only once, even after stock was used and replicas seed together', async () => {
    await db.service.store({
      op: 'stock.reserve',
      order_id: 'seed-once',
      items: [{ sku: 'ITEM-2', quantity: 5 }],
      ttl_seconds: 60,
    });
    const again = await Promise.all([seedDemoData(db.pool), seedDemoData(db.pool)]);
    expect(again).toEqual([false, false]);
    const row = await db.pool.query<{ available: string }>(
      "SELECT available FROM stock WHERE sku = 'ITEM-2'",
    );
    expect(Number(row.rows[0]?.available)).toBe(DEMO_STOCK_PER_SKU - 5);
  });

  it('answers NOT_FOUND for an unknown user and CONFLICT for a duplicate username', async () => {
    await expect(db.service.query({ op: 'user.get', user_id: 'nobody' })).rejects.toSatisfy((e) =>
      isMeshError(e, 'NOT_FOUND'),
    );
    await expect(
      db.service.store({ op: 'user.create', username: 'user-1', email: 'other@example.com', name: 'X' }),
    ).rejects.toSatisfy((e) => isMeshError(e, 'CONFLICT'));
  });
});

function invalidatesOnWrite(label: string, makeCache: () => ReturnType<typeof createCache>): void {
  describe.skipIf(!postgresUrl)(`cache invalidation with ${label}`, () => {
    let db: TestBusinessDb;
    beforeAll(async () => {
      db = await createTestBusinessDb(postgresUrl!, { cache: makeCache() });
      await db.service.store({
        op: 'user.create',
        user_id: 'u-1',
        username: 'ann',
        email: 'ann@example.com',
        name: 'Ann',
      });
      await db.service.store({ op: 'stock.restock', sku: 'C-1', quantity: 10 });
    });
    afterAll(async () => {
      await db?.close();
    });

    it('serves user reads from the cache and drops the entry on update', async () => {
      expect(await db.service.query({ op: 'user.get', user_id: 'u-1' })).toMatchObject({ name: 'Ann' });
      // Changed behind the service's back: a cached read still shows the old name…
      await db.pool.query("UPDATE users SET name = 'Behind' WHERE id = 'u-1'");
      expect(await db.service.query({ op: 'user.get', user_id: 'u-1' })).toMatchObject({ name: 'Ann' });
      // …and a write through the service invalidates it.
      await db.service.store({ op: 'user.update', user_id: 'u-1', phone: '+15550100' });
      expect(await db.service.query({ op: 'user.get', user_id: 'u-1' })).toMatchObject({
        name: 'Behind',
        phone: '+15550100',
      });
    });

    it('drops cached stock levels on reserve, release and restock', async () => {
      const get = async () =>
        (
          (await db.service.query({ op: 'stock.get', skus: ['C-1'] }))['items'] as Array<{
            available: number;
          }>
        )[0]?.available;
      expect(await get()).toBe(10);
      const r = await db.service.store({
        op: 'stock.reserve',
        order_id: 'c-order',
        items: [{ sku: 'C-1', quantity: 4 }],
        ttl_seconds: 60,
      });
      expect(await get()).toBe(6);
      await db.service.store({ op: 'stock.release', reservation_id: r['reservation_id'] as string });
      expect(await get()).toBe(10);
      await db.service.store({ op: 'stock.restock', sku: 'C-1', quantity: 5 });
      expect(await get()).toBe(15);
    });
  });
}

invalidatesOnWrite('the in-memory cache', () => createCache({ prefix: 'db:' }));
if (redisUrl) {
  invalidatesOnWrite('real Redis', () =>
    createCache({ redisUrl, prefix: `test:${randomBytes(4).toString('hex')}:db:` }),
  );
}
