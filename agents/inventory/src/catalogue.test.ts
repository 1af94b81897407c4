import { isMeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { listProducts, quoteItems } from './catalogue.js';
import type { QueryCaller, StorageCaller } from './inventory-service.js';

/** A fake of either database proxy. */
type DataCaller = QueryCaller & StorageCaller;

const row = (sku: string, price: number, currency = 'usd') => ({
  sku,
  name: sku,
  price,
  currency,
  available: 10,
  reserved: 0,
});

/** A stand-in for the database agent's proxy that knows a few SKUs and records what it was asked. */
function catalogue(rows: ReturnType<typeof row>[]): DataCaller & { asked: Record<string, unknown>[] } {
  const asked: Record<string, unknown>[] = [];
  return {
    asked,
    async call<T>(args: Record<string, unknown>): Promise<T> {
      asked.push(args);
      if (args['op'] === 'stock.list') return { items: rows, next_offset: null } as T;
      const skus = args['skus'] as string[];
      return {
        items: rows.filter((r) => skus.includes(r.sku)),
        missing: skus.filter((sku) => !rows.some((r) => r.sku === sku)),
      } as T;
    },
  };
}

describe('quoteItems', () => {
  it('prices every line at the catalogue price and totals in exact cents', async () => {
    const query = catalogue([row('A', 0.1), row('B', 14.99)]);
    const quote = await quoteItems(query, [
      { sku: 'A', quantity: 3 },
      { sku: 'B', quantity: 1000 },
      { sku: 'A', quantity: 1 },
    ]);
    expect(query.asked).toEqual([{ op: 'stock.get', skus: ['A', 'B'] }]);
    // 0.1 * 3 is 0.30000000000000004 in floating point; integer cents keep it exact.
    expect(quote).toEqual({
      currency: 'usd',
      total: 14_990.4,
      total_cents: 1_499_040,
      lines: [
        { sku: 'A', quantity: 3, unit_price: 0.1, line_total: 0.3 },
        { sku: 'B', quantity: 1000, unit_price: 14.99, line_total: 14_990 },
        { sku: 'A', quantity: 1, unit_price: 0.1, line_total: 0.1 },
      ],
    });
  });

  it('answers UNKNOWN_SKU listing every unknown SKU, not out of stock', async () => {
    const error = await quoteItems(catalogue([row('A', 1)]), [
      { sku: 'A', quantity: 1 },
      { sku: 'X', quantity: 1 },
      { sku: 'Y', quantity: 2 },
    ]).catch((e: unknown) => e);
    expect(isMeshError(error, 'UNKNOWN_SKU')).toBe(true);
    expect((error as { data: unknown }).data).toEqual({ skus: ['X', 'Y'] });
  });

  it('refuses items priced in different currencies as one order', async () => {
    await expect(
      quoteItems(catalogue([row('A', 1), row('E', 1, 'eur')]), [
        { sku: 'A', quantity: 1 },
        { sku: 'E', quantity: 1 },
      ]),
    ).rejects.toMatchObject({ code: 'MIXED_CURRENCIES', data: { currencies: ['usd', 'eur'] } });
  });
});

describe('listProducts', () => {
  it('passes the page bounds on and keeps only what a client needs', async () => {
    const query = catalogue([row('A', 9.99)]);
    expect(await listProducts(query, 20, 40)).toEqual({
      products: [{ sku: 'A', name: 'A', price: 9.99, currency: 'usd', available: 10 }],
      limit: 20,
      offset: 40,
      next_offset: null,
    });
    expect(query.asked).toEqual([{ op: 'stock.list', limit: 20, offset: 40 }]);
  });
});
