import { z } from 'zod';

/** Bounds shared by every operation: no caller can ask for unbounded work. */
export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
export const MAX_TTL_SECONDS = 86_400;
/** Largest page of the catalogue one `stock.list` returns. */
export const MAX_PAGE = 100;

const id = z.string().min(1).max(200);
const sku = z.string().min(1).max(100);

export const lineItemSchema = z.object({
  sku,
  quantity: z.number().int().positive().max(MAX_QUANTITY),
});
export type LineItem = z.infer<typeof lineItemSchema>;

/** Read operations, the input of the `data_query` tool (typed: callers never send SQL). */
export const queryOperationSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('user.get'), user_id: id }),
  z.object({
    op: z.literal('user.list'),
    limit: z.number().int().min(1).max(100).default(20),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  z.object({ op: z.literal('stock.get'), skus: z.array(sku).min(1).max(MAX_ITEMS) }),
  z.object({
    op: z.literal('stock.list'),
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
]);
export type QueryOperation = z.infer<typeof queryOperationSchema>;

const email = z.email().max(320);
const phone = z.string().min(3).max(40);
const name = z.string().min(1).max(200);

/** Write operations, the input of the `data_storage` tool. */
export const storageOperationSchema = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('user.create'),
    user_id: id.optional(),
    username: z.string().min(1).max(100),
    email,
    name,
    phone: phone.optional(),
  }),
  z.object({
    op: z.literal('user.update'),
    user_id: id,
    email: email.optional(),
    name: name.optional(),
    phone: phone.nullable().optional(),
  }),
  z.object({
    op: z.literal('stock.reserve'),
    reservation_id: id.optional(),
    order_id: id,
    items: z.array(lineItemSchema).min(1).max(MAX_ITEMS),
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).default(300),
  }),
  z.object({ op: z.literal('stock.release'), reservation_id: id }),
  z.object({ op: z.literal('stock.commit'), reservation_id: id }),
  z.object({
    op: z.literal('stock.restock'),
    sku,
    quantity: z.number().int().positive().max(MAX_QUANTITY),
    name: name.optional(),
    price: z.number().nonnegative().max(1_000_000).optional(),
  }),
  z.object({
    op: z.literal('stock.expire_reservations'),
    limit: z.number().int().min(1).max(10_000).default(500),
  }),
]);
export type StorageOperation = z.infer<typeof storageOperationSchema>;

export interface User {
  id: string;
  username: string;
  email: string;
  name: string;
  phone?: string;
}

/** A SKU as the catalogue holds it: its price (major units, whole cents) in its currency, and its stock. */
export interface StockLevel {
  sku: string;
  name: string;
  price: number;
  /** Lowercase ISO 4217 code the price is in. */
  currency: string;
  available: number;
  reserved: number;
}

export type ReservationStatus = 'reserved' | 'committed' | 'released' | 'expired';

export interface Reservation {
  reservation_id: string;
  order_id: string;
  status: ReservationStatus;
  expires_at: string;
  items: LineItem[];
}
