import { MeshError } from '@mesh/common';
import type { CartView, ProductView } from '@mesh/contracts';
import type { StoredCart } from './cart-store.js';

/** The cart of a user who has none (or whose cart expired). */
export function emptyCartView(userId: string): CartView {
  return {
    user_id: userId,
    version: '0',
    lines: [],
    total_cents: 0,
    currency: null,
    pending_order_id: null,
    expires_at: null,
  };
}

/** The cart as its owner sees it: each line at the catalogue's current price, the total in whole cents. */
export function toCartView(
  userId: string,
  cart: StoredCart | undefined,
  products: ReadonlyMap<string, ProductView>,
  ttlMs: number,
): CartView {
  if (cart === undefined) return emptyCartView(userId);
  let total = 0;
  const lines = cart.lines.map((line) => {
    const product = products.get(line.sku);
    const lineTotal = product === undefined ? 0 : product.price_cents * line.quantity;
    total += lineTotal;
    return {
      sku: line.sku,
      name: product?.name ?? null,
      quantity: line.quantity,
      unit_price_cents: product?.price_cents ?? null,
      line_total_cents: lineTotal,
      available: product?.available ?? null,
    };
  });
  return {
    user_id: userId,
    version: versionOf(cart),
    lines,
    total_cents: total,
    currency: cart.lines.length === 0 ? null : cart.currency,
    pending_order_id: cart.pending?.order_id ?? null,
    expires_at: cart.lines.length === 0 ? null : new Date(Date.parse(cart.updated_at) + ttlMs).toISOString(),
  };
}

/** The version clients see: the cart's identity and revision, so a new cart never reuses an old version. */
export function versionOf(cart: StoredCart): string {
  return `${cart.id}.${cart.rev}`;
}

/** Refuses SKUs the catalogue lacks (UNKNOWN_SKU) and a currency other than the cart's (MIXED_CURRENCIES). */
export function checkProducts(
  skus: readonly string[],
  found: { products: ProductView[]; missing: string[] },
  cartCurrency: string | null,
): string | null {
  if (found.missing.length > 0) {
    throw new MeshError(
      'UNKNOWN_SKU',
      `unknown SKU${found.missing.length > 1 ? 's' : ''}: ${found.missing.join(', ')}`,
      {
        data: { skus: found.missing },
      },
    );
  }
  const currencies = new Set(found.products.filter((p) => skus.includes(p.sku)).map((p) => p.currency));
  if (cartCurrency !== null) currencies.add(cartCurrency);
  if (currencies.size > 1) {
    throw new MeshError(
      'MIXED_CURRENCIES',
      `one cart holds one currency, not ${[...currencies].join(' and ')}`,
      {
        data: { currencies: [...currencies] },
      },
    );
  }
  return [...currencies][0] ?? null;
}
