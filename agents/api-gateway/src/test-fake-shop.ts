import { MeshError } from '@mesh/common';
import type { MeshCallOptions } from './mesh-ports.js';
import type { ShopPorts } from './shop-ports.js';

type Checkout = Awaited<ReturnType<ShopPorts['checkout']>>;

/** The shop side of the fake mesh: products by SKU, carts in memory, a scripted checkout and recommendations. */
export class FakeShop implements ShopPorts {
  /** Every shop call: its name, the user it was for and its input. */
  readonly shopCalls: { op: string; input: Record<string, unknown>; options: MeshCallOptions }[] = [];
  readonly carts = new Map<string, { sku: string; quantity: number }[]>();
  /** What checkout answers next (default: completed and the cart emptied). */
  checkoutResult: Partial<Checkout> | undefined;
  /** Thrown by the cart calls when set. */
  cartError: MeshError | undefined;

  async getProduct(sku: string, options: MeshCallOptions) {
    this.shopCalls.push({ op: 'getProduct', input: { sku }, options });
    const n = /^ITEM-(\d)$/.exec(sku)?.[1];
    if (n === undefined || Number(n) > 3) throw new MeshError('NOT_FOUND', `no product with SKU ${sku}`);
    const cents = 499 + 500 * Number(n);
    return {
      sku,
      name: `Demo item ${n}`,
      price: cents / 100,
      price_cents: cents,
      currency: 'usd',
      available: 5,
    };
  }

  async getCart(userId: string, options: MeshCallOptions) {
    this.shopCalls.push({ op: 'getCart', input: { user_id: userId }, options });
    if (this.cartError) throw this.cartError;
    return this.#view(userId);
  }

  async changeCart(
    userId: string,
    items: { sku: string; quantity: number }[],
    mode: 'add' | 'set',
    options: MeshCallOptions,
  ) {
    this.shopCalls.push({ op: `${mode}Cart`, input: { user_id: userId, items }, options });
    if (this.cartError) throw this.cartError;
    const lines = new Map((this.carts.get(userId) ?? []).map((line) => [line.sku, line.quantity]));
    for (const item of items) {
      const quantity = mode === 'add' ? (lines.get(item.sku) ?? 0) + item.quantity : item.quantity;
      if (quantity === 0) lines.delete(item.sku);
      else lines.set(item.sku, quantity);
    }
    this.carts.set(
      userId,
      [...lines].map(([sku, quantity]) => ({ sku, quantity })),
    );
    return this.#view(userId);
  }

  async clearCart(userId: string, options: MeshCallOptions) {
    this.shopCalls.push({ op: 'clearCart', input: { user_id: userId }, options });
    this.carts.delete(userId);
    return this.#view(userId);
  }

  async checkout(
    input: { user_id: string; checkout_key?: string; payment_method?: string },
    options: MeshCallOptions,
  ) {
    this.shopCalls.push({ op: 'checkout', input, options });
    if (this.cartError) throw this.cartError;
    const result: Checkout = {
      status: 'completed',
      order_id: `cart-${input.user_id}-${input.checkout_key ?? 'v1'}`,
      payment_id: 'pay-1',
      error: null,
      total_cents: 999,
      currency: 'usd',
      replayed: false,
      ...this.checkoutResult,
    };
    if (result.status === 'completed') this.carts.delete(input.user_id);
    return result;
  }

  async recommend(input: { user_id: string; limit?: number; exclude?: string[] }, options: MeshCallOptions) {
    this.shopCalls.push({ op: 'recommend', input, options });
    const skus = ['ITEM-1', 'ITEM-2', 'ITEM-3'].filter((sku) => !(input.exclude ?? []).includes(sku));
    return {
      recommendations: skus
        .slice(0, input.limit ?? 10)
        .map((sku) => ({ sku, score: 1, reason: 'best_seller' as const })),
      model: { source: 'best_sellers' as const, trained_at: null },
    };
  }

  #view(userId: string) {
    const lines = (this.carts.get(userId) ?? []).map((line) => ({
      sku: line.sku,
      name: line.sku,
      quantity: line.quantity,
      unit_price_cents: 100,
      line_total_cents: 100 * line.quantity,
      available: 5,
    }));
    return {
      user_id: userId,
      version: `v${lines.length}`,
      lines,
      total_cents: lines.reduce((sum, line) => sum + line.line_total_cents, 0),
      currency: lines.length > 0 ? 'usd' : null,
      pending_order_id: null,
      expires_at: null,
    };
  }
}
