import { randomUUID } from 'node:crypto';
import { MeshError } from '@mesh/common';
import type pg from 'pg';
import type { LineItem, Reservation, ReservationStatus, StorageOperation } from './operations.js';
import { lockStockRows, type StockStore } from './stock-store.js';
import { withTransaction } from './transaction.js';

type Reserve = Extract<StorageOperation, { op: 'stock.reserve' }>;

interface ReservationRow {
  id: string;
  order_id: string;
  status: ReservationStatus;
  expires_at: Date;
}

/** A reservation as returned by `reserve`: `replayed` is true when the order already had one. */
export type ReserveResult = Reservation & { replayed: boolean };

/** Merges repeated SKUs and sorts by SKU (the lock order). */
export function mergeItems(items: readonly LineItem[]): LineItem[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : 1));
}

class InsufficientStock extends Error {}

/** reservation_items.sku references stock: an unknown SKU fails the insert. */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Reservations: stock moves `available → reserved` on reserve (all items or none, never below zero, one
 * reservation per order), `reserved → available` on release or expiry, and `reserved → sold` on commit.
 * State machine: reserved → committed | released | expired; every other transition is refused (CONFLICT),
 * repeating the same transition is a no-op.
 */
export class ReservationStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly stock: StockStore,
  ) {}

  async reserve(input: Reserve): Promise<ReserveResult> {
    const items = mergeItems(input.items);
    const skus = items.map((item) => item.sku);
    const reservationId = input.reservation_id ?? `res-${randomUUID()}`;
    let created: ReservationRow | undefined;
    try {
      created = await withTransaction(this.pool, async (client) => {
        const inserted = await client.query<ReservationRow>(
          `INSERT INTO reservations (id, order_id, status, expires_at)
           VALUES ($1, $2, 'reserved', now() + make_interval(secs => $3))
           ON CONFLICT DO NOTHING
           RETURNING id, order_id, status, expires_at`,
          [reservationId, input.order_id, input.ttl_seconds],
        );
        const row = inserted.rows[0];
        if (row === undefined) return undefined;
        // Everything that takes no stock row lock comes first, so the hot rows stay locked only for the
        // conditional UPDATE and the COMMIT.
        await client.query(
          `INSERT INTO reservation_items (reservation_id, sku, quantity)
           SELECT $1, sku, quantity FROM unnest($2::text[], $3::int[]) AS r(sku, quantity)`,
          [row.id, skus, items.map((item) => item.quantity)],
        );
        await lockStockRows(client, skus);
        const updated = await client.query(
          `UPDATE stock s SET available = s.available - r.quantity, reserved = s.reserved + r.quantity,
                              updated_at = now()
           FROM unnest($1::text[], $2::bigint[]) AS r(sku, quantity)
           WHERE s.sku = r.sku AND s.available >= r.quantity`,
          [skus, items.map((item) => item.quantity)],
        );
        if (updated.rowCount !== items.length) throw new InsufficientStock();
        return row;
      });
    } catch (error: unknown) {
      const unknownSku = (error as { code?: string }).code === FOREIGN_KEY_VIOLATION;
      if (error instanceof InsufficientStock || unknownSku) throw await this.#outOfStock(items);
      throw error;
    }
    if (created === undefined) return this.#existing(input.order_id, reservationId);
    await this.stock.invalidate(skus);
    return { ...toReservation(created, items), replayed: false };
  }

  async release(reservationId: string): Promise<Reservation> {
    return this.#transition(reservationId, 'released');
  }

  async commit(reservationId: string): Promise<Reservation> {
    return this.#transition(reservationId, 'committed');
  }

  async get(reservationId: string): Promise<Reservation | undefined> {
    const result = await this.pool.query<ReservationRow>(
      'SELECT id, order_id, status, expires_at FROM reservations WHERE id = $1',
      [reservationId],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : toReservation(row, await this.#items(this.pool, row.id));
  }

  /** Expires due reservations (their stock returns to `available`); safe to run from several replicas at once. */
  async expireDue(limit: number): Promise<{ expired: number; reservation_ids: string[] }> {
    const outcome = await withTransaction(this.pool, async (client) => {
      const due = await client.query<{ id: string }>(
        `WITH due AS (
           SELECT id FROM reservations WHERE status = 'reserved' AND expires_at <= now()
           ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
         UPDATE reservations r SET status = 'expired', updated_at = now() FROM due WHERE r.id = due.id
         RETURNING r.id`,
        [limit],
      );
      const ids = due.rows.map((row) => row.id);
      if (ids.length === 0) return { ids, skus: [] as string[] };
      const totals = await client.query<{ sku: string; quantity: string }>(
        `SELECT sku, sum(quantity) AS quantity FROM reservation_items
         WHERE reservation_id = ANY($1::text[]) GROUP BY sku ORDER BY sku`,
        [ids],
      );
      const skus = totals.rows.map((row) => row.sku);
      await lockStockRows(client, skus);
      await client.query(
        `UPDATE stock s SET available = s.available + r.quantity, reserved = s.reserved - r.quantity,
                            updated_at = now()
         FROM unnest($1::text[], $2::bigint[]) AS r(sku, quantity) WHERE s.sku = r.sku`,
        [skus, totals.rows.map((row) => row.quantity)],
      );
      return { ids, skus };
    });
    await this.stock.invalidate(outcome.skus);
    return { expired: outcome.ids.length, reservation_ids: outcome.ids };
  }

  async #transition(reservationId: string, target: 'released' | 'committed'): Promise<Reservation> {
    const outcome = await withTransaction(this.pool, async (client) => {
      const result = await client.query<ReservationRow>(
        'SELECT id, order_id, status, expires_at FROM reservations WHERE id = $1 FOR UPDATE',
        [reservationId],
      );
      const row = result.rows[0];
      if (row === undefined) {
        throw new MeshError('NOT_FOUND', `reservation ${reservationId} not found`, {
          data: { reservation_id: reservationId },
        });
      }
      const items = await this.#items(client, row.id);
      // Repeating a transition is a no-op; releasing an expired reservation is too (its stock is back).
      if (row.status === target || (target === 'released' && row.status === 'expired')) {
        return { row, items, changed: false };
      }
      if (row.status !== 'reserved') {
        const verb = target === 'released' ? 'release' : 'commit';
        throw new MeshError('CONFLICT', `cannot ${verb} reservation ${reservationId}: it is ${row.status}`, {
          data: { reservation_id: reservationId, status: row.status },
        });
      }
      // Status first: stock rows stay locked only for their UPDATE and the COMMIT.
      await client.query('UPDATE reservations SET status = $2, updated_at = now() WHERE id = $1', [
        row.id,
        target,
      ]);
      const skus = items.map((item) => item.sku);
      await lockStockRows(client, skus);
      await client.query(
        target === 'released'
          ? `UPDATE stock s SET available = s.available + r.quantity, reserved = s.reserved - r.quantity,
                                updated_at = now()
             FROM unnest($1::text[], $2::bigint[]) AS r(sku, quantity) WHERE s.sku = r.sku`
          : `UPDATE stock s SET reserved = s.reserved - r.quantity, sold = s.sold + r.quantity, updated_at = now()
             FROM unnest($1::text[], $2::bigint[]) AS r(sku, quantity) WHERE s.sku = r.sku`,
        [skus, items.map((item) => item.quantity)],
      );
      return { row: { ...row, status: target }, items, changed: true };
    });
    if (outcome.changed) await this.stock.invalidate(outcome.items.map((item) => item.sku));
    return toReservation(outcome.row, outcome.items);
  }

  async #existing(orderId: string, reservationId: string): Promise<ReserveResult> {
    const result = await this.pool.query<ReservationRow>(
      'SELECT id, order_id, status, expires_at FROM reservations WHERE order_id = $1',
      [orderId],
    );
    const row = result.rows[0];
    if (row === undefined) {
      throw new MeshError('CONFLICT', `reservation id ${reservationId} is already used by another order`, {
        data: { reservation_id: reservationId },
      });
    }
    return { ...toReservation(row, await this.#items(this.pool, row.id)), replayed: true };
  }

  async #items(client: pg.Pool | pg.PoolClient, reservationId: string): Promise<LineItem[]> {
    const result = await client.query<{ sku: string; quantity: number }>(
      'SELECT sku, quantity FROM reservation_items WHERE reservation_id = $1 ORDER BY sku',
      [reservationId],
    );
    return result.rows;
  }

  async #outOfStock(items: readonly LineItem[]): Promise<MeshError> {
    const result = await this.pool.query<{ sku: string; available: string }>(
      'SELECT sku, available FROM stock WHERE sku = ANY($1::text[])',
      [items.map((item) => item.sku)],
    );
    const available = new Map(result.rows.map((row) => [row.sku, Number(row.available)]));
    const short = items
      .map((item) => ({ sku: item.sku, requested: item.quantity, available: available.get(item.sku) ?? 0 }))
      .filter((item) => item.available < item.requested);
    // Stock may have come back between the failed attempt and this read: still report the first item.
    const first = short[0] ?? { sku: items[0]!.sku, requested: items[0]!.quantity, available: 0 };
    const unknown = items.filter((item) => !available.has(item.sku)).map((item) => item.sku);
    return new MeshError('OUT_OF_STOCK', `not enough stock for ${first.sku}`, {
      data: { ...first, items: short.length > 0 ? short : [first], unknown_skus: unknown },
    });
  }
}

function toReservation(row: ReservationRow, items: LineItem[]): Reservation {
  return {
    reservation_id: row.id,
    order_id: row.order_id,
    status: row.status,
    expires_at: new Date(row.expires_at).toISOString(),
    items,
  };
}
