import { describe, expect, it } from 'vitest';
import { CartService } from './cart-service.js';
import { emptyCartView } from './cart-view.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { fakePorts } from './test-fake-ports.js';

function carts(limits = { maxLines: 3, maxQuantity: 5, ttlMs: 60_000 }) {
  const clock = { now: Date.parse('2026-12-06T12:00:00Z') };
  const fake = fakePorts();
  let ids = 0;
  const store = new MemoryCartStore(() => clock.now);
  const service = new CartService({
    store,
    ports: fake.ports,
    limits,
    now: () => clock.now,
    newId: () => `cart${(ids += 1)}`,
  });
  return { service, fake, clock, store };
}

describe('CartService', () => {
  it('shows an empty cart for a user without one', async () => {
    const { service } = carts();
    expect(await service.get('user-1')).toEqual(emptyCartView('user-1'));
  });

  it('adds items, adding to a line already there, and totals at current prices in whole cents', async () => {
    const { service, fake } = carts();
    await service.add('user-1', [{ sku: 'ITEM-1', quantity: 2 }]);
    const view = await service.add('user-1', [
      { sku: 'ITEM-1', quantity: 1 },
      { sku: 'ITEM-3', quantity: 1 },
    ]);
    expect(view.lines).toEqual([
      {
        sku: 'ITEM-1',
        name: 'Product ITEM-1',
        quantity: 3,
        unit_price_cents: 999,
        line_total_cents: 2997,
        available: 10,
      },
      {
        sku: 'ITEM-3',
        name: 'Product ITEM-3',
        quantity: 1,
        unit_price_cents: 2990,
        line_total_cents: 2990,
        available: 10,
      },
    ]);
    expect(view.total_cents).toBe(5987);
    expect(view.currency).toBe('usd');
    expect(view.version).toBe('cart1.2');
    expect(view.expires_at).toBe('2026-12-06T12:01:00.000Z');
    // A price change shows at once: prices are never stored in the cart.
    fake.catalogue.set('ITEM-3', { ...fake.catalogue.get('ITEM-3')!, price_cents: 3000, price: 30 });
    expect((await service.get('user-1')).total_cents).toBe(5997);
  });

  it('sets quantities and removes a line set to 0', async () => {
    const { service } = carts();
    await service.add('user-1', [
      { sku: 'ITEM-1', quantity: 2 },
      { sku: 'ITEM-2', quantity: 1 },
    ]);
    const view = await service.set('user-1', [
      { sku: 'ITEM-1', quantity: 4 },
      { sku: 'ITEM-2', quantity: 0 },
    ]);
    expect(view.lines.map((line) => [line.sku, line.quantity])).toEqual([['ITEM-1', 4]]);
  });

  it('refuses unknown SKUs naming them all, and changes nothing', async () => {
    const { service } = carts();
    await expect(
      service.add('user-1', [
        { sku: 'NOPE', quantity: 1 },
        { sku: 'ITEM-1', quantity: 1 },
        { sku: 'GONE', quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'UNKNOWN_SKU', data: { skus: ['NOPE', 'GONE'] } });
    expect((await service.get('user-1')).lines).toEqual([]);
  });

  it('bounds the quantity of a line and the number of lines (CART_LIMIT)', async () => {
    const { service } = carts();
    await service.add('user-1', [{ sku: 'ITEM-1', quantity: 4 }]);
    await expect(service.add('user-1', [{ sku: 'ITEM-1', quantity: 2 }])).rejects.toMatchObject({
      code: 'CART_LIMIT',
      data: { sku: 'ITEM-1', max_quantity: 5 },
    });
    await service.add('user-1', [
      { sku: 'ITEM-2', quantity: 1 },
      { sku: 'ITEM-3', quantity: 1 },
    ]);
    await expect(service.set('user-1', [{ sku: 'ITEM-9', quantity: 1 }])).rejects.toMatchObject({
      code: 'UNKNOWN_SKU',
    });
  });

  it('refuses a fourth line when three are the bound', async () => {
    const { service, fake } = carts();
    fake.catalogue.set('ITEM-4', { ...fake.catalogue.get('ITEM-1')!, sku: 'ITEM-4' });
    await service.add('user-1', [
      { sku: 'ITEM-1', quantity: 1 },
      { sku: 'ITEM-2', quantity: 1 },
      { sku: 'ITEM-3', quantity: 1 },
    ]);
    await expect(service.add('user-1', [{ sku: 'ITEM-4', quantity: 1 }])).rejects.toMatchObject({
      code: 'CART_LIMIT',
      data: { max_lines: 3 },
    });
  });

  it('keeps one currency per cart (MIXED_CURRENCIES)', async () => {
    const { service } = carts();
    await service.add('user-1', [{ sku: 'ITEM-1', quantity: 1 }]);
    await expect(service.add('user-1', [{ sku: 'EUR-1', quantity: 1 }])).rejects.toMatchObject({
      code: 'MIXED_CURRENCIES',
    });
    await service.clear('user-1');
    expect((await service.add('user-1', [{ sku: 'EUR-1', quantity: 1 }])).currency).toBe('eur');
  });

  it('clears the cart into a new one with a new version', async () => {
    const { service } = carts();
    const before = await service.add('user-1', [{ sku: 'ITEM-1', quantity: 1 }]);
    const after = await service.clear('user-1');
    expect(after.lines).toEqual([]);
    expect(after.version).not.toBe(before.version);
  });

  it('drops a cart left untouched for the TTL', async () => {
    const { service, clock } = carts();
    await service.add('user-1', [{ sku: 'ITEM-1', quantity: 1 }]);
    clock.now += 60_001;
    expect((await service.get('user-1')).lines).toEqual([]);
  });

  it('keeps both of two concurrent adds from different replicas (compare-and-set)', async () => {
    const { service, fake, store } = carts({ maxLines: 50, maxQuantity: 99, ttlMs: 60_000 });
    const other = new CartService({ store, ports: fake.ports, limits: service.limits });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? service : other).add('user-1', [{ sku: 'ITEM-1', quantity: 1 }]),
      ),
    );
    expect((await service.get('user-1')).lines[0]?.quantity).toBe(10);
  });
});
