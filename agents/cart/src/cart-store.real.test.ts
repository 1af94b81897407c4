import { randomBytes } from 'node:crypto';
import { runMigrations } from '@mesh/backends';
import { silentLogger } from '@mesh/common';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyCart } from './cart-service.js';
import type { CartStore } from './cart-store.js';
import { CART_MIGRATIONS, PgCartStore } from './pg-cart-store.js';
import { RedisCartStore } from './redis-cart-store.js';

const redisUrl = realServerUrl('redis');
const postgresUrl = realServerUrl('postgres');

/** The same compare-and-set contract, held by each real backend. */
function storeContract(name: string, open: () => Promise<CartStore>, close: () => Promise<void>) {
  describe(`${name} cart store`, () => {
    let store: CartStore;
    beforeAll(async () => {
      store = await open();
    });
    afterAll(async () => {
      await store.close();
      await close();
    });

    it('creates a cart only where there is none, then writes only over the revision read', async () => {
      const cart = emptyCart('c1', 1, Date.now());
      expect(await store.load('u1')).toBeUndefined();
      expect(await store.save('u1', cart, null, 60_000)).toBe(true);
      expect(await store.save('u1', cart, null, 60_000)).toBe(false);
      const next = { ...cart, rev: 2, lines: [{ sku: 'ITEM-1', quantity: 1 }] };
      expect(await store.save('u1', next, 1, 60_000)).toBe(true);
      expect(await store.save('u1', { ...next, rev: 3 }, 1, 60_000)).toBe(false);
      expect(await store.load('u1')).toEqual(next);
    });

    it('lets exactly one of many concurrent writers of one revision win', async () => {
      await store.save('u2', emptyCart('c2', 1, Date.now()), null, 60_000);
      const wins = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          store.save('u2', { ...emptyCart(`w${i}`, 2, Date.now()) }, 1, 60_000),
        ),
      );
      expect(wins.filter(Boolean)).toHaveLength(1);
    });

    it('forgets a cart after its TTL, and a new cart takes its place', async () => {
      await store.save('u3', emptyCart('c3', 1, Date.now()), null, 50);
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await store.load('u3')).toBeUndefined();
      expect(await store.save('u3', emptyCart('c4', 2, Date.now()), null, 60_000)).toBe(true);
      expect((await store.load('u3'))?.id).toBe('c4');
    });
  });
}

describe.skipIf(!redisUrl)('real Redis', () => {
  const prefix = `test-cart-${randomBytes(4).toString('hex')}:`;
  storeContract(
    'Redis',
    async () => new RedisCartStore({ url: redisUrl!, prefix, logger: silentLogger() }),
    async () => {
      // Keys expire by themselves (TTL); nothing else to remove.
    },
  );
});

describe.skipIf(!postgresUrl)('real PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  storeContract(
    'PostgreSQL',
    async () => {
      database = await createTestDatabase(postgresUrl!, 'cart');
      pool = new pg.Pool({ connectionString: database.url, max: 4 });
      await runMigrations(pool, CART_MIGRATIONS, { name: 'cart-agent' });
      return new PgCartStore(pool);
    },
    async () => {
      await pool.end();
      await database.drop();
    },
  );
});
