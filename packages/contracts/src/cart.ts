import { z } from 'zod';
import { defineContract } from './define-contract.js';
import { orderErrorSchema } from './order.js';

/**
 * The cart agent's capabilities: one cart per user, shared by every replica (Redis, else PostgreSQL), bounded
 * in lines, quantity and lifetime; checkout turns it into an order through the order agent.
 */

export const CART_MAX_LINES = 50;
export const CART_MAX_QUANTITY = 99;

/** The user the cart belongs to; the gateway takes it from the verified token, never from a body. */
const userId = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
const sku = z.string().min(1).max(100);
/** A client's checkout key: the same key never makes two orders. */
export const checkoutKeySchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const cartLineSchema = z.object({
  sku: z.string(),
  /** The catalogue's name, or null when the SKU left the catalogue since it was added. */
  name: z.string().nullable(),
  quantity: z.number().int(),
  /** The current catalogue price in whole cents (null when the SKU is gone). */
  unit_price_cents: z.number().int().nullable(),
  line_total_cents: z.number().int(),
  available: z.number().nullable(),
});

export const cartViewSchema = z.object({
  user_id: z.string(),
  /** Changes with every change of the cart (and is new for a new cart): a derived checkout key uses it. */
  version: z.string(),
  lines: z.array(cartLineSchema),
  /** Sum of the lines at current prices, whole cents. */
  total_cents: z.number().int(),
  /** The lines' currency (lowercase ISO 4217); null for an empty cart. */
  currency: z.string().nullable(),
  /** An order being placed from this cart: the cart cannot change until its outcome is known. */
  pending_order_id: z.string().nullable(),
  /** When an untouched cart is dropped; null for an empty cart. */
  expires_at: z.string().nullable(),
});
export type CartView = z.infer<typeof cartViewSchema>;

const itemsInput = (min: number) =>
  z
    .array(z.object({ sku, quantity: z.number().int().min(min).max(CART_MAX_QUANTITY) }))
    .min(1)
    .max(CART_MAX_LINES);

export const cartGet = defineContract({
  capability: 'cart_get',
  version: '1.0.0',
  description: "The user's cart with current prices and a total in whole cents (an empty cart when none).",
  input: z.object({ user_id: userId }),
  output: cartViewSchema,
  idempotent: true,
});

export const cartAddItems = defineContract({
  capability: 'cart_add_items',
  version: '1.0.0',
  description:
    'Adds quantities to the cart (a new line or more of one). UNKNOWN_SKU (data.skus), CART_LIMIT (lines or ' +
    'quantity beyond the bounds), MIXED_CURRENCIES, CHECKOUT_PENDING while an order from the cart is open.',
  input: z.object({ user_id: userId, items: itemsInput(1) }),
  output: cartViewSchema,
});

export const cartSetItems = defineContract({
  capability: 'cart_set_items',
  version: '1.0.0',
  description: 'Sets line quantities (0 removes the line). Same errors as cart_add_items.',
  input: z.object({ user_id: userId, items: itemsInput(0) }),
  output: cartViewSchema,
  idempotent: true,
});

export const cartClear = defineContract({
  capability: 'cart_clear',
  version: '1.0.0',
  description: 'Empties the cart. CHECKOUT_PENDING while an order from the cart is open.',
  input: z.object({ user_id: userId }),
  output: cartViewSchema,
  idempotent: true,
});

export const cartCheckout = defineContract({
  capability: 'cart_checkout',
  version: '1.0.0',
  description:
    'Places the cart as one order (order_processing). The same checkout_key (or, without one, the same cart ' +
    'version) never makes two orders; a second checkout while one is open drives the same order. The cart is ' +
    'emptied only once the order completed; a failed order leaves it. CART_EMPTY, CHECKOUT_KEY_REUSED.',
  input: z.object({
    user_id: userId,
    checkout_key: checkoutKeySchema.optional(),
    payment_method: z.string().min(1).max(200).optional(),
  }),
  output: z.object({
    /** pending: the order's outcome is not known yet (check out again to learn it; the cart stays locked). */
    status: z.enum(['completed', 'failed', 'pending']),
    order_id: z.string(),
    payment_id: z.string().nullable(),
    error: orderErrorSchema.nullable(),
    total_cents: z.number().int(),
    currency: z.string(),
    /** True when the answer repeats an earlier checkout's outcome. */
    replayed: z.boolean(),
  }),
  idempotent: true,
});
