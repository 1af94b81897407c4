import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The inventory agent's capabilities: stock checks, prices, and reservations an order holds. */

export const MAX_ITEMS = 100;
export const MAX_QUANTITY = 1_000_000;
export const MAX_TTL_SECONDS = 86_400;
/** Largest page of the catalogue one `inventory_list_products` returns. */
export const MAX_PAGE = 100;
/** Most reservations one `inventory_commit_reservations` commits (one database transaction). */
export const MAX_COMMITS_PER_CALL = 100;

export const itemSchema = z.object({
  sku: z.string().min(1).max(100),
  quantity: z.number().int().positive().max(MAX_QUANTITY),
});
export type Item = z.infer<typeof itemSchema>;

const items = z.array(itemSchema).min(1).max(MAX_ITEMS);
const reservationId = z.string().min(1).max(200);

export const reservationStatus = z.enum(['reserved', 'committed', 'released', 'expired']);

export const inventoryCheckStock = defineContract({
  capability: 'inventory_check_stock',
  version: '1.0.0',
  description: 'Whether every item is in stock now (advisory: reserve is the atomic step).',
  input: z.object({ items }),
  output: z.object({
    available: z.boolean(),
    items: z.array(z.object({ sku: z.string(), requested: z.number(), available: z.number() })),
  }),
  idempotent: true,
});

/** What items cost at catalogue prices (the answer of `inventory_quote`, and part of a reservation's). */
export const quoteSchema = z.object({
  /** Lowercase ISO 4217 code every line is priced in. */
  currency: z.string(),
  /** Major units (e.g. 29.97), exact to the cent. */
  total: z.number(),
  total_cents: z.number().int(),
  lines: z.array(
    z.object({ sku: z.string(), quantity: z.number(), unit_price: z.number(), line_total: z.number() }),
  ),
});

export const inventoryQuote = defineContract({
  capability: 'inventory_quote',
  version: '1.0.0',
  description:
    'What items cost at catalogue prices: {currency, total, total_cents, lines}. UNKNOWN_SKU with data.skus; ' +
    'MIXED_CURRENCIES when the SKUs are priced in different currencies.',
  input: z.object({ items }),
  output: quoteSchema,
  idempotent: true,
});

const product = z.object({
  sku: z.string(),
  name: z.string(),
  price: z.number(),
  currency: z.string(),
  available: z.number(),
});

export const inventoryListProducts = defineContract({
  capability: 'inventory_list_products',
  version: '1.0.0',
  description:
    'One page of the catalogue in sku order: {products:[{sku, name, price, currency, available}], next_offset}.',
  input: z.object({
    limit: z.number().int().min(1).max(MAX_PAGE).default(50),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  output: z.object({
    products: z.array(product),
    limit: z.number(),
    offset: z.number(),
    /** Offset of the next page; null on the last one. */
    next_offset: z.number().nullable(),
  }),
  idempotent: true,
});

export const inventoryReserveItems = defineContract({
  capability: 'inventory_reserve_items',
  version: '1.0.0',
  description:
    'Reserves all items or none for an order; idempotent per order_id; the reservation expires after ttl_seconds ' +
    'unless committed; answers what the reserved items cost (quote), read with the stock. renew holds the stock ' +
    'again for an order whose reservation was released or expired. OUT_OF_STOCK with data.sku, requested, ' +
    'available; UNKNOWN_SKU with data.skus.',
  input: z.object({
    order_id: z.string().min(1).max(200),
    items,
    ttl_seconds: z.number().int().min(1).max(MAX_TTL_SECONDS).optional(),
    /** Take the stock again if the order's reservation was released or expired (else a replay answers it). */
    renew: z.boolean().optional(),
  }),
  output: z.object({
    reservation_id: z.string(),
    order_id: z.string(),
    status: reservationStatus,
    expires_at: z.string(),
    items: z.array(itemSchema),
    /** True when the order already had a reservation (a retried or replayed order). */
    replayed: z.boolean(),
    /**
     * What the reserved items cost at catalogue prices, read in the reservation's transaction (the price and
     * the stock are one snapshot); on a replay, today's prices. Absent when the prices cannot make one charge
     * (MIXED_CURRENCIES) or the database agent is of an earlier version: `inventory_quote` then says why.
     */
    quote: quoteSchema.optional(),
  }),
  idempotent: true,
});

const transition = {
  input: z.object({ reservation_id: reservationId }),
  output: z.object({ reservation_id: z.string(), status: reservationStatus }),
  idempotent: true,
};

export const inventoryReleaseReservation = defineContract({
  capability: 'inventory_release_reservation',
  version: '1.0.0',
  description: 'Returns a reservation to stock; repeating it is a no-op; CONFLICT once committed.',
  ...transition,
});

export const inventoryCommitReservation = defineContract({
  capability: 'inventory_commit_reservation',
  version: '1.0.0',
  description:
    'Makes a reservation final (stock is sold); repeating it is a no-op; CONFLICT once released or expired.',
  ...transition,
});

/**
 * Many commits in one call and one database transaction: the order agent coalesces the commits of concurrent
 * orders into it. Each id gets its own answer, in input order, with the single tool's codes: committed (now
 * or before: a no-op), CONFLICT (released or expired: data.status) or NOT_FOUND. Repeating it is a no-op per id.
 */
export const inventoryCommitReservations = defineContract({
  capability: 'inventory_commit_reservations',
  version: '1.0.0',
  description:
    `Commits up to ${MAX_COMMITS_PER_CALL} reservations in one transaction; answers per id in input order: ` +
    '{reservation_id, status} or {reservation_id, status?, error: {code: CONFLICT|NOT_FOUND, message}}. ' +
    'Repeating it is a no-op per id.',
  input: z.object({ reservation_ids: z.array(reservationId).min(1).max(MAX_COMMITS_PER_CALL) }),
  output: z.object({
    results: z.array(
      z.object({
        reservation_id: z.string(),
        /** The reservation's status after the call; absent when it does not exist. */
        status: reservationStatus.optional(),
        error: z.object({ code: z.enum(['CONFLICT', 'NOT_FOUND']), message: z.string() }).optional(),
      }),
    ),
  }),
  idempotent: true,
});

/** Adds stock on every call: not idempotent, never retried. */
export const inventoryRestock = defineContract({
  capability: 'inventory_restock',
  version: '1.0.0',
  description: 'Adds units to a SKU (creating it when new).',
  input: z.object({
    sku: z.string().min(1).max(100),
    quantity: z.number().int().positive().max(MAX_QUANTITY),
  }),
  output: z.object({ sku: z.string(), available: z.number() }),
});
