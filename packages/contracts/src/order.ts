import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The order agent's capabilities: the order saga and what it knows of an order. */

export const MAX_ORDER_ITEMS = 100;
export const MAX_ORDER_QUANTITY = 1_000_000;
export const MAX_ORDER_TOTAL = 999_999.99;

/** Ids travel in URLs (GET /orders/:id) and logs, so they are kept to a safe alphabet. */
export const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(MAX_ORDER_QUANTITY),
});

/** Whole cents only: the payment ledger keeps integer cents, so 0.001 is refused at the door. */
function wholeCents(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

export const orderErrorSchema = z.object({ code: z.string(), message: z.string() });

export const orderProcessing = defineContract({
  capability: 'order_processing',
  version: '1.0.0',
  description:
    'Processes an order end to end, charging the catalogue price. Same order_id = same outcome (a concurrent ' +
    'duplicate waits for it); {status:"completed", order_id, payment_id} or {status:"failed", order_id, ' +
    'error:{code,message}}. Refused before anything happens: PRICE_MISMATCH (data.expected_total) when total ' +
    'is more than a cent off, UNSUPPORTED_CURRENCY, TOTAL_OUT_OF_RANGE, UNKNOWN_SKU (data.skus).',
  /**
   * The order body. `total` and `currency` are what the client expects to pay: optional, and checked against
   * the catalogue (which sets the amount) when given.
   */
  input: z.object({
    order_id: idSchema,
    user_id: idSchema,
    items: z.array(orderItemSchema).min(1).max(MAX_ORDER_ITEMS),
    total: z
      .number()
      .positive('must be more than 0')
      .max(MAX_ORDER_TOTAL)
      .refine(wholeCents, 'must be a whole number of cents')
      .optional(),
    currency: z
      .string()
      .regex(/^[a-zA-Z]{3}$/, 'a 3-letter currency code')
      .optional(),
    /** A payment gateway token such as tok_visa (default), tok_chargeDeclined, tok_timeout. */
    payment_method: z.string().min(1).max(200).optional(),
  }),
  /** The outcome, identical for every replay of the same order_id. */
  output: z.object({
    status: z.enum(['completed', 'failed']),
    order_id: z.string(),
    payment_id: z.string().nullable().optional(),
    error: orderErrorSchema.optional(),
    /** The saga state behind the status (completed, failed, compensating, compensated). */
    state: z.string(),
    /** True when this answer replays an earlier (or concurrent) request's outcome. */
    replayed: z.boolean(),
  }),
  idempotent: true,
});

export const orderGet = defineContract({
  capability: 'order_get',
  version: '1.0.0',
  description:
    'An order with its status (processing, completed, failed) and saga state. NOT_FOUND when unknown.',
  input: z.object({ order_id: idSchema }),
  output: z.object({
    order_id: z.string(),
    user_id: z.string(),
    status: z.enum(['processing', 'completed', 'failed']),
    state: z.string(),
    items: z.array(orderItemSchema),
    total: z.number(),
    currency: z.string(),
    payment_id: z.string().nullable(),
    reservation_id: z.string().nullable(),
    error: orderErrorSchema.nullable(),
    created_at: z.string(),
    updated_at: z.string(),
  }),
  idempotent: true,
});
