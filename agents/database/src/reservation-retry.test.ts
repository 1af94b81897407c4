import { realServerUrl, waitFor } from '@mesh/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestBusinessDb, stockLevel, type TestBusinessDb } from './test-support.js';

const postgresUrl = realServerUrl('postgres');

describe.skipIf(!postgresUrl)(
  'reservation batches the server rolled back run again (real PostgreSQL)',
  () => {
    let db: TestBusinessDb;

    beforeAll(async () => {
      db = await createTestBusinessDb(postgresUrl!, { poolMax: 4 });
    });
    afterAll(async () => {
      await db?.close();
    });

    /** Until a backend other than `except` waits on a lock inside `query` (bounded: 5 s). */
    const waitForLockWait = (except: number, query: string): Promise<true> =>
      waitFor(
        async () => {
          const waiting = await db.pool.query(
            `SELECT 1 FROM pg_stat_activity
              WHERE pid <> $1 AND wait_event_type = 'Lock' AND query LIKE '%' || $2 || '%'`,
            [except, query],
          );
          return (waiting.rowCount ?? 0) > 0 ? true : undefined;
        },
        { timeoutMs: 5_000, intervalMs: 20, description: `a backend waiting on a lock in ${query}` },
      );

    it('answers a batch that lost a deadlock as if it had not met one', async () => {
      const sku = 'RETRY-1';
      await db.service.store({ op: 'stock.restock', sku, quantity: 10, price: 2 });
      // A transaction that takes the locks in the other order: the SKU's row, then the reservation id the batch
      // inserted before it waited for that row. The batch, waiting longer, finds the cycle and is rolled back.
      const intruder = await db.pool.connect();
      let outcome: PromiseSettledResult<unknown>;
      try {
        const intruderPid = (await intruder.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
          .pid;
        await intruder.query('BEGIN');
        await intruder.query('SELECT 1 FROM stock WHERE sku = $1 FOR UPDATE', [sku]);
        // Settled from the start: it may be rejected while the intruder still waits.
        const settled = Promise.allSettled([
          db.service.store({
            op: 'stock.reserve_many',
            reservations: [
              {
                order_id: 'retry-a',
                reservation_id: 'res-retry-a',
                items: [{ sku, quantity: 1 }],
                ttl_seconds: 60,
              },
            ],
          }),
        ]);
        await waitForLockWait(intruderPid, 'mesh_reserve_stock_many');
        await intruder.query(
          `INSERT INTO reservations (id, order_id, status, expires_at)
         VALUES ('res-retry-a', 'retry-intruder', 'reserved', now() + interval '1 minute')`,
        );
        await intruder.query('ROLLBACK');
        [outcome] = await settled;
      } finally {
        intruder.release();
      }
      expect(outcome).toMatchObject({
        status: 'fulfilled',
        value: {
          results: [
            { order_id: 'retry-a', reservation: { reservation_id: 'res-retry-a', status: 'reserved' } },
          ],
        },
      });
      expect(await stockLevel(db.pool, sku)).toEqual({ available: 9, reserved: 1, sold: 0 });
    });
  },
);
