import type { Cache } from '@mesh/backends';
import type pg from 'pg';
import type { StockLevel, StorageOperation } from './operations.js';

type Restock = Extract<StorageOperation, { op: 'stock.restock' }>;

interface StockRow {
  sku: string;
  name: string;
  price: string;
  currency: string;
  available: string;
  reserved: string;
}

export function toStockLevel(row: StockRow): StockLevel {
  return {
    sku: row.sku,
    name: row.name,
    price: Number(row.price),
    currency: row.currency,
    available: Number(row.available),
    reserved: Number(row.reserved),
  };
}

/** Versioned: entries cached before levels carried a currency are never read back. */
export const stockCacheKey = (sku: string): string => `stock:v2:${sku}`;
export const STOCK_COLUMNS = 'sku, name, price, currency, available, reserved';

/**
 * Locks several SKUs' rows in sku order before a multi-row stock UPDATE, so concurrent multi-SKU reservations,
 * releases, commits and expiries can never deadlock each other. A single row needs no pre-lock (saving a round
 * trip on the hot path). FOR NO KEY UPDATE, like the UPDATE itself, does not block foreign-key checks of
 * concurrent reservation_items inserts.
 */
export async function lockStockRows(client: pg.PoolClient, skus: readonly string[]): Promise<void> {
  const sorted = [...new Set(skus)].sort();
  if (sorted.length < 2) return;
  await client.query('SELECT sku FROM stock WHERE sku = ANY($1::text[]) ORDER BY sku FOR NO KEY UPDATE', [
    sorted,
  ]);
}

/** Stock levels with a short read-through cache per SKU; every write path invalidates what it touched. */
export class StockStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly cache: Cache,
    private readonly ttlMs: number,
  ) {}

  async get(skus: readonly string[]): Promise<{ items: StockLevel[]; missing: string[] }> {
    const unique = [...new Set(skus)];
    const found = new Map<string, StockLevel>();
    const cached = await Promise.all(unique.map((sku) => this.cache.get<StockLevel>(stockCacheKey(sku))));
    const toLoad: string[] = [];
    unique.forEach((sku, index) => {
      const hit = cached[index];
      if (hit === undefined) toLoad.push(sku);
      else found.set(sku, hit);
    });
    if (toLoad.length > 0) {
      const result = await this.pool.query<StockRow>(
        `SELECT ${STOCK_COLUMNS} FROM stock WHERE sku = ANY($1::text[])`,
        [toLoad],
      );
      for (const row of result.rows) {
        const level = toStockLevel(row);
        found.set(level.sku, level);
        await this.cache.set(stockCacheKey(level.sku), level, this.ttlMs);
      }
    }
    const items: StockLevel[] = [];
    const missing: string[] = [];
    for (const sku of unique) {
      const level = found.get(sku);
      if (level === undefined) missing.push(sku);
      else items.push(level);
    }
    return { items, missing };
  }

  /**
   * One page of the catalogue in sku order, read from the table (not the cache: a listing is not on the order
   * path). `next_offset` is null on the last page.
   */
  async list(
    limit: number,
    offset: number,
  ): Promise<{ items: StockLevel[]; limit: number; offset: number; next_offset: number | null }> {
    // One row more than asked tells whether another page follows, without a count over the whole table.
    const result = await this.pool.query<StockRow>(
      `SELECT ${STOCK_COLUMNS} FROM stock ORDER BY sku LIMIT $1 OFFSET $2`,
      [limit + 1, offset],
    );
    const items = result.rows.slice(0, limit).map(toStockLevel);
    return { items, limit, offset, next_offset: result.rows.length > limit ? offset + limit : null };
  }

  /** Adds units to a SKU, creating it (named after itself, price 0 unless given) when new. */
  async restock(input: Restock): Promise<StockLevel> {
    const result = await this.pool.query<StockRow>(
      `INSERT INTO stock (sku, name, price, available) VALUES ($1, coalesce($3::text, $1), coalesce($4::numeric, 0), $2)
       ON CONFLICT (sku) DO UPDATE SET
         available = stock.available + EXCLUDED.available,
         name = coalesce($3::text, stock.name),
         price = coalesce($4::numeric, stock.price),
         updated_at = now()
       RETURNING ${STOCK_COLUMNS}`,
      [input.sku, input.quantity, input.name ?? null, input.price ?? null],
    );
    await this.invalidate([input.sku]);
    return toStockLevel(result.rows[0]!);
  }

  async invalidate(skus: readonly string[]): Promise<void> {
    if (skus.length > 0) await this.cache.delete(...skus.map(stockCacheKey));
  }
}
