import { MeshError, silentLogger } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { CartService } from './cart-service.js';
import { checkout } from './checkout.js';
import { countedCheckout } from './counted-checkout.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { CartMetrics } from './metrics.js';
import { fakePorts } from './test-fake-ports.js';

const logger = silentLogger();
const limits = { maxLines: 50, maxQuantity: 99, ttlMs: 3_600_000 };

/** The counter's non-zero series, as `outcome code` → count. */
async function counted(metrics: CartMetrics): Promise<Record<string, number>> {
  const { values } = await metrics.checkouts.get();
  return Object.fromEntries(
    values
      .filter((value) => value.value > 0)
      .map((value) => [`${value.labels['outcome']} ${value.labels['code'] || '-'}`, value.value]),
  );
}

function shop() {
  const fake = fakePorts();
  const carts = new CartService({ store: new MemoryCartStore(), ports: fake.ports, limits });
  const metrics = new CartMetrics();
  const run = (input: { user_id: string; checkout_key?: string }) =>
    countedCheckout(metrics, () => checkout(carts, input, logger));
  const fill = (user: string) => carts.add(user, [{ sku: 'ITEM-1', quantity: 1 }]);
  return { fake, metrics, run, fill };
}

describe('cart_checkouts_total', () => {
  it('counts completed, failed (with the code) and replayed checkouts', async () => {
    const { fake, metrics, run, fill } = shop();
    await fill('user-1');
    await run({ user_id: 'user-1', checkout_key: 'k1' });
    // The same key again: the first outcome, replayed from the cart's record.
    await expect(run({ user_id: 'user-1', checkout_key: 'k1' })).resolves.toMatchObject({ replayed: true });
    await fill('user-2');
    fake.state.mode = 'declined';
    await run({ user_id: 'user-2' });

    expect(await counted(metrics)).toEqual({
      'completed -': 1,
      'replayed -': 1,
      'failed PAYMENT_DECLINED': 1,
    });
  });

  it('counts an empty cart and a reused key as refused, an unreachable order agent as an error', async () => {
    const { fake, metrics, run, fill } = shop();
    await expect(run({ user_id: 'user-1' })).rejects.toMatchObject({ code: 'CART_EMPTY' });
    await fill('user-2');
    fake.state.mode = 'unavailable';
    await expect(run({ user_id: 'user-2' })).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE' });

    expect(await counted(metrics)).toEqual({
      'refused CART_EMPTY': 1,
      'error DEPENDENCY_UNAVAILABLE': 1,
    });
  });

  it('counts an order whose outcome was lost as pending', async () => {
    const { fake, metrics, run, fill } = shop();
    await fill('user-1');
    fake.state.mode = 'lost';
    await expect(run({ user_id: 'user-1' })).resolves.toMatchObject({ status: 'pending' });
    expect(await counted(metrics)).toEqual({ 'pending -': 1 });
  });

  it('counts a refusal by the order agent as refused and anything thrown that is not a MeshError as INTERNAL', async () => {
    const metrics = new CartMetrics();
    await expect(
      countedCheckout(metrics, () => Promise.reject(new MeshError('PRICE_MISMATCH', 'prices changed'))),
    ).rejects.toThrow('prices changed');
    await expect(countedCheckout(metrics, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await counted(metrics)).toEqual({ 'refused PRICE_MISMATCH': 1, 'error INTERNAL': 1 });
  });

  it('serves every outcome at 0 before the first checkout, and marks the store in use', async () => {
    const metrics = new CartMetrics();
    metrics.useStore('postgres');
    const text = await metrics.registry.metrics();
    for (const outcome of ['completed', 'failed', 'replayed', 'pending', 'refused', 'error'])
      expect(text).toContain(`cart_checkouts_total{outcome="${outcome}",code=""} 0`);
    expect(text).toContain('cart_store_backend{backend="postgres"} 1');
    expect(text).toContain('cart_store_backend{backend="redis"} 0');
  });
});
