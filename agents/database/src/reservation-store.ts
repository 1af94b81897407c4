import { randomUUID } from 'node:crypto';
import { MeshError } from '@mesh/common';
import { prepared } from '@mesh/backends';
import type pg from 'pg';
import type {
  LineItem,
  Reservation,
  ReservationStatus,
  ReservedPrice,
  StorageOperation,
} from './operations.js';
import { lockStockRows, type StockStore } from './stock-store.js';
import { retryIfRolledBack, sqlState, withTransaction } from './transaction.js';

/** One order's reservation as `stock.reserve` and each entry of `stock.reserve_many` ask it. */
type Reserve = Omit<Extract<StorageOperation, { op: 'stock.reserve' }>, 'op'>;

interface ReservationRow {
  id: string;
  order_id: string;
  status: ReservationStatus;
  expires_at: Date;
}

/** One order's answer from `reserveMany`: its reservation, or the error `reserve` would have thrown for it. */
export type ReserveManyResult =
  | { order_id: string; reservation: ReserveResult; error?: undefined }
  | { order_id: string; reservation?: undefined; error: MeshError };

/** One id's answer from `commitMany`: its status after the call, null when there is no such reservation. */
export interface CommitManyResult {
  reservation_id: string;
  status: ReservationStatus | null;
}

/**
 * A reservation as returned by `reserve`: `replayed` is true when the order already had one, `prices` are the
 * catalogue's for the reserved SKUs, read in the reservation's transaction.
 */
export type ReserveResult = Reservation & { replayed: boolean; prices: ReservedPrice[] };

/** Merges repeated SKUs and sorts by SKU (the lock order). */
export function mergeItems(items: readonly LineItem[]): LineItem[] {
  const totals = new Map<string, number>();
  for (const item of items) totals.set(item.sku, (totals.get(item.sku) ?? 0) + item.quantity);
  return [...totals].map(([sku, quantity]) => ({ sku, quantity })).sort((a, b) => (a.sku < b.sku ? -1 : 1));
}

/** reservation_items.sku references stock: an unknown SKU fails the insert. */
const FOREIGN_KEY_VIOLATION = '23503';
/** SQLSTATEs raised by the reservation functions (migration 003). */
const RESERVATION_ID_TAKEN = 'MS001';
const INSUFFICIENT_STOCK = 'MS002';
const RESERVATION_NOT_FOUND = 'MS003';
const RESERVATION_NOT_PENDING = 'MS004';

/** What mesh_reserve_stock and mesh_transition_reservation return (besides their flag). */
interface ReservationFunctionRow extends ReservationRow {
  skus: string[] | null;
  quantities: string[] | null;
}

/** What mesh_reserve_stock_priced returns: the reservation and the price of each of its SKUs (same order). */
interface PricedReservationRow extends ReservationFunctionRow {
  replayed: boolean;
  /** numeric arrives as text (exact); prices are whole cents. */
  prices: string[] | null;
  currencies: string[] | null;
}

/** What mesh_reserve_stock_many returns per order: a reservation, or the SQLSTATE the single call would raise. */
type BatchReservationRow = PricedReservationRow & { failure: string | null };

/**
 * The columns read from the reservation functions, named rather than `*`: the statements are prepared once per
 * connection, and a later migration that changed a function's columns would otherwise fail every call on an
 * open connection with "cached plan must not change result type".
 */
const FUNCTION_COLUMNS = 'id, order_id, status, expires_at, skus, quantities';
const PRICED_COLUMNS = `${FUNCTION_COLUMNS}, replayed, prices, currencies`;
const TRANSITION_COLUMNS = `${FUNCTION_COLUMNS}, changed`;
const BATCH_COLUMNS = `${PRICED_COLUMNS}, failure`;

function pricesOf(row: PricedReservationRow): ReservedPrice[] {
  const prices = row.prices ?? [];
  const currencies = row.currencies ?? [];
  return (row.skus ?? []).map((sku, index) => ({
    sku,
    price: Number(prices[index]),
    currency: currencies[index] ?? '',
  }));
}

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
    let row: PricedReservationRow;
    try {
      const result = await this.pool.query<PricedReservationRow>(
        prepared(
          `SELECT ${PRICED_COLUMNS} FROM mesh_reserve_stock_priced($1, $2, $3::text[], $4::bigint[], $5, $6)`,
          [
            reservationId,
            input.order_id,
            skus,
            items.map((item) => item.quantity),
            input.ttl_seconds,
            input.renew ?? false,
          ],
        ),
      );
      row = result.rows[0]!;
    } catch (error: unknown) {
      const refusal = await this.#refusal(sqlState(error), reservationId, items);
      throw refusal ?? error;
    }
    if (!row.replayed) await this.stock.invalidate(skus);
    return toReserveResult(row);
  }

  /**
   * Reserves for many orders in one transaction and one round trip (`mesh_reserve_stock_many`), each order
   * as `reserve` would on its own: all its items or none, idempotent per order id. An order that does not
   * fit, or whose reservation id another order holds, gets the error `reserve` would throw, and takes
   * nothing; the others hold their stock. Answers in the order asked.
   */
  async reserveMany(inputs: readonly Reserve[]): Promise<ReserveManyResult[]> {
    // New reservation rows are taken in order id order, so concurrent batches lock them in one order.
    const orders = inputs
      .map((input, index) => ({
        index,
        orderId: input.order_id,
        reservationId: input.reservation_id ?? `res-${randomUUID()}`,
        items: mergeItems(input.items),
        ttlSeconds: input.ttl_seconds,
        renew: input.renew ?? false,
      }))
      .sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : a.index - b.index));
    const items = orders.flatMap((order) => order.items);
    // One statement, so one transaction: a deadlock rolls the whole batch back, and it is run again.
    const result = await retryIfRolledBack(() =>
      this.pool.query<BatchReservationRow>(
        prepared(
          `SELECT ${BATCH_COLUMNS} FROM mesh_reserve_stock_many($1::text[], $2::text[], $3::integer[], $4::text[],
           $5::bigint[], $6::double precision[], $7::boolean[])`,
          [
            orders.map((order) => order.reservationId),
            orders.map((order) => order.orderId),
            orders.map((order) => order.items.length),
            items.map((item) => item.sku),
            items.map((item) => item.quantity),
            orders.map((order) => order.ttlSeconds),
            orders.map((order) => order.renew),
          ],
        ),
      ),
    );
    if (result.rows.length !== orders.length) {
      throw new Error(
        `mesh_reserve_stock_many answered ${result.rows.length} rows for ${orders.length} orders`,
      );
    }
    const answers: ReserveManyResult[] = new Array(orders.length);
    const taken = new Set<string>();
    for (const [position, order] of orders.entries()) {
      const row = result.rows[position]!;
      if (row.failure === null) {
        if (!row.replayed) for (const item of order.items) taken.add(item.sku);
        answers[order.index] = { order_id: order.orderId, reservation: toReserveResult(row) };
        continue;
      }
      const refusal = await this.#refusal(row.failure, order.reservationId, order.items);
      if (refusal === undefined) throw new Error(`mesh_reserve_stock_many failed with ${row.failure}`);
      answers[order.index] = { order_id: order.orderId, error: refusal };
    }
    if (taken.size > 0) await this.stock.invalidate([...taken]);
    return answers;
  }

  async release(reservationId: string): Promise<Reservation> {
    return this.#transition(reservationId, 'released');
  }

  async commit(reservationId: string): Promise<Reservation> {
    return this.#transition(reservationId, 'committed');
  }

  /**
   * Commits many reservations in one transaction and one round trip (the order agent's coalesced commits,
   * `mesh_commit_reservations`): one round of locks and stock updates instead of one transaction each. Per
   * distinct id, in first-seen order, its status after the call (`committed` now or already;
   * `released`/`expired` stay as they are), or null when not found. Locks reservations in id order, then stock rows in SKU order, like every other transition, so it cannot
   * deadlock with them.
   */
  async commitMany(reservationIds: readonly string[]): Promise<CommitManyResult[]> {
    const ids = [...new Set(reservationIds)];
    const result = await retryIfRolledBack(() =>
      this.pool.query<{ id: string; status: ReservationStatus; committed_skus: string[] }>(
        prepared('SELECT id, status, committed_skus FROM mesh_commit_reservations($1::text[])', [ids]),
      ),
    );
    const statuses = new Map(result.rows.map((row) => [row.id, row.status]));
    const committed = [...new Set(result.rows.flatMap((row) => row.committed_skus))];
    if (committed.length > 0) await this.stock.invalidate(committed);
    return ids.map((id) => ({ reservation_id: id, status: statuses.get(id) ?? null }));
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
    let row: ReservationFunctionRow & { changed: boolean };
    try {
      const result = await this.pool.query<ReservationFunctionRow & { changed: boolean }>(
        prepared(`SELECT ${TRANSITION_COLUMNS} FROM mesh_transition_reservation($1, $2)`, [
          reservationId,
          target,
        ]),
      );
      row = result.rows[0]!;
    } catch (error: unknown) {
      const code = sqlState(error);
      if (code === RESERVATION_NOT_FOUND) {
        throw new MeshError('NOT_FOUND', `reservation ${reservationId} not found`, {
          data: { reservation_id: reservationId },
        });
      }
      if (code === RESERVATION_NOT_PENDING) {
        const status = (error as { detail?: string }).detail ?? 'unknown';
        const verb = target === 'released' ? 'release' : 'commit';
        throw new MeshError('CONFLICT', `cannot ${verb} reservation ${reservationId}: it is ${status}`, {
          data: { reservation_id: reservationId, status },
        });
      }
      throw error;
    }
    if (row.changed) await this.stock.invalidate(row.skus ?? []);
    return fromFunctionRow(row);
  }

  async #items(client: pg.Pool | pg.PoolClient, reservationId: string): Promise<LineItem[]> {
    const result = await client.query<{ sku: string; quantity: number }>(
      'SELECT sku, quantity FROM reservation_items WHERE reservation_id = $1 ORDER BY sku',
      [reservationId],
    );
    return result.rows;
  }

  /** The domain error for a reservation function's SQLSTATE, or undefined when it is not a refusal. */
  async #refusal(
    code: string | undefined,
    reservationId: string,
    items: readonly LineItem[],
  ): Promise<MeshError | undefined> {
    if (code === INSUFFICIENT_STOCK || code === FOREIGN_KEY_VIOLATION) return this.#outOfStock(items);
    if (code === RESERVATION_ID_TAKEN) {
      return new MeshError('CONFLICT', `reservation id ${reservationId} is already used by another order`, {
        data: { reservation_id: reservationId },
      });
    }
    return undefined;
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

function toReserveResult(row: PricedReservationRow): ReserveResult {
  return { ...fromFunctionRow(row), replayed: row.replayed, prices: pricesOf(row) };
}

function fromFunctionRow(row: ReservationFunctionRow): Reservation {
  const skus = row.skus ?? [];
  const quantities = row.quantities ?? [];
  return toReservation(
    row,
    skus.map((sku, index) => ({ sku, quantity: Number(quantities[index]) })),
  );
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
