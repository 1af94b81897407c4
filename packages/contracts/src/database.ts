import { z } from 'zod';
import { defineOperations } from './operations.js';
import type { OperationArgs, OperationResult, ParsedOperation } from './operations.js';

/**
 * The database agent's capabilities: typed operations over business_db (callers never send SQL). Reads are
 * `data_query`, writes `data_storage`; each operation has its own input and output.
 */

/** Bounds shared by every operation: no caller can ask for unbounded work. */
export const DB_MAX_ITEMS = 100;
export const DB_MAX_QUANTITY = 1_000_000;
export const DB_MAX_TTL_SECONDS = 86_400;
/** Largest page of the catalogue one `stock.list` returns. */
export const DB_MAX_PAGE = 100;
/** Most reservations one `stock.commit_many` commits in its transaction. */
export const DB_MAX_COMMITS = 100;
/**
 * Most orders one `stock.reserve_many` reserves in its transaction. Kept small: the batch holds every SKU it
 * touches locked until it commits.
 */
export const DB_MAX_RESERVES = 50;

const id = z.string().min(1).max(200);
const sku = z.string().min(1).max(100);

export const lineItemSchema = z.object({
  sku,
  quantity: z.number().int().positive().max(DB_MAX_QUANTITY),
});

const storedUser = z.object({
  id: z.string(),
  username: z.string(),
  email: z.string(),
  name: z.string(),
  phone: z.string().optional(),
});

/** A SKU as the catalogue holds it: its price (major units, whole cents) in its currency, and its stock. */
export const stockLevelSchema = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.number(),
  /** Lowercase ISO 4217 code the price is in. */
  currency: z.string(),
  available: z.number(),
  reserved: z.number(),
});

export const reservationStatusSchema = z.enum(['reserved', 'committed', 'released', 'expired']);

/** What a reserved SKU costs, as the reservation read it from the catalogue. */
export const reservedPriceSchema = z.object({
  sku: z.string(),
  /** Major units, whole cents. */
  price: z.number(),
  /** Lowercase ISO 4217 code. */
  currency: z.string(),
});

export const reservationSchema = z.object({
  reservation_id: z.string(),
  order_id: z.string(),
  status: reservationStatusSchema,
  expires_at: z.string(),
  items: z.array(lineItemSchema),
});

const reserveInputSchema = z.object({
  reservation_id: id.optional(),
  order_id: id,
  items: z.array(lineItemSchema).min(1).max(DB_MAX_ITEMS),
  ttl_seconds: z.number().int().min(1).max(DB_MAX_TTL_SECONDS).default(300),
  /**
   * Hold the stock again when the order's reservation was released or expired (the order was refused before
   * it was stored, or abandoned past its TTL, and is sent again). Without it a replay only answers the
   * reservation the order has, whatever its status.
   */
  renew: z.boolean().optional(),
});

/**
 * `replayed` when the order already had a reservation (and `renew` did not take the stock again). `prices`:
 * the catalogue price of each reserved SKU, read in the reservation's own transaction (absent from database
 * agents of earlier versions).
 */
const reserveOutputSchema = reservationSchema.extend({
  replayed: z.boolean(),
  prices: z.array(reservedPriceSchema).optional(),
});

/** One item's failure inside a batch operation, as the single operation would have raised it. */
const batchErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const page = {
  offset: z.number().int().min(0).max(1_000_000).default(0),
};

export const dataQuery = defineOperations({
  capability: 'data_query',
  version: '1.0.0',
  description:
    'Reads business data. Ops: user.get {user_id}, user.list {limit, offset}, stock.get {skus} (price, currency, stock; ' +
    'unknown skus in `missing`), stock.list {limit, offset} (the catalogue in sku order). NOT_FOUND when missing.',
  idempotent: true,
  operations: {
    'user.get': { input: z.object({ user_id: id }), output: storedUser },
    'user.list': {
      input: z.object({ limit: z.number().int().min(1).max(100).default(20), ...page }),
      output: z.object({
        users: z.array(storedUser),
        total: z.number().int(),
        limit: z.number().int(),
        offset: z.number().int(),
      }),
    },
    'stock.get': {
      input: z.object({ skus: z.array(sku).min(1).max(DB_MAX_ITEMS) }),
      output: z.object({ items: z.array(stockLevelSchema), missing: z.array(z.string()) }),
    },
    'stock.list': {
      input: z.object({ limit: z.number().int().min(1).max(DB_MAX_PAGE).default(50), ...page }),
      output: z.object({
        items: z.array(stockLevelSchema),
        limit: z.number().int(),
        offset: z.number().int(),
        /** Offset of the next page; null on the last one. */
        next_offset: z.number().int().nullable(),
      }),
    },
  },
});

const email = z.email().max(320);
const phone = z.string().min(3).max(40);
const name = z.string().min(1).max(200);

/**
 * Writes. Not idempotent as a whole (`stock.restock` adds on every call); reserve (per order_id), release and
 * commit are, so their callers declare their dependency idempotent.
 */
export const dataStorage = defineOperations({
  capability: 'data_storage',
  version: '1.0.0',
  description:
    'Writes business data. Ops: user.create, user.update, stock.reserve {reservation_id?, order_id, items, ' +
    'ttl_seconds, renew?} (atomic, all-or-nothing, idempotent per order_id, answers the prices; OUT_OF_STOCK), ' +
    'stock.reserve_many {reservations} (one transaction; per order its reservation or its error), ' +
    'stock.release, stock.commit {reservation_id} (CONFLICT on an invalid transition), stock.commit_many ' +
    '{reservation_ids} (one transaction; per id its status after, null when not found), stock.restock ' +
    '{sku, quantity}, stock.expire_reservations.',
  operations: {
    'user.create': {
      input: z.object({
        user_id: id.optional(),
        username: z.string().min(1).max(100),
        email,
        name,
        phone: phone.optional(),
      }),
      output: storedUser,
    },
    'user.update': {
      input: z.object({
        user_id: id,
        email: email.optional(),
        name: name.optional(),
        phone: phone.nullable().optional(),
      }),
      output: storedUser,
    },
    'stock.reserve': { input: reserveInputSchema, output: reserveOutputSchema },
    'stock.reserve_many': {
      input: z.object({ reservations: z.array(reserveInputSchema).min(1).max(DB_MAX_RESERVES) }),
      /**
       * One entry per order asked, in the order asked: its reservation, or the error `stock.reserve` would
       * have raised for it alone (OUT_OF_STOCK, CONFLICT). An order that fails takes nothing; the others
       * hold their stock.
       */
      output: z.object({
        results: z.array(
          z.object({
            order_id: z.string(),
            reservation: reserveOutputSchema.optional(),
            error: batchErrorSchema.optional(),
          }),
        ),
      }),
    },
    'stock.release': { input: z.object({ reservation_id: id }), output: reservationSchema },
    'stock.commit': { input: z.object({ reservation_id: id }), output: reservationSchema },
    'stock.commit_many': {
      input: z.object({ reservation_ids: z.array(id).min(1).max(DB_MAX_COMMITS) }),
      /**
       * One entry per distinct id, in first-seen order: its status after the call (`committed` whether now or
       * before; `released`/`expired` were not committed), or null when there is no such reservation.
       */
      output: z.object({
        results: z.array(
          z.object({ reservation_id: z.string(), status: reservationStatusSchema.nullable() }),
        ),
      }),
    },
    'stock.restock': {
      input: z.object({
        sku,
        quantity: z.number().int().positive().max(DB_MAX_QUANTITY),
        name: name.optional(),
        price: z.number().nonnegative().max(1_000_000).optional(),
      }),
      output: stockLevelSchema,
    },
    'stock.expire_reservations': {
      input: z.object({ limit: z.number().int().min(1).max(10_000).default(500) }),
      output: z.object({ expired: z.number().int(), reservation_ids: z.array(z.string()) }),
    },
  },
});

type QueryOps = typeof dataQuery.operations;
type StorageOps = typeof dataStorage.operations;

/** A read as the database agent receives it (defaults applied). */
export type QueryOperation = ParsedOperation<QueryOps>;
/** A write as the database agent receives it (defaults applied). */
export type StorageOperation = ParsedOperation<StorageOps>;
/** A read as a caller writes it. */
export type QueryArgs<K extends keyof QueryOps = keyof QueryOps> = OperationArgs<QueryOps, K>;
/** A write as a caller writes it. */
export type StorageArgs<K extends keyof StorageOps = keyof StorageOps> = OperationArgs<StorageOps, K>;
export type QueryResult<K extends keyof QueryOps = keyof QueryOps> = OperationResult<QueryOps, K>;
export type StorageResult<K extends keyof StorageOps = keyof StorageOps> = OperationResult<StorageOps, K>;
export type StockLevel = z.infer<typeof stockLevelSchema>;
export type Reservation = z.infer<typeof reservationSchema>;
export type ReservedPrice = z.infer<typeof reservedPriceSchema>;
export type LineItem = z.infer<typeof lineItemSchema>;
