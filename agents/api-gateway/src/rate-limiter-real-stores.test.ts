import { randomBytes } from 'node:crypto';
import { createSharedStore, type SharedStore } from '@mesh/backends';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';
import { countingCounter } from './test-counting-counter.js';

// An hour: a run never straddles two windows in practice, and a straddle would only admit fewer.
const WINDOW_MS = 3_600_000;

async function admittedOf(checks: Promise<void>[]): Promise<number> {
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes)
    if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'RATE_LIMITED' });
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

/** The limiter's guarantees on two store instances (two gateway replicas) sharing one real server. */
function limitsAcrossReplicas(makePair: () => Promise<[SharedStore, SharedStore]>): void {
  it('never admits more than the limit across two replicas under concurrent requests', async () => {
    const [a, b] = await makePair();
    const client = `sub:${randomBytes(4).toString('hex')}`;
    const replicas = [a, b].map((store) => new RateLimiter(store, 200, WINDOW_MS));
    let admitted = 0;
    for (let round = 0; round < 12; round += 1)
      admitted += await admittedOf(
        Array.from({ length: 40 }, (_, i) => replicas[(i + round) % 2]!.check(client)),
      );
    expect(admitted).toBeLessThanOrEqual(200);
    expect(admitted).toBeGreaterThanOrEqual(200 - 2 * 25);
  });

  it('admits exactly the limit through one replica, with a few writes', async () => {
    const [a] = await makePair();
    const client = `sub:${randomBytes(4).toString('hex')}`;
    const { counter, writes } = countingCounter(a);
    const limiter = new RateLimiter(counter, 300, WINDOW_MS);
    let admitted = 0;
    for (let round = 0; round < 10; round += 1)
      admitted += await admittedOf(Array.from({ length: 40 }, () => limiter.check(client)));
    expect(admitted).toBe(300);
    expect(writes.length).toBeLessThan(30);
  });
}

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)('RateLimiter on PostgreSQL (real PostgreSQL)', () => {
  let database: TestDatabase;
  const pools: pg.Pool[] = [];
  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!);
  });
  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.end()));
    await database?.drop();
  });
  limitsAcrossReplicas(async () => {
    const poolA = new pg.Pool({ connectionString: database.url, max: 2 });
    const poolB = new pg.Pool({ connectionString: database.url, max: 2 });
    pools.push(poolA, poolB);
    return [
      createSharedStore({ pool: poolA, prefix: 'gateway' }),
      createSharedStore({ pool: poolB, prefix: 'gateway' }),
    ];
  });
});

const redisUrl = realServerUrl('redis');

describe.skipIf(!redisUrl)('RateLimiter on Redis (real Redis)', () => {
  const stores: SharedStore[] = [];
  const prefix = `test-rl:${randomBytes(4).toString('hex')}:`;
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  limitsAcrossReplicas(async () => {
    const pair: [SharedStore, SharedStore] = [
      createSharedStore({ redisUrl, prefix }),
      createSharedStore({ redisUrl, prefix }),
    ];
    stores.push(...pair);
    return pair;
  });
});
