import { MeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import { FakeAgents } from './test-fake-ports.js';

const input = { order_id: 'c-1', user_id: 'user-1', items: [{ sku: 'ITEM-1', quantity: 1 }] };

/** A store whose create fails with `cause`, after writing the order when `written` (the reply was lost). */
function failingCreate(cause: Error, written: boolean): MemoryOrderStore {
  const store = new MemoryOrderStore();
  const create = store.create.bind(store);
  store.create = async (...args) => {
    if (written) await create(...args);
    throw new MeshError('STORAGE_ERROR', 'order store: create failed', { cause });
  };
  return store;
}

async function failureOf(store: MemoryOrderStore): Promise<MeshError> {
  const saga = new OrderSaga(store, new FakeAgents({ 'ITEM-1': 10 }), 'owner-a', {
    processingTimeoutMs: 2_000,
    notifyTimeoutMs: 100,
  });
  const error = await saga.process(input).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MeshError)) throw new Error(`expected a MeshError, got ${String(error)}`);
  return error;
}

describe('an order whose first write fails', () => {
  it('says it was not recorded when the database refused the connection (the write never left)', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5433'), { code: 'ECONNREFUSED' });
    const error = await failureOf(failingCreate(refused, false));
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.data).toMatchObject({ order_id: 'c-1', order_recorded: false });
  });

  it('says it was not recorded when the server answered the statement with an error (it did not commit)', async () => {
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      code: '57P01',
    });
    const error = await failureOf(failingCreate(shutdown, false));
    expect(error.data?.['order_recorded']).toBe(false);
  });

  it('does not claim "not recorded" when the connection dropped after the statement was sent', async () => {
    // The order may be stored (here it is): recovery will finish it, so "never taken, retry" would be a lie.
    const store = failingCreate(new Error('Connection terminated unexpectedly'), true);
    const error = await failureOf(store);
    expect(error.code).toBe('STORAGE_ERROR');
    expect(error.data?.['order_recorded']).toBeUndefined();
    expect(await store.get('c-1')).toBeDefined();
  });
});
