import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import type { OrderInput } from './schemas.js';
import { FakeAgents } from './test-fake-ports.js';

function order(id: string, overrides: Partial<OrderInput> = {}): OrderInput {
  return { order_id: id, user_id: 'user-1', items: [{ sku: 'ITEM-1', quantity: 2 }], ...overrides };
}

/** The saga charges the catalogue's price; a refused price leaves no trace (no order, held stock, charge). */
describe('OrderSaga pricing', () => {
  let store: MemoryOrderStore;
  let agents: FakeAgents;
  let saga: OrderSaga;

  beforeEach(() => {
    store = new MemoryOrderStore();
    agents = new FakeAgents({ 'ITEM-1': 10 });
    saga = new OrderSaga(store, agents, 'owner-a', { processingTimeoutMs: 2_000, notifyTimeoutMs: 100 });
  });

  /** A refusal releases what was reserved for the order: nothing stored, held or charged. */
  const untouched = async (orderId: string): Promise<void> => {
    expect(agents.calls).not.toContain('charge');
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
    expect(await store.get(orderId)).toBeUndefined();
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.charges.size).toBe(0);
  };

  it('charges the catalogue total when the client names none', async () => {
    const result = await saga.process(order('p-1'));
    expect(result).toMatchObject({ status: 'completed', payment_id: 'pay-p-1' });
    expect(agents.charges.get('p-1')?.amount).toBe(19.98);
    expect(await store.get('p-1')).toMatchObject({ total: 19.98, currency: 'usd' });
  });

  it('charges the catalogue total, not the client one, when they are within a cent', async () => {
    await saga.process(order('p-2', { total: 19.99 }));
    expect(agents.charges.get('p-2')?.amount).toBe(19.98);
  });

  it('refuses a wrong total with PRICE_MISMATCH and the expected total, before storing anything', async () => {
    for (const [id, total] of [
      ['p-3', 0],
      ['p-4', 99.99],
    ] as const) {
      agents.calls.length = 0;
      await expect(saga.process(order(id, { total }))).rejects.toMatchObject({
        code: 'PRICE_MISMATCH',
        data: { expected_total: 19.98, currency: 'usd' },
      });
      await untouched(id);
    }
  });

  it('answers UNKNOWN_SKU for a SKU the catalogue lacks, not OUT_OF_STOCK, and holds nothing', async () => {
    const input = order('p-5', {
      items: [
        { sku: 'ITEM-1', quantity: 1 },
        { sku: 'GHOST', quantity: 1 },
      ],
    });
    await expect(saga.process(input)).rejects.toMatchObject({
      code: 'UNKNOWN_SKU',
      data: { skus: ['GHOST'] },
    });
    await untouched('p-5');
  });

  it('refuses a currency the catalogue does not price in, and a total beyond one order', async () => {
    await expect(saga.process(order('p-6', { currency: 'XYZ' }))).rejects.toMatchObject({
      code: 'UNSUPPORTED_CURRENCY',
    });
    await untouched('p-6');
    agents.calls.length = 0;
    const huge = order('p-7', { items: [{ sku: 'ITEM-1', quantity: 1_000_000 }] });
    await expect(saga.process(huge)).rejects.toMatchObject({ code: 'TOTAL_OUT_OF_RANGE' });
    await untouched('p-7');
  });

  it('replays a stored order with its first outcome after the price changed, charging once', async () => {
    const first = await saga.process(order('p-8', { total: 19.98 }));
    agents.prices.set('ITEM-1', 12.5);
    const again = await saga.process(order('p-8', { total: 19.98 }));
    expect(again).toEqual({ ...first, replayed: true });
    expect(agents.calls.filter((c) => c === 'charge')).toHaveLength(1);
    await expect(saga.process(order('p-9', { total: 19.98 }))).rejects.toMatchObject({
      code: 'PRICE_MISMATCH',
      data: { expected_total: 25 },
    });
  });
});
