import { isMeshError, MeshError, newTraceContext } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { BatchedReserves, type ReserveRequest } from './batched-reserves.js';
import type { StorageCaller } from './inventory-service.js';

interface Recorded {
  args: Record<string, unknown>;
  opts: { idempotencyKey?: string; timeoutMs?: number; trace?: unknown } | undefined;
}

/** The database agent's proxy, answering each call after `delayMs` (unit tests; mesh.test.ts uses the real one). */
function fakeStorage(
  answer: (args: Record<string, unknown>) => unknown,
  delayMs = 5,
): StorageCaller & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  return {
    calls,
    async call<T>(args: Record<string, unknown>, opts?: Recorded['opts']): Promise<T> {
      calls.push({ args, opts });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return answer(args) as T;
    },
  };
}

const reservation = (orderId: string) => ({
  reservation_id: `res-${orderId}`,
  order_id: orderId,
  status: 'reserved',
  expires_at: '2026-01-01T00:00:00.000Z',
  items: [{ sku: 'A', quantity: 1 }],
  replayed: false,
});

/** Answers a batch: every order reserved but those named short. */
const batchAnswer =
  (short: string[] = []) =>
  (args: Record<string, unknown>) => ({
    results: (args['reservations'] as { order_id: string }[]).map(({ order_id }) =>
      short.includes(order_id)
        ? {
            order_id,
            error: {
              code: 'OUT_OF_STOCK',
              message: 'not enough stock for A',
              data: { sku: 'A', available: 0 },
            },
          }
        : { order_id, reservation: reservation(order_id) },
    ),
  });

const request = (orderId: string): ReserveRequest => ({
  reservation_id: `res-${orderId}`,
  order_id: orderId,
  items: [{ sku: 'A', quantity: 1 }],
  ttl_seconds: 300,
  renew: false,
});

const caller = () => ({ trace: newTraceContext(), deadline: Date.now() + 10_000 });

describe('BatchedReserves', () => {
  it('sends a quiet reserve at once, and those arriving meanwhile together in the next call', async () => {
    const storage = fakeStorage(batchAnswer(['o-3']));
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 0 });
    const first = reserves.for(caller())(request('o-1'));
    await Promise.resolve();
    expect(storage.calls).toHaveLength(1);
    const rest = ['o-2', 'o-3', 'o-4'].map((id) =>
      reserves
        .for(caller())(request(id))
        .catch((e: unknown) => e),
    );
    expect(await first).toMatchObject({ order_id: 'o-1' });
    const [second, short, fourth] = await Promise.all(rest);
    expect(storage.calls.map((call) => call.args['op'])).toEqual([
      'stock.reserve_many',
      'stock.reserve_many',
    ]);
    expect((storage.calls[1]!.args['reservations'] as ReserveRequest[]).map((r) => r.order_id)).toEqual([
      'o-2',
      'o-3',
      'o-4',
    ]);
    expect(second).toMatchObject({ order_id: 'o-2', status: 'reserved' });
    expect(fourth).toMatchObject({ order_id: 'o-4' });
    // The order short of stock fails alone, with the error the single operation raises.
    expect(isMeshError(short, 'OUT_OF_STOCK')).toBe(true);
    expect((short as MeshError).data).toEqual({ sku: 'A', available: 0 });
  });

  it('while busy, lingers for the reserves close behind so they share one call', async () => {
    const storage = fakeStorage(batchAnswer(), 1);
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 30 });
    await reserves.for(caller())(request('warm'));
    const late = new Promise((resolve) => setTimeout(resolve, 10)).then(() =>
      reserves.for(caller())(request('o-b')),
    );
    await Promise.all([reserves.for(caller())(request('o-a')), late]);
    expect(storage.calls).toHaveLength(2);
    expect((storage.calls[1]!.args['reservations'] as ReserveRequest[]).map((r) => r.order_id)).toEqual([
      'o-a',
      'o-b',
    ]);
  });

  it('passes the first caller trace and bounds the call by the callers deadlines', async () => {
    const storage = fakeStorage(batchAnswer());
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 0 });
    const first = caller();
    await reserves.for({ ...first, deadline: Date.now() + 700 })(request('o-1'));
    expect(storage.calls[0]!.opts?.trace).toBe(first.trace);
    expect(storage.calls[0]!.opts?.timeoutMs).toBeGreaterThan(600);
    expect(storage.calls[0]!.opts?.timeoutMs).toBeLessThanOrEqual(700);
  });

  it('fails each order of a failed call with that call error', async () => {
    const storage = fakeStorage(() => {
      throw new MeshError('TIMEOUT', 'data_storage timed out');
    });
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 0 });
    const outcomes = await Promise.allSettled(
      ['o-1', 'o-2'].map((id) => reserves.for(caller())(request(id))),
    );
    expect(outcomes.every((o) => o.status === 'rejected' && isMeshError(o.reason, 'TIMEOUT'))).toBe(true);
  });

  it('reserves with single calls, keyed by order id, when the database agent lacks the batch operation', async () => {
    const storage = fakeStorage((args) => {
      if (args['op'] === 'stock.reserve_many') {
        // As the runtime's client reports a provider's JSON-RPC "invalid arguments" answer.
        throw new MeshError('VALIDATION_FAILED', 'Invalid arguments for tool data_storage', {
          data: {
            remote: true,
            provider: 'database-agent-1',
            rpcCode: -32602,
            details: { issues: [{ path: ['op'], message: 'Invalid input', code: 'invalid_union' }] },
          },
        });
      }
      return reservation(args['order_id'] as string);
    });
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 0 });
    expect(await reserves.for(caller())(request('o-1'))).toMatchObject({ order_id: 'o-1' });
    expect(await reserves.for(caller())(request('o-2'))).toMatchObject({ order_id: 'o-2' });
    expect(storage.calls.map((call) => call.args['op'])).toEqual([
      'stock.reserve_many',
      'stock.reserve',
      // Not asked again: the provider said it does not know the operation.
      'stock.reserve',
    ]);
    expect(storage.calls[1]!.opts?.idempotencyKey).toBe('reserve:o-1');
  });

  it('does not take a validation failure of the batch itself for a missing operation', async () => {
    const storage = fakeStorage(() => {
      throw new MeshError('VALIDATION_FAILED', 'Invalid arguments for tool data_storage', {
        data: {
          remote: true,
          rpcCode: -32602,
          details: { issues: [{ path: ['reservations', 0, 'items'], message: 'Too big', code: 'too_big' }] },
        },
      });
    });
    const reserves = new BatchedReserves(storage, { maxBatch: 50, lingerMs: 0 });
    await expect(reserves.for(caller())(request('o-1'))).rejects.toSatisfy((e) =>
      isMeshError(e, 'VALIDATION_FAILED'),
    );
    expect(storage.calls).toHaveLength(1);
  });
});
