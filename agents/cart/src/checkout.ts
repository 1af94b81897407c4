import { createHash } from 'node:crypto';
import { MeshError, isMeshError, type Logger } from '@mesh/common';
import type { ContractOutput, cartCheckout } from '@mesh/contracts';
import { emptyCart, type CartService } from './cart-service.js';
import type { CheckoutRecord, PendingCheckout, StoredCart } from './cart-store.js';
import { versionOf } from './cart-view.js';

export type CheckoutResult = ContractOutput<typeof cartCheckout>;

/** Refusals the order agent makes before anything is reserved or charged: the order was never taken. */
export const REFUSED_BEFORE_ORDER: ReadonlySet<string> = new Set([
  'VALIDATION_FAILED',
  'UNKNOWN_SKU',
  'PRICE_MISMATCH',
  'UNSUPPORTED_CURRENCY',
  'TOTAL_OUT_OF_RANGE',
  'MIXED_CURRENCIES',
]);

/**
 * How long after a completed checkout a keyless checkout of the emptied cart still answers that order (a retry
 * whose answer was lost); later it is just an empty cart.
 */
const KEYLESS_REPLAY_MS = 15 * 60_000;

/** The call never reached an order agent (none resolved, or its breaker open): nothing can have been ordered. */
const NEVER_SENT = new Set(['DEPENDENCY_UNAVAILABLE', 'CIRCUIT_OPEN']);

/**
 * The order id a checkout key stands for: one key, one order, whoever (which replica, which retry) asks.
 * Hashed with the user so two users' keys never meet, and kept to the order id alphabet.
 */
export function orderIdFor(userId: string, key: string): string {
  return `cart-${createHash('sha256').update(`${userId}\n${key}`).digest('hex').slice(0, 40)}`;
}

function replay(record: CheckoutRecord): CheckoutResult {
  return {
    status: record.status,
    order_id: record.order_id,
    payment_id: record.payment_id,
    error: record.error,
    total_cents: record.total_cents,
    currency: record.currency,
    replayed: true,
  };
}

/**
 * Turns a cart into one order. The first step claims the cart (compare-and-set: `pending` names the order),
 * so of two concurrent checkouts on any replicas one claims and the other drives the same order id; the order
 * agent runs an order id once and answers every caller its outcome. The cart is emptied only once the order
 * completed; a failed order unlocks it unchanged; an unknown outcome (timeout, lost connection) leaves it
 * locked and answers `pending`: the next checkout asks again, with the same order id.
 */
export async function checkout(
  carts: CartService,
  input: { user_id: string; checkout_key?: string | undefined; payment_method?: string | undefined },
  logger: Logger,
): Promise<CheckoutResult> {
  const userId = input.user_id;
  // Priced before the claim (the claim's write cannot wait on the mesh); the order agent prices the order
  // again from the catalogue and charges that, so this total is what the shopper was shown.
  const before = await carts.store.load(userId);
  const prices = new Map<string, number>();
  if (before !== undefined && before.pending === null && before.lines.length > 0) {
    const found = await carts.ports.lookupProducts(before.lines.map((line) => line.sku));
    for (const product of found.products) prices.set(product.sku, product.price_cents);
  }
  let pending: PendingCheckout | undefined;
  let replayed: CheckoutRecord | undefined;
  await carts.update(
    userId,
    (cart) => {
      pending = cart?.pending ?? undefined;
      replayed = undefined;
      if (pending !== undefined) return undefined;
      const last = cart?.last_checkout ?? null;
      if (last !== null && input.checkout_key === last.key) {
        replayed = last;
        return undefined;
      }
      if (cart === undefined || cart.lines.length === 0) {
        // A retried checkout whose answer was lost finds the cart emptied by its own order.
        const recent = cart !== undefined && Date.parse(cart.updated_at) > carts.now() - KEYLESS_REPLAY_MS;
        if (last !== null && recent && input.checkout_key === undefined && last.status === 'completed') {
          replayed = last;
          return undefined;
        }
        throw new MeshError('CART_EMPTY', 'the cart is empty');
      }
      const key = input.checkout_key ?? `v-${versionOf(cart)}`;
      pending = {
        key,
        order_id: orderIdFor(userId, key),
        items: cart.lines,
        total_cents: cart.lines.reduce((sum, line) => sum + (prices.get(line.sku) ?? 0) * line.quantity, 0),
        currency: cart.currency ?? '',
      };
      return { ...cart, rev: cart.rev + 1, pending };
    },
    { allowPending: true },
  );
  if (replayed !== undefined) return replay(replayed);
  const claim = pending!;
  let outcome;
  try {
    outcome = await carts.ports.placeOrder({
      order_id: claim.order_id,
      user_id: userId,
      items: claim.items,
      ...(input.payment_method === undefined ? {} : { payment_method: input.payment_method }),
    });
  } catch (raw: unknown) {
    if (isMeshError(raw, 'CONFLICT')) {
      await settle(carts, userId, claim, undefined);
      throw new MeshError('CHECKOUT_KEY_REUSED', 'this checkout key was already used for a different order', {
        data: { order_id: claim.order_id },
      });
    }
    if (isMeshError(raw) && (REFUSED_BEFORE_ORDER.has(raw.code) || NEVER_SENT.has(raw.code))) {
      await settle(carts, userId, claim, undefined);
      throw raw;
    }
    // The order may have been taken: keep the cart locked on this order id, so the next checkout asks again.
    logger.warn(
      { order_id: claim.order_id, err: raw instanceof Error ? raw.message : String(raw) },
      'order outcome unknown; the cart stays locked on it',
    );
    return {
      status: 'pending',
      order_id: claim.order_id,
      payment_id: null,
      error: null,
      total_cents: claim.total_cents,
      currency: claim.currency,
      replayed: false,
    };
  }
  const record: CheckoutRecord = {
    key: claim.key,
    order_id: claim.order_id,
    status: outcome.status,
    payment_id: outcome.payment_id ?? null,
    error: outcome.error ?? null,
    total_cents: claim.total_cents,
    currency: claim.currency,
  };
  await settle(carts, userId, claim, record);
  return { ...replay(record), replayed: outcome.replayed };
}

/**
 * Unlocks the cart once the order's outcome is known: emptied (a new cart) after a completed order, as it
 * was after a failed or refused one. Only the checkout's own claim is settled (another caller may have done
 * it already).
 */
async function settle(
  carts: CartService,
  userId: string,
  claim: PendingCheckout,
  record: CheckoutRecord | undefined,
): Promise<void> {
  await carts.update(
    userId,
    (cart): StoredCart | undefined => {
      if (cart?.pending?.order_id !== claim.order_id) return undefined;
      if (record?.status === 'completed') {
        return {
          ...emptyCart(carts.newId(), cart.rev + 1, carts.now()),
          last_checkout: record,
        };
      }
      return {
        ...cart,
        rev: cart.rev + 1,
        pending: null,
        last_checkout: record ?? cart.last_checkout,
        updated_at: new Date(carts.now()).toISOString(),
      };
    },
    { allowPending: true },
  );
}
