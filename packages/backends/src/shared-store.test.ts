import { randomBytes } from 'node:crypto';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemorySharedStore } from './memory-shared-store.js';
import { createSharedStore, type SharedStore } from './shared-store.js';

// Counting tests use an hour's window: windows are aligned on the clock, and a minute's could end during a
// test and restart its counts.
const HOUR_MS = 3_600_000;

function sharesStateBetweenInstances(makePair: () => Promise<[SharedStore, SharedStore]>): void {
  it('counts hits of both instances in one window', async () => {
    const [a, b] = await makePair();
    const key = `login:${randomBytes(4).toString('hex')}`;
    expect(await a.hit(key, HOUR_MS)).toBe(1);
    expect(await b.hit(key, HOUR_MS)).toBe(2);
    expect(await a.hit(key, HOUR_MS)).toBe(3);
    expect(await b.hit(`${key}:other`, HOUR_MS)).toBe(1);
  });

  it('hands out every count exactly once under concurrent hits from both instances', async () => {
    const [a, b] = await makePair();
    const key = `burst:${randomBytes(4).toString('hex')}`;
    const counts = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).hit(key, HOUR_MS)),
    );
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  it('adds increments of more than one from both instances, each seeing the count after its own', async () => {
    const [a, b] = await makePair();
    const key = `by:${randomBytes(4).toString('hex')}`;
    expect(await a.hit(key, HOUR_MS, 5)).toBe(5);
    expect(await b.hit(key, HOUR_MS, 3)).toBe(8);
    expect(await a.hit(key, HOUR_MS)).toBe(9);
    const sizes = [1, 2, 4, 8, 16, 1, 2, 4, 8, 16];
    const counts = await Promise.all(sizes.map((by, i) => (i % 2 === 0 ? a : b).hit(key, HOUR_MS, by)));
    // Each increment owns the range (count - by, count]: the ranges tile 10..71 without overlap.
    const ranges = counts
      .map((count, i) => [count - sizes[i]! + 1, count] as const)
      .sort((x, y) => x[0] - y[0]);
    let next = 10;
    for (const [from, to] of ranges) {
      expect(from).toBe(next);
      next = to + 1;
    }
    expect(next).toBe(72);
  });

  it('starts a count over for both instances after a reset', async () => {
    const [a, b] = await makePair();
    const key = `reset:${randomBytes(4).toString('hex')}`;
    await a.hit(key, HOUR_MS);
    await b.hit(key, HOUR_MS);
    await b.resetCount(key, HOUR_MS);
    expect(await a.hit(key, HOUR_MS)).toBe(1);
    await a.resetCount(`${key}:never-counted`, HOUR_MS);
  });

  it('sees a flag set by the other instance until it expires', async () => {
    const [a, b] = await makePair();
    const key = `revoked:${randomBytes(4).toString('hex')}`;
    expect(await b.hasFlag(key)).toBe(false);
    await a.setFlag(key, 60_000);
    expect(await b.hasFlag(key)).toBe(true);
    await a.setFlag(`${key}:short`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await b.hasFlag(`${key}:short`)).toBe(false);
  });

  it('tells how long a flag set by the other instance still lasts', async () => {
    const [a, b] = await makePair();
    const key = `ttl:${randomBytes(4).toString('hex')}`;
    expect(await b.flagTtlMs(key)).toBe(0);
    await a.setFlag(key, 30_000);
    const ttl = await b.flagTtlMs(key);
    expect(ttl).toBeGreaterThan(25_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    await a.setFlag(`${key}:short`, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await b.flagTtlMs(`${key}:short`)).toBe(0);
  });

  it('starts a new count in the next window', async () => {
    const [a] = await makePair();
    const key = `w:${randomBytes(4).toString('hex')}`;
    await a.hit(key, 50);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await a.hit(key, 50)).toBe(1);
  });
}

describe('MemorySharedStore', () => {
  it('counts per fixed window', async () => {
    let now = 0;
    const store = new MemorySharedStore({ prefix: '', now: () => now });
    expect(await store.hit('k', 1000)).toBe(1);
    expect(await store.hit('k', 1000)).toBe(2);
    await store.resetCount('k');
    expect(await store.hit('k', 1000)).toBe(1);
    now = 1000;
    expect(await store.hit('k', 1000)).toBe(1);
    expect(await store.hit('k', 1000, 5)).toBe(6);
    now = 2000;
    expect(await store.hit('k', 1000, 3)).toBe(3);
  });

  it('refuses an increment that is not a positive integer', async () => {
    const store = new MemorySharedStore({ prefix: '' });
    for (const by of [0, -1, 1.5, Number.NaN])
      await expect(store.hit('k', 1000, by)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

const redisUrl = realServerUrl('redis');

describe.skipIf(!redisUrl)('Redis shared store (real Redis)', () => {
  const stores: SharedStore[] = [];
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  sharesStateBetweenInstances(async () => {
    const pair: [SharedStore, SharedStore] = [
      createSharedStore({ redisUrl, prefix }),
      createSharedStore({ redisUrl, prefix }),
    ];
    stores.push(...pair);
    return pair;
  });
});

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)('PostgreSQL shared store (real PostgreSQL)', () => {
  let database: TestDatabase;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!);
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });
  sharesStateBetweenInstances(async () => {
    const poolA = new pg.Pool({ connectionString: database.url, max: 2 });
    const poolB = new pg.Pool({ connectionString: database.url, max: 2 });
    pools.push(poolA, poolB);
    return [
      createSharedStore({ pool: poolA, prefix: 'p:' }),
      createSharedStore({ pool: poolB, prefix: 'p:' }),
    ];
  });
});
