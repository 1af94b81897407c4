import type pg from 'pg';
import { z } from 'zod';
import type { OrderRecord } from './train.js';

/**
 * Completed orders as the order agent keeps them (its `orders` table in business_db: `user_id`, `items` as
 * JSON `[{sku, quantity}]`, `state`, `created_at`). Read-only; the order agent owns the table.
 */

const items = z.array(z.object({ sku: z.string().min(1).max(100), quantity: z.number().int().positive() }));

/** A table the order agent has not created yet is an empty history, not an error. */
function isMissingTable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === '42P01';
}

/**
 * The most recent `maxOrders` completed orders, oldest first, read in pages of `pageSize` (keyset on
 * created_at, order_id) so memory holds one page of rows at a time besides what the caller keeps.
 */
export async function* completedOrders(
  pool: pg.Pool,
  options: { maxOrders: number; pageSize?: number },
): AsyncGenerator<OrderRecord> {
  const pageSize = options.pageSize ?? 5_000;
  let start: { created_at: Date; order_id: string } | undefined;
  try {
    const first = await pool.query<{ created_at: Date; order_id: string }>(
      `SELECT created_at, order_id FROM orders WHERE state = 'completed'
       ORDER BY created_at DESC, order_id DESC OFFSET $1 LIMIT 1`,
      [Math.max(0, options.maxOrders - 1)],
    );
    start = first.rows[0];
  } catch (e: unknown) {
    if (isMissingTable(e)) return;
    throw e;
  }
  // With fewer than maxOrders orders there is no bound: start at the beginning.
  let after: { created_at: Date; order_id: string } | undefined;
  let inclusive = start !== undefined;
  let cursor = start;
  for (let read = 0; read < options.maxOrders;) {
    const result = await pool.query<{ user_id: string; items: unknown; created_at: Date; order_id: string }>(
      cursor === undefined
        ? `SELECT user_id, items, created_at, order_id FROM orders WHERE state = 'completed'
           ORDER BY created_at, order_id LIMIT $1`
        : `SELECT user_id, items, created_at, order_id FROM orders WHERE state = 'completed'
           AND (created_at, order_id) ${inclusive ? '>=' : '>'} ($2, $3)
           ORDER BY created_at, order_id LIMIT $1`,
      cursor === undefined ? [pageSize] : [pageSize, cursor.created_at, cursor.order_id],
    );
    for (const row of result.rows) {
      const parsed = items.safeParse(row.items);
      // A row the order agent would never write is skipped rather than failing the whole training.
      if (parsed.success) yield { user_id: row.user_id, items: parsed.data };
      read += 1;
      after = { created_at: row.created_at, order_id: row.order_id };
    }
    if (result.rows.length < pageSize) return;
    cursor = after;
    inclusive = false;
  }
}

/** Units sold per SKU over the most recent `window` completed orders, most first (the no-model fallback). */
export async function bestSellers(
  pool: pg.Pool,
  options: { limit: number; window: number },
): Promise<{ sku: string; units: number }[]> {
  try {
    const result = await pool.query<{ sku: string; units: string }>(
      `SELECT item->>'sku' AS sku, sum((item->>'quantity')::bigint) AS units
       FROM (SELECT items FROM orders WHERE state = 'completed' ORDER BY created_at DESC LIMIT $2) recent,
            jsonb_array_elements(recent.items) AS item
       WHERE jsonb_typeof(item->'quantity') = 'number'
       GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $1`,
      [options.limit, options.window],
    );
    return result.rows.map((row) => ({ sku: row.sku, units: Number(row.units) }));
  } catch (e: unknown) {
    if (isMissingTable(e)) return [];
    throw e;
  }
}
