import { randomUUID } from 'node:crypto';
import { MeshError } from '@mesh/common';
import type { CartView, ProductView } from '@mesh/contracts';
import type { CartLimits, CartPorts } from './cart-ports.js';
import type { CartStore, StoredCart, StoredLine } from './cart-store.js';
import { checkProducts, toCartView } from './cart-view.js';

/** Compare-and-set attempts before a write gives up with CONFLICT (only under a storm of writes to one cart). */
const MAX_ATTEMPTS = 16;

/** A short random pause after a lost race, so writers racing for one cart spread out instead of colliding again. */
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 * attempt)));
}

export interface CartServiceOptions {
  store: CartStore;
  ports: CartPorts;
  limits: CartLimits;
  now?: () => number;
  newId?: () => string;
}

/** A new, empty cart (a fresh identity, so versions derived from it never repeat an earlier cart's). */
export function emptyCart(id: string, rev: number, now: number): StoredCart {
  return {
    id,
    rev,
    lines: [],
    currency: null,
    pending: null,
    last_checkout: null,
    updated_at: new Date(now).toISOString(),
  };
}

/**
 * Per-user carts: every change is read, changed, and written back only if nobody wrote in between (the store's
 * compare-and-set), so replicas share carts without locks. A cart with an order being placed cannot change.
 */
export class CartService {
  readonly store: CartStore;
  readonly ports: CartPorts;
  readonly limits: CartLimits;
  readonly now: () => number;
  readonly newId: () => string;

  constructor(options: CartServiceOptions) {
    this.store = options.store;
    this.ports = options.ports;
    this.limits = options.limits;
    this.now = options.now ?? Date.now;
    this.newId = options.newId ?? randomUUID;
  }

  /** The same carts, calling the mesh through `ports` (a tool call's own dependencies: its trace, its deadline). */
  withPorts(ports: CartPorts): CartService {
    return new CartService({
      store: this.store,
      ports,
      limits: this.limits,
      now: this.now,
      newId: this.newId,
    });
  }

  async get(userId: string): Promise<CartView> {
    return this.view(userId, await this.store.load(userId));
  }

  /** Adds quantities (a line per SKU; more of a SKU already there). */
  async add(userId: string, items: readonly StoredLine[]): Promise<CartView> {
    return this.#change(userId, items, (line, current) => (current ?? 0) + line.quantity);
  }

  /** Sets quantities; 0 removes the line. */
  async set(userId: string, items: readonly StoredLine[]): Promise<CartView> {
    return this.#change(userId, items, (line) => line.quantity);
  }

  async clear(userId: string): Promise<CartView> {
    const cart = await this.update(userId, (current) => {
      if (current === undefined || current.lines.length === 0) return undefined;
      return {
        ...emptyCart(this.newId(), current.rev + 1, this.now()),
        last_checkout: current.last_checkout,
      };
    });
    return this.view(userId, cart);
  }

  /** The cart with current prices (one product_lookup for all its lines). */
  async view(userId: string, cart: StoredCart | undefined): Promise<CartView> {
    const skus = cart?.lines.map((line) => line.sku) ?? [];
    const products = new Map<string, ProductView>();
    if (skus.length > 0) {
      for (const product of (await this.ports.lookupProducts(skus)).products)
        products.set(product.sku, product);
    }
    return toCartView(userId, cart, products, this.limits.ttlMs);
  }

  /**
   * Reads the cart, applies `change` and writes the result if the cart is still the one read; retries on a
   * lost race. `change` returns undefined to leave the cart as it is. Refuses while an order is open.
   */
  async update(
    userId: string,
    change: (current: StoredCart | undefined) => StoredCart | undefined,
    options: { allowPending?: boolean } = {},
  ): Promise<StoredCart | undefined> {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
      const current = await this.store.load(userId);
      if (current?.pending && options.allowPending !== true) {
        throw new MeshError(
          'CHECKOUT_PENDING',
          `order ${current.pending.order_id} is being placed from this cart; check out again to learn its outcome`,
          { data: { order_id: current.pending.order_id } },
        );
      }
      const next = change(current);
      if (next === undefined) return current;
      if (await this.store.save(userId, next, current?.rev ?? null, this.limits.ttlMs)) return next;
      await backoff(attempt);
    }
    throw new MeshError('CONFLICT', 'the cart changed concurrently too often; try again');
  }

  async #change(
    userId: string,
    items: readonly StoredLine[],
    quantityOf: (line: StoredLine, current: number | undefined) => number,
  ): Promise<CartView> {
    const wanted = items.filter((item) => item.quantity > 0).map((item) => item.sku);
    const found = wanted.length > 0 ? await this.ports.lookupProducts(wanted) : { products: [], missing: [] };
    checkProducts(wanted, found, null);
    const cart = await this.update(userId, (current) => {
      const base = current ?? emptyCart(this.newId(), 0, this.now());
      const quantities = new Map(base.lines.map((line) => [line.sku, line.quantity]));
      for (const item of items) quantities.set(item.sku, quantityOf(item, quantities.get(item.sku)));
      for (const [sku, quantity] of quantities) {
        if (quantity <= 0) quantities.delete(sku);
        else if (quantity > this.limits.maxQuantity) {
          throw new MeshError(
            'CART_LIMIT',
            `${sku}: at most ${this.limits.maxQuantity} of one item in a cart`,
            {
              data: { sku, max_quantity: this.limits.maxQuantity },
            },
          );
        }
      }
      if (quantities.size > this.limits.maxLines) {
        throw new MeshError('CART_LIMIT', `at most ${this.limits.maxLines} different items in a cart`, {
          data: { max_lines: this.limits.maxLines },
        });
      }
      const lines = [...quantities].map(([sku, quantity]) => ({ sku, quantity }));
      const currency =
        lines.length === 0
          ? null
          : (checkProducts(wanted, found, base.lines.length === 0 ? null : base.currency) ?? base.currency);
      return {
        ...base,
        rev: base.rev + 1,
        lines,
        currency,
        updated_at: new Date(this.now()).toISOString(),
      };
    });
    return this.view(userId, cart);
  }
}
