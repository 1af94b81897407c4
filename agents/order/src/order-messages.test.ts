import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import type { OrderStore } from './order-store.js';
import { FakeAgents } from './test-fake-ports.js';
import { orderInput } from './test-orders.js';

/** The store, counting its writes (the first one and every transition). */
function countingWrites(store: MemoryOrderStore): { store: OrderStore; writes: string[] } {
  const writes: string[] = [];
  const counted = Object.create(store) as MemoryOrderStore;
  counted.create = async (...args) => {
    writes.push(`create ${args[0].state ?? 'received'}`);
    return store.create(...args);
  };
  counted.transition = async (...args) => {
    writes.push(args[2]);
    return store.transition(...args);
  };
  return { store: counted, writes };
}

/** What one order costs in calls to other agents and in writes to the order store. */
describe('OrderSaga messages per order', () => {
  let memory: MemoryOrderStore;
  let writes: string[];
  let agents: FakeAgents;
  let saga: OrderSaga;

  beforeEach(() => {
    memory = new MemoryOrderStore();
    const counted = countingWrites(memory);
    writes = counted.writes;
    agents = new FakeAgents({ 'ITEM-1': 10 });
    saga = new OrderSaga(counted.store, agents, 'owner-a', {
      processingTimeoutMs: 2_000,
      notifyTimeoutMs: 100,
    });
  });

  it('costs one reservation call, no quote call and two writes per completed order', async () => {
    const result = await saga.process(orderInput('m-1'));
    expect(result).toMatchObject({ status: 'completed', payment_id: 'pay-m-1' });
    expect(agents.calls.filter((call) => call === 'reserve')).toHaveLength(1);
    expect(agents.calls).not.toContain('quote');
    expect(writes).toEqual(['create reserved', 'completed']);
    expect(await memory.get('m-1')).toMatchObject({
      total: 19.98,
      currency: 'usd',
      userEmail: 'user-1@example.com',
      reservationId: 'res-1',
      paymentStatus: 'succeeded',
    });
  });

  it('replays a stored order from the create conflict, taking no stock and writing nothing', async () => {
    const first = await saga.process(orderInput('m-2'));
    writes.length = 0;
    agents.calls.length = 0;
    expect(await saga.process(orderInput('m-2'))).toEqual({ ...first, replayed: true });
    expect(writes).toEqual([]);
    expect(agents.calls).not.toContain('charge');
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect(agents.reservations.size).toBe(1);
  });

  it('reuses the reservation of a run killed between reserving and storing the order', async () => {
    // What a process killed right after the reservation leaves: stock held by nobody, no order.
    await agents.reserve('m-3', [{ sku: 'ITEM-1', quantity: 2 }]);
    expect(agents.stock.get('ITEM-1')).toBe(8);
    const result = await saga.process(orderInput('m-3'));
    expect(result).toMatchObject({ status: 'completed', replayed: false });
    expect(agents.reservations.size).toBe(1);
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect([...agents.reservations.values()].map((r) => r.status)).toEqual(['committed']);
    expect(writes).toEqual(['create reserved', 'completed']);
  });

  it('takes the stock again when the retry comes after the sweeper expired the abandoned reservation', async () => {
    const { reservation_id } = await agents.reserve('m-4', [{ sku: 'ITEM-1', quantity: 2 }]);
    agents.expire(reservation_id);
    expect(agents.stock.get('ITEM-1')).toBe(10);
    const result = await saga.process(orderInput('m-4'));
    expect(result).toMatchObject({ status: 'completed' });
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
    expect([...agents.reservations.values()].map((r) => r.status)).toEqual(['committed']);
  });

  it('releases what a refused price reserved, and a corrected retry of the same order_id reserves again', async () => {
    await expect(saga.process(orderInput('m-5', { total: 5 }))).rejects.toMatchObject({
      code: 'PRICE_MISMATCH',
      data: { expected_total: 19.98, order_recorded: false },
    });
    expect(await memory.get('m-5')).toBeUndefined();
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(writes).toEqual([]);
    const result = await saga.process(orderInput('m-5'));
    expect(result).toMatchObject({ status: 'completed' });
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect(agents.charges.get('m-5')?.amount).toBe(19.98);
  });

  it('reserves again for items a never-stored attempt with the same order_id did not hold', async () => {
    await agents.reserve('m-6', [{ sku: 'ITEM-1', quantity: 5 }]);
    const result = await saga.process(orderInput('m-6'));
    expect(result).toMatchObject({ status: 'completed' });
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
  });

  it('prices from inventory_quote when the reservation answers no prices (an inventory of an earlier version)', async () => {
    agents.reserveQuotes = false;
    const result = await saga.process(orderInput('m-7'));
    expect(result).toMatchObject({ status: 'completed' });
    expect(agents.calls.filter((call) => call === 'quote')).toHaveLength(1);
    expect(writes).toEqual(['create reserved', 'completed']);
  });

  it('stores an out-of-stock order failed in one write, and releases what a later replay reserved', async () => {
    const result = await saga.process(
      orderInput('m-8', { items: [{ sku: 'ITEM-1', quantity: 11 }], total: 109.89 }),
    );
    expect(result).toMatchObject({ status: 'failed', state: 'failed', error: { code: 'OUT_OF_STOCK' } });
    expect(writes).toEqual(['create failed']);
    agents.stock.set('ITEM-1', 20);
    const again = await saga.process(
      orderInput('m-8', { items: [{ sku: 'ITEM-1', quantity: 11 }], total: 109.89 }),
    );
    expect(again).toEqual({ ...result, replayed: true });
    expect(agents.stock.get('ITEM-1')).toBe(20);
    expect(agents.charges.size).toBe(0);
  });

  it('compensates an unknown user whose reservation was made alongside the lookup', async () => {
    const result = await saga.process(orderInput('m-9', { user_id: 'nobody' }));
    expect(result).toMatchObject({
      status: 'failed',
      state: 'compensated',
      error: { code: 'USER_NOT_FOUND' },
    });
    expect(writes).toEqual(['create compensating', 'compensated']);
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.calls).not.toContain('charge');
    expect(agents.calls).not.toContain('refund');
  });
});
