import { captureLog, createLogger } from '@mesh/common';
import { MeshError } from '@mesh/common';
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryOrderStore } from './memory-order-store.js';
import { OrderSaga, requestHash } from './order-saga.js';
import { FakeAgents } from './test-fake-ports.js';
import { orderInput } from './test-orders.js';

describe('OrderSaga', () => {
  let store: MemoryOrderStore;
  let agents: FakeAgents;
  let saga: OrderSaga;

  beforeEach(() => {
    store = new MemoryOrderStore();
    agents = new FakeAgents({ 'ITEM-1': 10 });
    saga = new OrderSaga(store, agents, 'owner-a', { processingTimeoutMs: 2_000, notifyTimeoutMs: 500 });
  });

  it('completes an order: reserves, charges, commits, mails and records the event', async () => {
    const result = await saga.process(orderInput('o-1'));
    await saga.idle();
    expect(result).toMatchObject({
      status: 'completed',
      order_id: 'o-1',
      payment_id: 'pay-o-1',
      replayed: false,
    });
    expect(agents.stock.get('ITEM-1')).toBe(8);
    expect([...agents.reservations.values()].map((r) => r.status)).toEqual(['committed']);
    expect(agents.standingCharges()).toEqual(['o-1']);
    expect(agents.emails).toEqual([
      { to: 'user-1@example.com', subject: 'Order o-1 confirmed', order_id: 'o-1' },
    ]);
    expect(agents.events.map((e) => e.type)).toEqual(['orders.completed']);
    expect((await store.get('o-1'))?.state).toBe('completed');
  });

  it('tells the payment agent that an order placed in this call is charged for the first time', async () => {
    await saga.process(orderInput('o-first'));
    // A replay of the order_id answers the stored outcome: payment_process is not asked again.
    await saga.process(orderInput('o-first'));
    expect(agents.chargeRequests.map((r) => [r.order_id, r.first_attempt])).toEqual([['o-first', true]]);
  });

  it('leaves the confirmation email to the notification agent when the event bus took orders.completed', async () => {
    agents.eventRoute = 'bus';
    await saga.process(orderInput('o-bus'));
    await saga.idle();
    expect(agents.published.map((e) => [e.type, e.order_id])).toEqual([['orders.created', 'o-bus']]);
    const completed = agents.events.find((e) => e.type === 'orders.completed');
    expect(completed).toMatchObject({
      order_id: 'o-bus',
      user_id: 'user-1',
      amount: 19.98,
      currency: 'usd',
      payment_id: 'pay-o-bus',
      confirmation: { to: 'user-1@example.com', subject: 'Order o-bus confirmed' },
    });
    expect(completed?.confirmation?.body).toContain('Total: 19.98 USD');
    // Sent once, by the event's consumer: no direct call as well.
    expect(agents.emails).toEqual([]);
  });

  it('sends the confirmation by a direct call when the event went another way', async () => {
    agents.eventRoute = 'direct';
    await saga.process(orderInput('o-direct'));
    await saga.idle();
    expect(agents.published).toEqual([]);
    expect(agents.emails.map((e) => e.order_id)).toEqual(['o-direct']);
  });

  it('puts no confirmation in a failed order event', async () => {
    agents.declinePayments = true;
    await saga.process(orderInput('o-declined'));
    await saga.idle();
    const failed = agents.events.find((e) => e.order_id === 'o-declined');
    expect(failed?.type).toMatch(/^orders\.(failed|compensated)$/);
    expect(failed?.confirmation).toBeUndefined();
    expect(failed?.error_code).toBeTruthy();
  });

  it('marks a completed order announced once its event and email went out', async () => {
    await saga.process(orderInput('o-ann'));
    await saga.idle();
    expect((await store.get('o-ann'))?.announceDue).toBeNull();
  });

  it('keeps owing the announcement when the email failed, and recovery sends it once later', async () => {
    let now = Date.now();
    const clockStore = new MemoryOrderStore(() => now);
    const clocked = new OrderSaga(clockStore, agents, 'owner-c', { processingTimeoutMs: 2_000 });
    agents.failEmail = true;
    await clocked.process(orderInput('o-owed'));
    await clocked.idle();
    expect(agents.emails).toEqual([]);
    expect((await clockStore.get('o-owed'))?.announceDue).not.toBeNull();
    // Not due during the grace period; due after it.
    expect(await clockStore.claimUnannounced(10, 60_000)).toEqual([]);
    now += 31_000;
    agents.failEmail = false;
    const owed = await clockStore.claimUnannounced(10, 60_000);
    expect(owed.map((o) => o.orderId)).toEqual(['o-owed']);
    await clocked.reannounce(owed[0]!);
    await clocked.idle();
    expect(agents.emails.map((e) => e.order_id)).toEqual(['o-owed']);
    expect(agents.events.filter((e) => e.order_id === 'o-owed').map((e) => e.type)).toEqual([
      'orders.completed',
      'orders.completed',
    ]);
    expect((await clockStore.get('o-owed'))?.announceDue).toBeNull();
  });

  it('logs one info line per completed order, with its order id, payment and total', async () => {
    const { lines, destination } = captureLog();
    const logger = createLogger({ name: 'order-agent', destination });
    const logged = new OrderSaga(store, agents, 'owner-b', { processingTimeoutMs: 2_000 }, logger);
    await logged.process(orderInput('o-log'));
    await logged.idle();
    const completed = lines.filter((line) => line['msg'] === 'order completed');
    expect(completed).toEqual([
      expect.objectContaining({ level: 'info', order_id: 'o-log', payment_id: 'pay-o-log', currency: 'usd' }),
    ]);
  });

  it('fails an unknown user, releasing the stock reserved alongside the lookup and charging nothing', async () => {
    const result = await saga.process(orderInput('o-2', { user_id: 'nobody' }));
    expect(result).toMatchObject({
      status: 'failed',
      state: 'compensated',
      error: { code: 'USER_NOT_FOUND' },
    });
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.charges.size).toBe(0);
  });

  it('fails with OUT_OF_STOCK and charges nothing when stock is short', async () => {
    const result = await saga.process(
      orderInput('o-3', { items: [{ sku: 'ITEM-1', quantity: 11 }], total: 109.89 }),
    );
    expect(result).toMatchObject({ status: 'failed', error: { code: 'OUT_OF_STOCK' } });
    expect(agents.charges.size).toBe(0);
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  it('releases the reservation and charges nothing when the card is declined', async () => {
    agents.declinePayments = true;
    const result = await saga.process(orderInput('o-4'));
    expect(result).toMatchObject({
      status: 'failed',
      state: 'compensated',
      error: { code: 'PAYMENT_DECLINED' },
    });
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.standingCharges()).toEqual([]);
    expect(agents.calls).not.toContain('refund');
  });

  it('voids the payment and releases stock when the charge outlives the processing timeout', async () => {
    agents.hangPayment = true;
    saga = new OrderSaga(store, agents, 'owner-a', { processingTimeoutMs: 200 });
    const result = await saga.process(orderInput('o-5'));
    expect(result).toMatchObject({ status: 'failed', state: 'compensated', error: { code: 'TIMEOUT' } });
    expect(agents.calls).toContain('refund');
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
  });

  it('completes the order when the confirmation email fails', async () => {
    agents.failEmail = true;
    const result = await saga.process(orderInput('o-6'));
    expect(result.status).toBe('completed');
    expect(agents.emails).toEqual([]);
  });

  it('replays the first outcome for a repeated order_id and never charges twice', async () => {
    const first = await saga.process(orderInput('o-7'));
    const second = await saga.process(orderInput('o-7'));
    expect(second).toEqual({ ...first, replayed: true });
    expect(agents.calls.filter((c) => c === 'charge')).toHaveLength(1);
    agents.declinePayments = true;
    const failed = await saga.process(orderInput('o-8'));
    agents.declinePayments = false;
    expect(await saga.process(orderInput('o-8'))).toEqual({ ...failed, replayed: true });
  });

  it('gives concurrent duplicates the same outcome with one charge', async () => {
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => saga.process(orderInput('o-9'))));
    expect(new Set(results.map((r) => r.payment_id))).toEqual(new Set(['pay-o-9']));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(agents.calls.filter((c) => c === 'charge')).toHaveLength(1);
  });

  it('refuses an order_id reused with a different payload', async () => {
    await saga.process(orderInput('o-10'));
    const other = orderInput('o-10', { items: [{ sku: 'ITEM-1', quantity: 1 }], total: 9.99 });
    await expect(saga.process(other)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('releases a reservation whose reply was lost', async () => {
    agents.loseReplyOnce.set('reserve', new MeshError('TIMEOUT', 'reply lost'));
    const result = await saga.process(orderInput('o-11'));
    expect(result).toMatchObject({ status: 'failed', state: 'compensated', error: { code: 'TIMEOUT' } });
    expect(agents.stock.get('ITEM-1')).toBe(10);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
  });

  it('leaves an order compensating when the refund fails, and recovery finishes it', async () => {
    agents.hangPayment = true;
    agents.failOnce.set('refund', new MeshError('DEPENDENCY_UNAVAILABLE', 'payment agent down'));
    saga = new OrderSaga(store, agents, 'owner-a', { processingTimeoutMs: 100 });
    const result = await saga.process(orderInput('o-12'));
    expect(result).toMatchObject({ status: 'failed', state: 'compensating' });
    store.expireLease('o-12');
    const [claimed] = await store.claimStale('owner-b', 5_000, 10);
    expect(claimed?.orderId).toBe('o-12');
    const recovered = await new OrderSaga(store, agents, 'owner-b').resume(claimed!);
    expect(recovered).toMatchObject({ status: 'failed', state: 'compensated', error: { code: 'TIMEOUT' } });
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  /** Another replica claims the order once its lease expired: it goes forward, and the charge stays one. */
  async function expectRecoveredAsCompleted(orderId: string, stock: number): Promise<void> {
    store.expireLease(orderId);
    const [claimed] = await store.claimStale('owner-b', 5_000, 10);
    expect(claimed).toMatchObject({ orderId, state: 'reserved' });
    const recovered = await new OrderSaga(store, agents, 'owner-b').resume(claimed!);
    expect(recovered).toMatchObject({
      status: 'completed',
      state: 'completed',
      payment_id: `pay-${orderId}`,
    });
    expect(await store.get(orderId)).toMatchObject({
      paymentId: `pay-${orderId}`,
      paymentStatus: 'succeeded',
    });
    expect(agents.chargesTaken.get(orderId)).toBe(1);
    expect(agents.standingCharges()).toEqual([orderId]);
    expect(agents.stock.get('ITEM-1')).toBe(stock);
    expect(agents.reservedUnits('ITEM-1')).toBe(0);
  }

  it('stalls a charged order whose commit fails, still reserved, and recovery completes it charging once', async () => {
    agents.failOnce.set('commit', new MeshError('CIRCUIT_OPEN', 'inventory breaker open'));
    // Still being processed, not the commit's code: CIRCUIT_OPEN would read as "never taken" to its caller.
    await expect(saga.process(orderInput('o-13'))).rejects.toMatchObject({
      code: 'TIMEOUT',
      data: { order_id: 'o-13', state: 'reserved', reason: 'CIRCUIT_OPEN' },
    });
    // Money moved, yet nothing was written since the order was stored: it stands reserved, payment pending.
    expect(await store.get('o-13')).toMatchObject({ state: 'reserved', paymentStatus: 'pending' });
    expect(agents.calls).not.toContain('refund');
    await expectRecoveredAsCompleted('o-13', 8);
  });

  it('completes an order a crashed run of an earlier version left reserved with the payment in flight', async () => {
    const { order: record } = await store.create(
      {
        orderId: 'o-14',
        requestHash: 'h',
        userId: 'user-1',
        items: [{ sku: 'ITEM-1', quantity: 1 }],
        total: 5,
        currency: 'usd',
        paymentMethod: null,
        traceId: null,
      },
      'crashed',
      1_000,
    );
    await store.transition(record.orderId, 'crashed', 'user_validated', { userEmail: 'u@example.com' });
    const { reservation_id } = await agents.reserve('o-14', [{ sku: 'ITEM-1', quantity: 1 }]);
    await agents.charge({ order_id: 'o-14', user_id: 'user-1', amount: 5 }, { timeoutMs: 1 });
    await store.transition('o-14', 'crashed', 'reserved', {
      reservationId: reservation_id,
      paymentStatus: 'pending',
    });
    await expectRecoveredAsCompleted('o-14', 9);
  });

  it('completes an order whose last write was lost after the charge and the commit, charging once', async () => {
    const transition = store.transition.bind(store);
    store.transition = (id, owner, state, patch) =>
      state === 'completed'
        ? Promise.reject(new MeshError('STORAGE_ERROR', 'order store: transition failed'))
        : transition(id, owner, state, patch);
    await expect(saga.process(orderInput('o-21'))).rejects.toMatchObject({ code: 'STORAGE_ERROR' });
    expect(agents.standingCharges()).toEqual(['o-21']);
    expect(await store.get('o-21')).toMatchObject({ state: 'reserved', paymentStatus: 'pending' });
    store.transition = transition;
    await expectRecoveredAsCompleted('o-21', 8);
  });

  it('takes over a duplicate whose first run died instead of waiting forever', async () => {
    const input = orderInput('o-15', { items: [{ sku: 'ITEM-1', quantity: 1 }], total: 9.99 });
    await store.create(
      {
        orderId: 'o-15',
        requestHash: requestHash(input, 'usd'),
        userId: 'user-1',
        items: input.items,
        total: 5,
        currency: 'usd',
        paymentMethod: null,
        traceId: null,
      },
      'crashed',
      1_000,
    );
    store.expireLease('o-15');
    const result = await saga.process(input);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'INTERRUPTED' }, replayed: true });
  });

  it('fails without side effects when inventory refuses the call before it is sent', async () => {
    agents.failOnce.set('reserve', new MeshError('CIRCUIT_OPEN', 'inventory breaker open'));
    const result = await saga.process(orderInput('o-18'));
    expect(result).toMatchObject({ status: 'failed', state: 'failed', error: { code: 'CIRCUIT_OPEN' } });
    expect(agents.calls).not.toContain('charge');
    expect(agents.calls).not.toContain('release');
    const unknownUser = await saga.process(orderInput('o-19', { user_id: 'nobody' }));
    expect(unknownUser.error?.code).toBe('USER_NOT_FOUND');
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  it('releases what a reserve call with an unknown outcome may have reserved', async () => {
    agents.failOnce.set('reserve', new MeshError('TIMEOUT', 'inventory did not answer'));
    const result = await saga.process(orderInput('o-20'));
    expect(result).toMatchObject({ status: 'failed', state: 'compensated', error: { code: 'TIMEOUT' } });
    expect(agents.calls).not.toContain('charge');
    expect(agents.stock.get('ITEM-1')).toBe(10);
  });

  it('answers get_order views and NOT_FOUND for unknown orders', async () => {
    await saga.process(orderInput('o-17'));
    expect(await saga.view('o-17')).toMatchObject({
      order_id: 'o-17',
      status: 'completed',
      state: 'completed',
    });
    await expect(saga.view('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
