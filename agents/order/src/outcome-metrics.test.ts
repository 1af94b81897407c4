import { describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import { OrderOutcomeMetrics, countingOutcomes } from './outcome-metrics.js';
import type { OrderInput } from './schemas.js';
import { FakeAgents } from './test-fake-ports.js';

function order(id: string, overrides: Partial<OrderInput> = {}): OrderInput {
  return { order_id: id, user_id: 'user-1', items: [{ sku: 'ITEM-1', quantity: 1 }], ...overrides };
}

async function counted(metrics: OrderOutcomeMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.outcomes.get();
  return Object.fromEntries(
    values.map((value) => [`${value.labels['outcome']} ${value.labels['code'] || '-'}`, value.value]),
  );
}

describe('order_outcomes_total', () => {
  it('counts each order once by how it ended: completed, failed before any side effect, compensated', async () => {
    const metrics = new OrderOutcomeMetrics();
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    const store = countingOutcomes(new MemoryOrderStore(), metrics);
    const saga = new OrderSaga(store, agents, 'owner-a', {
      processingTimeoutMs: 2_000,
      notifyTimeoutMs: 500,
    });

    await saga.process(order('o-ok-1'));
    await saga.process(order('o-ok-2'));
    // A replay answers the first outcome and writes nothing: not counted again.
    await saga.process(order('o-ok-1'));
    await saga.process(order('o-stock', { items: [{ sku: 'ITEM-1', quantity: 50 }] }));
    agents.declinePayments = true;
    await saga.process(order('o-declined'));
    await saga.idle();

    expect(await counted(metrics)).toEqual({
      'completed -': 2,
      'failed OUT_OF_STOCK': 1,
      'compensated PAYMENT_DECLINED': 1,
    });
    expect(await metrics.registry.metrics()).toContain(
      'order_outcomes_total{outcome="compensated",code="PAYMENT_DECLINED"} 1',
    );
  });
});
