import { z } from 'zod';
import { defineContract } from './define-contract.js';

/** The product agent's capabilities: the shop's catalogue as shoppers see it (search, pages, one SKU). */

/** Largest page one `product_list` returns, and most SKUs one `product_lookup` takes. */
export const PRODUCT_MAX_PAGE = 100;

const sku = z.string().min(1).max(100);

export const productSchema = z.object({
  sku: z.string(),
  name: z.string(),
  /** Major units (e.g. 9.99), exact to the cent. */
  price: z.number(),
  /** The same price in whole cents: what carts and orders add up. */
  price_cents: z.number().int(),
  /** Lowercase ISO 4217 code. */
  currency: z.string(),
  /** Units that can be ordered now (stock not held by reservations), as of the agent's cached copy. */
  available: z.number(),
});
export type ProductView = z.infer<typeof productSchema>;

export const productList = defineContract({
  capability: 'product_list',
  version: '1.0.0',
  description:
    'Searches and pages the catalogue in sku order: q matches name or sku (substring, case-insensitive). ' +
    '{products, total, limit, offset, next_offset}.',
  input: z.object({
    q: z.string().max(100).optional(),
    limit: z.number().int().min(1).max(PRODUCT_MAX_PAGE).default(20),
    offset: z.number().int().min(0).max(1_000_000).default(0),
  }),
  output: z.object({
    products: z.array(productSchema),
    /** Products matching q (the whole catalogue without q). */
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
    /** Offset of the next page; null on the last one. */
    next_offset: z.number().int().nullable(),
  }),
  idempotent: true,
});

export const productGet = defineContract({
  capability: 'product_get',
  version: '1.0.0',
  description: 'One product by SKU. NOT_FOUND when the catalogue has no such SKU.',
  input: z.object({ sku }),
  output: productSchema,
  idempotent: true,
});

export const productLookup = defineContract({
  capability: 'product_lookup',
  version: '1.0.0',
  description: 'Several products by SKU in one call: {products, missing} (unknown SKUs in missing).',
  input: z.object({ skus: z.array(sku).min(1).max(PRODUCT_MAX_PAGE) }),
  output: z.object({ products: z.array(productSchema), missing: z.array(z.string()) }),
  idempotent: true,
});
