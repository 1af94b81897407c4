import { silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { CartService } from './cart-service.js';
import { checkout, orderIdFor } from './checkout.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { fakePorts } from './test-fake-ports.js';

const logger = silentLogger();
const limits = { maxLines: 50, maxQuantity: 99, ttlMs: 3_600_000 };

/** Two replicas (two services) over one store, as two cart-agent processes over one Redis or database. */
function replicas() {
  const fake = fakePorts();
  const store = new MemoryCartStore();
  const a = new CartService({ store, ports: fake.ports, limits });
  const b = new CartService({ store, ports: fake.ports, limits });
  return { a, b, fake };
}

async function filled(service: CartService) {
  return service.add('user-1', [
    { sku: 'ITEM-1', quantity: 2 },
    { sku: 'ITEM-2', quantity: 1 },
  ]);
}

describe('checkout', () => {
  it('places the cart as one order and empties the cart once it completed', async () => {
    const { a, fake } = replicas();
    const view = await filled(a);
    const result = await checkout(a, { user_id: 'user-1' }, logger);
    expect(result).toMatchObject({
      status: 'completed',
      total_cents: 3497,
      currency: 'usd',
      replayed: false,
    });
    expect(result.order_id).toBe(orderIdFor('user-1', `v-${view.version}`));
    expect(fake.state.created).toEqual([
      {
        order_id: result.order_id,
        user_id: 'user-1',
        items: [
          { sku: 'ITEM-1', quantity: 2 },
          { sku: 'ITEM-2', quantity: 1 },
        ],
      },
    ]);
    expect((await a.get('user-1')).lines).toEqual([]);
  });

  it('refuses an empty cart (CART_EMPTY)', async () => {
    const { a } = replicas();
    await expect(checkout(a, { user_id: 'user-1' }, logger)).rejects.toMatchObject({ code: 'CART_EMPTY' });
  });

  it('leaves the cart as it was when the order failed, and unlocks it', async () => {
    const { a, fake } = replicas();
    await filled(a);
    fake.state.mode = 'declined';
    const result = await checkout(a, { user_id: 'user-1' }, logger);
    expect(result).toMatchObject({ status: 'failed', error: { code: 'PAYMENT_DECLINED' } });
    const cart = await a.get('user-1');
    expect(cart.lines.map((line) => line.quantity)).toEqual([2, 1]);
    expect(cart.pending_order_id).toBeNull();
    // The cart can change again, and a new checkout is a new order (the version moved on).
    fake.state.mode = 'completed';
    const again = await checkout(a, { user_id: 'user-1' }, logger);
    expect(again.status).toBe('completed');
    expect(again.order_id).not.toBe(result.order_id);
    expect(fake.state.created).toHaveLength(2);
  });

  it('makes one order of two concurrent checkouts of one cart on two replicas', async () => {
    const { a, b, fake } = replicas();
    await filled(a);
    let release!: () => void;
    fake.state.gate = new Promise((resolve) => (release = resolve));
    const first = checkout(a, { user_id: 'user-1' }, logger);
    const second = checkout(b, { user_id: 'user-1' }, logger);
    setTimeout(release, 20);
    const [one, two] = await Promise.all([first, second]);
    expect(fake.state.created).toHaveLength(1);
    expect(one.order_id).toBe(two.order_id);
    expect([one.status, two.status]).toEqual(['completed', 'completed']);
    expect((await b.get('user-1')).lines).toEqual([]);
  });

  it('makes one order even when concurrent checkouts bring different keys', async () => {
    const { a, b, fake } = replicas();
    await filled(a);
    let release!: () => void;
    fake.state.gate = new Promise((resolve) => (release = resolve));
    const first = checkout(a, { user_id: 'user-1', checkout_key: 'key-a' }, logger);
    const second = checkout(b, { user_id: 'user-1', checkout_key: 'key-b' }, logger);
    setTimeout(release, 20);
    const [one, two] = await Promise.all([first, second]);
    expect(fake.state.created).toHaveLength(1);
    expect(two.order_id).toBe(one.order_id);
  });

  it('answers a retried checkout key with the first outcome, without a second order', async () => {
    const { a, b, fake } = replicas();
    await filled(a);
    const first = await checkout(a, { user_id: 'user-1', checkout_key: 'k1' }, logger);
    const retry = await checkout(b, { user_id: 'user-1', checkout_key: 'k1' }, logger);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(fake.state.created).toHaveLength(1);
  });

  it('answers a retried keyless checkout of the emptied cart with its order, for a while', async () => {
    const fake = fakePorts();
    const clock = { now: Date.parse('2026-12-06T12:00:00Z') };
    const a = new CartService({
      store: new MemoryCartStore(() => clock.now),
      ports: fake.ports,
      limits,
      now: () => clock.now,
    });
    await filled(a);
    const first = await checkout(a, { user_id: 'user-1' }, logger);
    const retry = await checkout(a, { user_id: 'user-1' }, logger);
    expect(retry).toEqual({ ...first, replayed: true });
    expect(fake.state.created).toHaveLength(1);
    clock.now += 15 * 60_000 + 1;
    await expect(checkout(a, { user_id: 'user-1' }, logger)).rejects.toMatchObject({ code: 'CART_EMPTY' });
  });

  it('refuses a key already used for a different order, and leaves the cart', async () => {
    const { a, fake } = replicas();
    await filled(a);
    await fake.ports.placeOrder({
      order_id: orderIdFor('user-1', 'old'),
      user_id: 'user-1',
      items: [{ sku: 'ITEM-3', quantity: 1 }],
    });
    await expect(checkout(a, { user_id: 'user-1', checkout_key: 'old' }, logger)).rejects.toMatchObject({
      code: 'CHECKOUT_KEY_REUSED',
    });
    const cart = await a.get('user-1');
    expect(cart.lines).toHaveLength(2);
    expect(cart.pending_order_id).toBeNull();
  });

  it('unlocks the cart when no order agent could be asked (the order was never sent)', async () => {
    const { a, fake } = replicas();
    await filled(a);
    fake.state.mode = 'unavailable';
    await expect(checkout(a, { user_id: 'user-1' }, logger)).rejects.toMatchObject({
      code: 'DEPENDENCY_UNAVAILABLE',
    });
    const cart = await a.get('user-1');
    expect(cart.pending_order_id).toBeNull();
    expect(cart.lines).toHaveLength(2);
  });

  it('keeps the cart locked on an order whose outcome is unknown, and settles it on the next checkout', async () => {
    const { a, b, fake } = replicas();
    await filled(a);
    fake.state.mode = 'lost';
    const lost = await checkout(a, { user_id: 'user-1' }, logger);
    expect(lost).toMatchObject({ status: 'pending', total_cents: 3497 });
    const cart = await a.get('user-1');
    expect(cart.pending_order_id).toBe(lost.order_id);
    await expect(a.add('user-1', [{ sku: 'ITEM-3', quantity: 1 }])).rejects.toMatchObject({
      code: 'CHECKOUT_PENDING',
    });
    await expect(a.clear('user-1')).rejects.toMatchObject({ code: 'CHECKOUT_PENDING' });
    fake.state.mode = 'completed';
    const settled = await checkout(b, { user_id: 'user-1', checkout_key: 'another' }, logger);
    expect(settled).toMatchObject({ status: 'completed', order_id: lost.order_id });
    expect((await a.get('user-1')).lines).toEqual([]);
  });
});
