import { z } from 'zod';

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
export const MAX_TTL_SECONDS = 86_400;

export const itemSchema = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(MAX_QUANTITY),
});
export type Item = z.infer<typeof itemSchema>;

const items = z.array(itemSchema).min(1).max(MAX_ITEMS);
const reservationId = z.string().min(1).max(200);

export const checkStockInput = z.object({ items });
export const checkStockOutput = z.object({
  available: z.boolean(),
  items: z.array(z.object({ sku: z.string(), requested: z.number(), available: z.number() })),
});
export type CheckStockResult = z.infer<typeof checkStockOutput>;

export const reserveInput = z.object({
  order_id: z.string().min(1).max(200),
  items,
  ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
});
export type ReserveInput = z.infer<typeof reserveInput>;

export const reservationStatus = z.enum(['reserved', 'committed', 'released', 'expired']);

export const reservationOutput = z.object({
  reservation_id: z.string(),
  order_id: z.string(),
  status: reservationStatus,
  expires_at: z.string(),
  items: z.array(itemSchema),
  /** True when the order already had a reservation (a retried or replayed order). */
  replayed: z.boolean(),
});
export type ReservationResult = z.infer<typeof reservationOutput>;

export const reservationRefInput = z.object({ reservation_id: reservationId });
export const transitionOutput = z.object({ reservation_id: z.string(), status: reservationStatus });
export type TransitionResult = z.infer<typeof transitionOutput>;

export const restockInput = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(MAX_QUANTITY),
});
export const restockOutput = z.object({ sku: z.string(), available: z.number() });
export type RestockResult = z.infer<typeof restockOutput>;

export const quoteInput = z.object({ items });
export const quoteOutput = z.object({
  /** Lowercase ISO 4217 code every line is priced in. */
  currency: z.string(),
  /** Major units (e.g. 29.97), exact to the cent. */
  total: z.number(),
  total_cents: z.number().int(),
  lines: z.array(
    z.object({ sku: z.string(), quantity: z.number(), unit_price: z.number(), line_total: z.number() }),
  ),
});
export type Quote = z.infer<typeof quoteOutput>;

export const MAX_PAGE = 100;
export const listProductsInput = z.object({
  limit: z.number().int().min(1).max(MAX_PAGE).default(50),
  offset: z.number().int().min(0).max(1_000_000).default(0),
});
const product = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.number(),
  currency: z.string(),
  available: z.number(),
});
export type Product = z.infer<typeof product>;
export const listProductsOutput = z.object({
  products: z.array(product),
  limit: z.number(),
  offset: z.number(),
  /** Offset of the next page; null on the last one. */
  next_offset: z.number().nullable(),
});
export type ListProductsResult = z.infer<typeof listProductsOutput>;
