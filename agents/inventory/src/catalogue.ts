import { MeshError } from '@mesh/common';
import { dataQuery } from '@mesh/contracts';
import type { QueryCaller } from './inventory-service.js';
import type { Item, ListProductsResult, Product, Quote } from './schemas.js';

/** Catalogue prices are stored in whole cents; integer arithmetic keeps a large order's total exact. */
function cents(price: number): number {
  return Math.round(price * 100);
}

/** The price of one SKU as the catalogue holds it. */
export interface CataloguePrice {
  sku: string;
  price: number;
  currency: string;
}

/**
 * What `items` cost at the catalogue's prices, line by line and in total, so the order agent charges what
 * the shop asks rather than what the client says. Unknown SKUs are UNKNOWN_SKU (with every one of them in
 * `data.skus`), never "out of stock"; SKUs priced in different currencies cannot be one charge
 * (MIXED_CURRENCIES). Reads go through the database agent's short stock cache, so a quote costs no more than
 * the stock check it replaces.
 */
export async function quoteItems(query: QueryCaller, items: readonly Item[]): Promise<Quote> {
  const skus = [...new Set(items.map((item) => item.sku))];
  const result = await dataQuery.run(query, { op: 'stock.get', skus });
  return priceItems(items, result.items);
}

/** Prices `items` from catalogue rows (a quote's read, or the one a reservation made); pure. */
export function priceItems(items: readonly Item[], prices: readonly CataloguePrice[]): Quote {
  const bySku = new Map(prices.map((row) => [row.sku, row]));
  const unknown = [...new Set(items.map((item) => item.sku))].filter((sku) => !bySku.has(sku));
  if (unknown.length > 0) {
    throw new MeshError('UNKNOWN_SKU', `unknown SKU${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, {
      data: { skus: unknown },
    });
  }
  const currencies = [...new Set(items.map((item) => bySku.get(item.sku)!.currency))];
  if (currencies.length !== 1) {
    throw new MeshError(
      'MIXED_CURRENCIES',
      `items are priced in ${currencies.join(' and ')}; order them apart`,
      {
        data: { currencies },
      },
    );
  }
  let totalCents = 0;
  const lines = items.map((item) => {
    const unit = cents(bySku.get(item.sku)!.price);
    totalCents += unit * item.quantity;
    return {
      sku: item.sku,
      quantity: item.quantity,
      unit_price: unit / 100,
      line_total: (unit * item.quantity) / 100,
    };
  });
  return { currency: currencies[0]!, total: totalCents / 100, total_cents: totalCents, lines };
}

/** One page of the catalogue (sku order) with prices and what is available to order now. */
export async function listProducts(
  query: QueryCaller,
  limit: number,
  offset: number,
): Promise<ListProductsResult> {
  const page = await dataQuery.run(query, { op: 'stock.list', limit, offset });
  const products: Product[] = page.items.map((row) => ({
    sku: row.sku,
    name: row.name,
    price: row.price,
    currency: row.currency,
    available: row.available,
  }));
  return { products, limit, offset, next_offset: page.next_offset };
}
