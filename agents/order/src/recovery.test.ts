import { MeshError, silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga } from './order-saga.js';
import { startRecovery } from './recovery.js';
import type { RecoveryOptions } from './recovery.js';
import { FakeAgents } from './test-fake-ports.js';
import { newOrder } from './test-orders.js';
import { recordingTracing } from './test-tracing.js';

/** One recovery pass as owner-r, stopped and settled (the saga idle) before it returns how many it took. */
async function recoverOnce(
  saga: OrderSaga,
  store: MemoryOrderStore,
  extra: Partial<RecoveryOptions> = {},
): Promise<number> {
  const recovery = startRecovery({
    saga,
    store,
    owner: 'owner-r',
    leaseMs: 5_000,
    intervalMs: 60_000,
    batch: 10,
    logger: silentLogger(),
    ...extra,
  });
  try {
    return await recovery.runOnce();
  } finally {
    await recovery.stop();
    await saga.idle();
  }
}

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
    expect(await recoverOnce(saga, store, { tracing })).toBe(2);
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

/**
 * What recovery does with an order a dead process left `reserved`: nothing is written between the charge and
 * the order's last write, so the charge may or may not have happened. It goes forward, asking payment again
 * (the fake, like the payment agent, answers the first outcome per order id and never charges twice).
 */
describe('recovery of an order left reserved', () => {
  const TTL_MS = 120_000;

  function setup(): { store: MemoryOrderStore; agents: FakeAgents; clock: { now: number }; saga: OrderSaga } {
    const clock = { now: Date.now() };
    const store = new MemoryOrderStore(() => clock.now);
    const agents = new FakeAgents({ 'ITEM-1': 10 });
    const saga = new OrderSaga(store, agents, 'owner-r', {
      processingTimeoutMs: 2_000,
      reservationTtlSeconds: TTL_MS / 1000,
    });
    return { store, agents, clock, saga };
  }

  /** Stores the order as the intake does (reserved, payment pending) for a process that then died. */
  async function leftReserved(store: MemoryOrderStore, agents: FakeAgents, orderId: string): Promise<void> {
    const { reservation_id } = await agents.reserve(orderId, [{ sku: 'ITEM-1', quantity: 1 }]);
    await store.create(
      newOrder(orderId, {
        state: 'reserved',
        reservationId: reservation_id,
        paymentStatus: 'pending',
        userEmail: 'user-1@example.com',
      }),
      'dead-process',
      1_000,
    );
    store.expireLease(orderId);
  }

  /** The dead process's payment_process call reached the payment agent (its answer died with it). */
  function chargedBeforeTheCrash(agents: FakeAgents, orderId: string): Promise<unknown> {
    return agents.charge({ order_id: orderId, user_id: 'user-1', amount: 9.99 }, { timeoutMs: 1_000 });
  }

  it('completes an order charged before the crash with that one charge, in one write', async () => {
    const { store, agents, saga } = setup();
    await leftReserved(store, agents, 'r-charged');
    await chargedBeforeTheCrash(agents, 'r-charged');
    const transitions: string[] = [];
    const transition = store.transition.bind(store);
    store.transition = (id, owner, state, patch) => {
      transitions.push(state);
      return transition(id, owner, state, patch);
    };

    expect(await recoverOnce(saga, store)).toBe(1);
    expect(await store.get('r-charged')).toMatchObject({
      state: 'completed',
      paymentId: 'pay-r-charged',
      paymentStatus: 'succeeded',
    });
    expect(transitions).toEqual(['completed']);
    expect(agents.calls.filter((call) => call === 'charge')).toHaveLength(2);
    // Picked up again, so the payment agent looks for the first call's decision.
    expect(agents.chargeRequests.at(-1)?.first_attempt).toBe(false);
    expect(agents.chargesTaken.get('r-charged')).toBe(1);
    expect(agents.standingCharges()).toEqual(['r-charged']);
    expect(agents.stock.get('ITEM-1')).toBe(9);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
    expect(agents.emails.map((e) => e.order_id)).toEqual(['r-charged']);
  });

  it('charges once and completes an order whose charge never reached the payment agent', async () => {
    const { store, agents, saga } = setup();
    await leftReserved(store, agents, 'r-uncharged');
    expect(agents.charges.size).toBe(0);

    await recoverOnce(saga, store);
    expect(await store.get('r-uncharged')).toMatchObject({
      state: 'completed',
      paymentId: 'pay-r-uncharged',
    });
    expect(agents.chargesTaken.get('r-uncharged')).toBe(1);
    expect(agents.charges.get('r-uncharged')?.amount).toBe(9.99);
    expect(agents.stock.get('ITEM-1')).toBe(9);
  });

  it('compensates an order declined before the crash, releasing its stock, though the card would pass now', async () => {
    const { store, agents, saga } = setup();
    await leftReserved(store, agents, 'r-declined');
    agents.declinePayments = true;
    await chargedBeforeTheCrash(agents, 'r-declined');
    agents.declinePayments = false;

    await recoverOnce(saga, store);
    expect(await store.get('r-declined')).toMatchObject({
      state: 'compensated',
      paymentStatus: 'declined',
      error: { code: 'PAYMENT_DECLINED' },
    });
    expect(agents.chargesTaken.get('r-declined')).toBeUndefined();
    expect(agents.calls).not.toContain('refund');
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
  });

  it('refunds an order whose reservation expired before recovery could commit it', async () => {
    const { store, agents, saga } = setup();
    await leftReserved(store, agents, 'r-expired');
    await chargedBeforeTheCrash(agents, 'r-expired');
    agents.expire((await store.get('r-expired'))!.reservationId!);

    await recoverOnce(saga, store);
    expect(await store.get('r-expired')).toMatchObject({
      state: 'compensated',
      paymentStatus: 'refunded',
      error: { code: 'RESERVATION_EXPIRED' },
    });
    expect(agents.chargesTaken.get('r-expired')).toBe(1);
    expect(agents.standingCharges()).toEqual([]);
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  it('hands an order back while the payment agent is unreachable, and completes it on a later pass', async () => {
    const { store, agents, clock, saga } = setup();
    await leftReserved(store, agents, 'r-unreachable');
    await chargedBeforeTheCrash(agents, 'r-unreachable');
    agents.failOnce.set('charge', new MeshError('DEPENDENCY_UNAVAILABLE', 'no payment-agent replica'));

    const [claimed] = await store.claimStale('owner-r', 5_000, 10);
    // Whoever waits on it (a duplicate request that took it over) hears that it is still being processed.
    await expect(saga.resume(claimed!)).rejects.toMatchObject({
      code: 'TIMEOUT',
      data: { order_id: 'r-unreachable', reason: 'DEPENDENCY_UNAVAILABLE' },
    });
    expect(await store.get('r-unreachable')).toMatchObject({ state: 'reserved', leaseOwner: null });
    expect(agents.calls).not.toContain('refund');
    expect(agents.reservedUnits('ITEM-1')).toBe(1);
    // Not claimable again at once (no hot loop), then it is.
    expect(await recoverOnce(saga, store)).toBe(0);
    clock.now += 2_001;
    expect(await recoverOnce(saga, store)).toBe(1);
    expect(await store.get('r-unreachable')).toMatchObject({ state: 'completed' });
    expect(agents.chargesTaken.get('r-unreachable')).toBe(1);
    expect(agents.stock.get('ITEM-1')).toBe(9);
  });

  it('compensates an order whose payment agent stayed unreachable past its reservation TTL', async () => {
    const { store, agents, clock, saga } = setup();
    clock.now = Date.now() - TTL_MS - 1_000;
    await leftReserved(store, agents, 'r-lapsed');
    clock.now = Date.now();
    agents.failOnce.set('charge', new MeshError('CIRCUIT_OPEN', 'payment-agent breaker open'));

    await recoverOnce(saga, store);
    expect(await store.get('r-lapsed')).toMatchObject({
      state: 'compensated',
      error: { code: 'CIRCUIT_OPEN' },
    });
    // The refund voided the order at the payment agent: a first call arriving late cannot charge it now.
    expect(agents.calls).toContain('refund');
    await expect(chargedBeforeTheCrash(agents, 'r-lapsed')).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(agents.chargesTaken.get('r-lapsed')).toBeUndefined();
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  it('still completes an order an earlier version stored charged, committing without charging again', async () => {
    const { store, agents, saga } = setup();
    await leftReserved(store, agents, 'r-old');
    await chargedBeforeTheCrash(agents, 'r-old');
    const claimed = await store.claim('r-old', 'old-version', 1_000);
    await store.transition(claimed!.orderId, 'old-version', 'charged', {
      paymentId: 'pay-r-old',
      paymentStatus: 'succeeded',
    });
    store.expireLease('r-old');

    await recoverOnce(saga, store);
    expect(await store.get('r-old')).toMatchObject({ state: 'completed', paymentId: 'pay-r-old' });
    expect(agents.calls.filter((call) => call === 'charge')).toHaveLength(1);
    expect(agents.stock.get('ITEM-1')).toBe(9);
  });
});
