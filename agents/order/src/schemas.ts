import { z } from 'zod';

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
export const MAX_TOTAL = 999_999.99;

/** Ids travel in URLs (GET /orders/:id) and logs, so they are kept to a safe alphabet. */
const idSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');

export const orderItemSchema = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(MAX_QUANTITY),
});
export type OrderItem = z.infer<typeof orderItemSchema>;

/** Whole cents only: the payment ledger keeps integer cents, so 0.001 is refused at the door. */
function wholeCents(value: number): boolean {
  return Math.abs(value * 100 - Math.round(value * 100)) < 1e-6;
}

/**
 * The seed's order body (plus optional payment method and currency). `total` and `currency` are what the
 * client expects to pay: optional, and checked against the catalogue (which sets the amount) when given.
 */
export const orderInput = z.object({
  order_id: idSchema,
  user_id: idSchema,
  items: z.array(orderItemSchema).min(1).max(MAX_ITEMS),
  total: z
    .number()
    .positive()
    .max(MAX_TOTAL)
    .refine(wholeCents, 'must be a whole number of cents')
    .optional(),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/, 'a 3-letter currency code')
    .optional(),
  /** A payment gateway token such as tok_visa (default), tok_chargeDeclined, tok_timeout. */
  payment_method: z.string().min(1).max(200).optional(),
});
export type OrderInput = z.infer<typeof orderInput>;

export const orderErrorSchema = z.object({ code: z.string(), message: z.string() });
export type OrderError = z.infer<typeof orderErrorSchema>;

/** What `process_order` answers: the outcome, identical for every replay of the same order_id. */
export const orderResultSchema = z.object({
  status: z.enum(['completed', 'failed']),
  order_id: z.string(),
  payment_id: z.string().nullable().optional(),
  error: orderErrorSchema.optional(),
  /** The saga state behind the status (completed, failed, compensating, compensated). */
  state: z.string(),
  /** True when this answer replays an earlier (or concurrent) request's outcome. */
  replayed: z.boolean(),
});
export type OrderResult = z.infer<typeof orderResultSchema>;

export const getOrderInput = z.object({ order_id: idSchema });

/** What `get_order` answers. */
export const orderViewSchema = z.object({
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
});
export type OrderView = z.infer<typeof orderViewSchema>;
