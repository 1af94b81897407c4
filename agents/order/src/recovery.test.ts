import { silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import { startRecovery } from './recovery.js';
import { FakeAgents } from './test-fake-ports.js';
import { newOrder } from './test-orders.js';
import { recordingTracing } from './test-tracing.js';

describe('order recovery', () => {
  it('recovers a stuck order and announces an owed one, each as the root of a trace of its own', async () => {
    let now = Date.now();
    const store = new MemoryOrderStore(() => now);
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    const saga = new OrderSaga(store, agents, 'owner-r', { processingTimeoutMs: 2_000 });
    // One order left behind by a process that died before deciding it.
    await store.create(newOrder('o-stuck', { traceId: 'c'.repeat(32) }), 'dead-process', 1_000);
    store.expireLease('o-stuck');
    // One decided order whose announcement never went out.
    await store.create(newOrder('o-owed', { traceId: 'c'.repeat(32) }), 'dead-process', 60_000);
    await store.transition('o-owed', 'dead-process', 'failed', { error: { code: 'X', message: 'x' } });
    now += 31_000;

    const tracing = recordingTracing();
    const recovery = startRecovery({
      saga,
      store,
      owner: 'owner-r',
      leaseMs: 5_000,
      intervalMs: 60_000,
      batch: 10,
      logger: silentLogger(),
      tracing,
    });
    try {
      expect(await recovery.runOnce()).toBe(2);
    } finally {
      await recovery.stop();
    }
    await saga.idle();
    // Undecided before the charge: recovery compensates it (nothing was reserved or charged).
    expect((await store.get('o-stuck'))?.state).toBe('compensated');
    expect((await store.get('o-owed'))?.announceDue).toBeNull();
    expect(agents.events.map((e) => [e.order_id, e.type])).toContainEqual(['o-owed', 'orders.failed']);
    expect(tracing.spans).toEqual([
      {
        name: 'recover order',
        attributes: { 'order.id': 'o-stuck', 'order.state': 'received', 'order.trace_id': 'c'.repeat(32) },
        ended: 'ok',
      },
      {
        name: 'announce order',
        attributes: { 'order.id': 'o-owed', 'order.state': 'failed', 'order.trace_id': 'c'.repeat(32) },
        ended: 'ok',
      },
    ]);
  });
});
