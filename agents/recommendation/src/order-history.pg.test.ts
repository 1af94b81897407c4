import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bestSellers, completedOrders } from './order-history.js';
import type { RecommendationModel } from './model.js';
import { train } from './train-command.js';

const postgresUrl = realServerUrl('postgres');

/**
 * The order agent's `orders` table, reduced to the columns the history reads (same names and types as its
 * migration 001_orders), in a fresh database on the real server.
 */
describe.skipIf(!postgresUrl)('order history in PostgreSQL and the train command', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  const dir = mkdtempSync(join(tmpdir(), 'train-'));

  const insert = async (id: string, user: string, skus: string[], state = 'completed', minute = 0) => {
    await pool.query(
      `INSERT INTO orders (order_id, user_id, items, state, created_at)
       VALUES ($1, $2, $3, $4, timestamptz '2026-12-01T00:00:00Z' + $5 * interval '1 minute')`,
      [id, user, JSON.stringify(skus.map((sku) => ({ sku, quantity: 1 }))), state, minute],
    );
  };

  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!, 'recommendation');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    await pool.query(`CREATE TABLE orders (
      order_id text PRIMARY KEY, user_id text NOT NULL, items jsonb NOT NULL, state text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now())`);
    await insert('o1', 'ann', ['TEA', 'POT'], 'completed', 1);
    await insert('o2', 'bob', ['TEA', 'CUP'], 'completed', 2);
    await insert('o3', 'bob', ['POT'], 'completed', 3);
    await insert('o4', 'cat', ['COFFEE'], 'failed', 4);
    await insert('o5', 'dan', ['COFFEE', 'TEA'], 'compensated', 5);
    await insert('o6', 'eve', ['CUP'], 'completed', 6);
  });

  afterAll(async () => {
    await pool.end();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads only completed orders, oldest first, across pages', async () => {
    const read = [];
    for await (const order of completedOrders(pool, { maxOrders: 100, pageSize: 2 }))
      read.push(order.user_id);
    expect(read).toEqual(['ann', 'bob', 'bob', 'eve']);
  });

  it('reads the most recent maxOrders only', async () => {
    const read = [];
    for await (const order of completedOrders(pool, { maxOrders: 2, pageSize: 1 })) read.push(order.user_id);
    expect(read).toEqual(['bob', 'eve']);
  });

  it('counts best sellers over completed orders', async () => {
    expect(await bestSellers(pool, { limit: 2, window: 100 })).toEqual([
      { sku: 'CUP', units: 2 },
      { sku: 'POT', units: 2 },
    ]);
  });

  it('trains the model from the table into ML_MODEL_PATH', async () => {
    const path = join(dir, 'models', 'recommendations.json');
    const result = await train({ DATABASE_URL: database.url, ML_MODEL_PATH: path });
    expect(result).toMatchObject({ path, orders: 4 });
    const model = JSON.parse(readFileSync(path, 'utf8')) as RecommendationModel;
    // TEA's buyers ann, bob; POT's ann, bob: always bought by the same shoppers.
    expect(model.neighbours['TEA']?.[0]).toEqual({ sku: 'POT', score: 1 });
    expect(model.neighbours['COFFEE']).toBeUndefined();
  });

  it('reads an empty history where the order agent has not created its table', async () => {
    const other = await createTestDatabase(postgresUrl!, 'recommendation');
    const otherPool = new pg.Pool({ connectionString: other.url, max: 1 });
    try {
      const read = [];
      for await (const order of completedOrders(otherPool, { maxOrders: 10 })) read.push(order);
      expect(read).toEqual([]);
      expect(await bestSellers(otherPool, { limit: 5, window: 10 })).toEqual([]);
    } finally {
      await otherPool.end();
      await other.drop();
    }
  });
});
