import { isMeshError, MeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import {
  checkStock,
  commitReservations,
  releaseReservation,
  reserveItems,
  type QueryCaller,
  type StorageCaller,
} from './inventory-service.js';
import { singleReserve } from './batched-reserves.js';

/** A fake of either database proxy. */
type DataCaller = QueryCaller & StorageCaller;
import { reserveInput } from './schemas.js';

interface Recorded {
  args: Record<string, unknown>;
  idempotencyKey: string | undefined;
}

/** A scripted stand-in for the database agent's proxy (unit tests only; the wire test uses the real one). */
function fakeCaller(answer: (args: Record<string, unknown>) => unknown): DataCaller & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    async call<T>(args: Record<string, unknown>, opts?: { idempotencyKey?: string }): Promise<T> {
      calls.push({ args, idempotencyKey: opts?.idempotencyKey });
      return answer(args) as T;
    },
  };
}

describe('checkStock', () => {
  it('sums repeated SKUs and reports unknown SKUs as unavailable', async () => {
    const query = fakeCaller(() => ({ items: [{ sku: 'A', available: 5 }] }));
    const result = await checkStock(query, [
      { sku: 'A', quantity: 3 },
      { sku: 'A', quantity: 3 },
      { sku: 'B', quantity: 1 },
    ]);
    expect(query.calls[0]?.args).toEqual({ op: 'stock.get', skus: ['A', 'B'] });
    expect(result).toEqual({
      available: false,
      items: [
        { sku: 'A', requested: 6, available: 5 },
        { sku: 'B', requested: 1, available: 0 },
      ],
    });
  });

  it('says available when every SKU has enough', async () => {
    const query = fakeCaller(() => ({ items: [{ sku: 'A', available: 5 }] }));
    expect((await checkStock(query, [{ sku: 'A', quantity: 5 }])).available).toBe(true);
  });
});

describe('reserveItems', () => {
  it('applies the default TTL and keys the call by order id', async () => {
    const storage = fakeCaller((args) => ({ reservation_id: args['reservation_id'], status: 'reserved' }));
    await reserveItems(singleReserve(storage), { order_id: 'o-1', items: [{ sku: 'A', quantity: 1 }] }, 300);
    expect(storage.calls[0]?.args).toMatchObject({ op: 'stock.reserve', order_id: 'o-1', ttl_seconds: 300 });
    expect(storage.calls[0]?.args['reservation_id']).toMatch(/^res-/);
    expect(storage.calls[0]?.idempotencyKey).toBe('reserve:o-1');
    await reserveItems(
      singleReserve(storage),
      { order_id: 'o-2', items: [{ sku: 'A', quantity: 1 }], ttl_seconds: 5 },
      300,
    );
    expect(storage.calls[1]?.args['ttl_seconds']).toBe(5);
  });

  it('rethrows OUT_OF_STOCK with the SKU, requested and available, without the remote wrapping', async () => {
    const storage = fakeCaller(() => {
      throw new MeshError('OUT_OF_STOCK', 'not enough stock for A', {
        data: { sku: 'A', requested: 3, available: 1, items: [], remote: true, provider: 'database-agent-1' },
      });
    });
    const error = await reserveItems(
      singleReserve(storage),
      { order_id: 'o-3', items: [{ sku: 'A', quantity: 3 }] },
      300,
    ).catch((e: unknown) => e);
    expect(isMeshError(error, 'OUT_OF_STOCK')).toBe(true);
    expect((error as MeshError).data).toEqual({
      order_id: 'o-3',
      sku: 'A',
      requested: 3,
      available: 1,
      items: [],
    });
  });

  it('answers what the reserved items cost, from the prices the reservation read with the stock', async () => {
    const storage = fakeCaller((args) => ({
      reservation_id: args['reservation_id'],
      order_id: 'o-5',
      status: 'reserved',
      expires_at: '2026-01-01T00:00:00.000Z',
      items: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
      replayed: false,
      prices: [
        { sku: 'A', price: 9.99, currency: 'usd' },
        { sku: 'B', price: 0.1, currency: 'usd' },
      ],
    }));
    const held = await reserveItems(
      singleReserve(storage),
      { order_id: 'o-5', items: [{ sku: 'A', quantity: 2 }] },
      300,
    );
    expect(held).not.toHaveProperty('prices');
    expect(held.quote).toEqual({
      currency: 'usd',
      total: 20.08,
      total_cents: 2008,
      lines: [
        { sku: 'A', quantity: 2, unit_price: 9.99, line_total: 19.98 },
        { sku: 'B', quantity: 1, unit_price: 0.1, line_total: 0.1 },
      ],
    });
  });

  it('answers no quote when the prices cannot make one charge or the database sent none', async () => {
    const reservation = {
      reservation_id: 'res-1',
      order_id: 'o-6',
      status: 'reserved',
      expires_at: '2026-01-01T00:00:00.000Z',
      items: [
        { sku: 'A', quantity: 1 },
        { sku: 'E', quantity: 1 },
      ],
      replayed: true,
    };
    const mixed = fakeCaller(() => ({
      ...reservation,
      prices: [
        { sku: 'A', price: 1, currency: 'usd' },
        { sku: 'E', price: 1, currency: 'eur' },
      ],
    }));
    const items = [{ sku: 'A', quantity: 1 }];
    expect((await reserveItems(singleReserve(mixed), { order_id: 'o-6', items }, 300)).quote).toBeUndefined();
    const older = fakeCaller(() => reservation);
    expect(await reserveItems(singleReserve(older), { order_id: 'o-6', items }, 300)).toEqual(reservation);
  });

  it('asks the database to hold the stock again when told to renew', async () => {
    const storage = fakeCaller((args) => ({ reservation_id: args['reservation_id'], status: 'reserved' }));
    await reserveItems(
      singleReserve(storage),
      { order_id: 'o-7', items: [{ sku: 'A', quantity: 1 }], renew: true },
      300,
    );
    expect(storage.calls[0]?.args).toMatchObject({ op: 'stock.reserve', order_id: 'o-7', renew: true });
  });

  it('answers UNKNOWN_SKU, as a quote would, for SKUs the catalogue lacks', async () => {
    const storage = fakeCaller(() => {
      throw new MeshError('OUT_OF_STOCK', 'not enough stock for GHOST', {
        data: { sku: 'GHOST', requested: 1, available: 0, items: [], unknown_skus: ['GHOST'], remote: true },
      });
    });
    const error = await reserveItems(
      singleReserve(storage),
      { order_id: 'o-8', items: [{ sku: 'GHOST', quantity: 1 }] },
      300,
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNKNOWN_SKU', data: { order_id: 'o-8', skus: ['GHOST'] } });
  });

  it('passes other failures through unchanged', async () => {
    const storage = fakeCaller(() => {
      throw new MeshError('DEPENDENCY_UNAVAILABLE', 'no provider of data_storage is available');
    });
    await expect(
      reserveItems(singleReserve(storage), { order_id: 'o-4', items: [{ sku: 'A', quantity: 1 }] }, 300),
    ).rejects.toSatisfy((e) => isMeshError(e, 'DEPENDENCY_UNAVAILABLE'));
  });
});

describe('reserve input validation', () => {
  it('accepts positive integer quantities and bounded item lists only', () => {
    const parse = (items: unknown) => reserveInput.safeParse({ order_id: 'o', items }).success;
    expect(parse([{ sku: 'A', quantity: 1 }])).toBe(true);
    expect(parse([{ sku: 'A', quantity: 0 }])).toBe(false);
    expect(parse([{ sku: 'A', quantity: -2 }])).toBe(false);
    expect(parse([{ sku: 'A', quantity: 1.5 }])).toBe(false);
    expect(parse([])).toBe(false);
    expect(parse(Array.from({ length: 101 }, (_, i) => ({ sku: `S${i}`, quantity: 1 })))).toBe(false);
  });
});

describe('releaseReservation', () => {
  it('returns only the reservation id and status', async () => {
    const storage = fakeCaller(() => ({
      reservation_id: 'r-1',
      status: 'released',
      items: [],
      order_id: 'o',
    }));
    expect(await releaseReservation(storage, 'r-1')).toEqual({ reservation_id: 'r-1', status: 'released' });
    expect(storage.calls[0]?.args).toEqual({ op: 'stock.release', reservation_id: 'r-1' });
  });
});

describe('commitReservations', () => {
  it('asks for all ids in one operation and answers each in input order with the single commit codes', async () => {
    const storage = fakeCaller(() => ({
      results: [
        { reservation_id: 'r-1', status: 'committed' },
        { reservation_id: 'r-2', status: 'expired' },
        { reservation_id: 'r-3', status: null },
      ],
    }));
    const reply = await commitReservations(storage, ['r-1', 'r-2', 'r-3', 'r-1']);
    expect(storage.calls.map((call) => call.args)).toEqual([
      { op: 'stock.commit_many', reservation_ids: ['r-1', 'r-2', 'r-3', 'r-1'] },
    ]);
    expect(reply.results).toEqual([
      { reservation_id: 'r-1', status: 'committed' },
      {
        reservation_id: 'r-2',
        status: 'expired',
        error: { code: 'CONFLICT', message: 'cannot commit reservation r-2: it is expired' },
      },
      { reservation_id: 'r-3', error: { code: 'NOT_FOUND', message: 'reservation r-3 not found' } },
      { reservation_id: 'r-1', status: 'committed' },
    ]);
  });

  it('lets a database failure fail the whole call (the caller retries it)', async () => {
    const storage = fakeCaller(() => {
      throw new MeshError('STORAGE_ERROR', 'business database operation failed');
    });
    const error = await commitReservations(storage, ['r-1']).catch((e: unknown) => e);
    expect(isMeshError(error, 'STORAGE_ERROR')).toBe(true);
  });
});
