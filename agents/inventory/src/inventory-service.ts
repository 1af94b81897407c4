import { randomUUID } from 'node:crypto';
import { isMeshError, MeshError, type TraceContext } from '@mesh/common';
import { dataQuery, dataStorage } from '@mesh/contracts';
import type { OperationCaller } from '@mesh/contracts';
import type { ReserveCall, Reserved } from './batched-reserves.js';
import { priceItems, type CataloguePrice } from './catalogue.js';
import type {
  CheckStockResult,
  CommitManyResult,
  Item,
  Quote,
  ReservationResult,
  ReserveInput,
  RestockResult,
  TransitionResult,
} from './schemas.js';

/** How long one write (`data_storage` call) to the database agent may take; agent.ts declares it. */
export const STORAGE_CALL_TIMEOUT_MS = 3_000;

/** Per-call options the inventory logic passes to the database agent. */
interface DataCallOptions {
  idempotencyKey?: string;
  /** Calls made outside a tool call (a batch of several callers') set their own bound and parent span. */
  timeoutMs?: number;
  trace?: TraceContext;
}

/** The database agent's reads, as the inventory logic calls them (a `dataQuery` contract proxy fits). */
export type QueryCaller = OperationCaller<(typeof dataQuery)['operations'], DataCallOptions>;
/** The database agent's writes, as the inventory logic calls them (a `dataStorage` contract proxy fits). */
export type StorageCaller = OperationCaller<(typeof dataStorage)['operations'], DataCallOptions>;

/** Sums repeated SKUs so a check answers for the order's total per SKU. */
function totals(items: readonly Item[]): Map<string, number> {
  const bySku = new Map<string, number>();
  for (const item of items) bySku.set(item.sku, (bySku.get(item.sku) ?? 0) + item.quantity);
  return bySku;
}

/** Advisory: a concurrent order may take the stock before this caller reserves (reserve is the atomic step). */
export async function checkStock(query: QueryCaller, items: readonly Item[]): Promise<CheckStockResult> {
  const requested = totals(items);
  const result = await dataQuery.run(query, { op: 'stock.get', skus: [...requested.keys()] });
  const levels = new Map(result.items.map((level) => [level.sku, level.available]));
  const lines = [...requested].map(([sku, quantity]) => ({
    sku,
    requested: quantity,
    available: levels.get(sku) ?? 0,
  }));
  return { available: lines.every((line) => line.available >= line.requested), items: lines };
}

/**
 * Reserves every item or none, and says what they cost. The order id makes it idempotent end to end: a retried
 * call (even with a new reservation id) gets the order's first reservation back; `renew` holds the stock again
 * when that reservation was released or expired. The prices come from the database's reservation statement, so
 * the price and the stock are one snapshot and the order agent needs no `inventory_quote` call. `reserve` takes
 * it to the database agent: a call of its own (`singleReserve`) or a share of a batch (`BatchedReserves`).
 */
export async function reserveItems(
  reserve: ReserveCall,
  input: ReserveInput,
  defaultTtlSeconds: number,
): Promise<ReservationResult> {
  let reservation: Reserved;
  try {
    reservation = await reserve({
      reservation_id: `res-${randomUUID()}`,
      order_id: input.order_id,
      items: input.items,
      ttl_seconds: input.ttl_seconds ?? defaultTtlSeconds,
      renew: input.renew ?? false,
    });
  } catch (error: unknown) {
    if (isMeshError(error, 'OUT_OF_STOCK')) throw outOfStock(input.order_id, error);
    throw error;
  }
  const { prices, ...held } = reservation;
  const quote = prices === undefined ? undefined : quoteOrNone(held.items, prices);
  return quote === undefined ? held : { ...held, quote };
}

/** The reservation's quote, or none when its prices cannot make one charge (the order agent asks why). */
function quoteOrNone(items: readonly Item[], prices: readonly CataloguePrice[]): Quote | undefined {
  try {
    return priceItems(items, prices);
  } catch (error: unknown) {
    if (isMeshError(error, 'MIXED_CURRENCIES') || isMeshError(error, 'UNKNOWN_SKU')) return undefined;
    throw error;
  }
}

/** A SKU the catalogue lacks is UNKNOWN_SKU (as a quote says), not a shortage; otherwise what is short. */
function outOfStock(orderId: string, error: MeshError): MeshError {
  const data = error.data ?? {};
  const unknown = Array.isArray(data['unknown_skus']) ? (data['unknown_skus'] as string[]) : [];
  if (unknown.length > 0) {
    return new MeshError(
      'UNKNOWN_SKU',
      `unknown SKU${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`,
      {
        data: { order_id: orderId, skus: unknown },
      },
    );
  }
  return new MeshError('OUT_OF_STOCK', error.message, {
    data: {
      order_id: orderId,
      sku: data['sku'],
      requested: data['requested'],
      available: data['available'],
      items: data['items'],
    },
  });
}

export async function releaseReservation(
  storage: StorageCaller,
  reservationId: string,
): Promise<TransitionResult> {
  const result = await dataStorage.run(
    storage,
    { op: 'stock.release', reservation_id: reservationId },
    { idempotencyKey: `release:${reservationId}` },
  );
  return { reservation_id: result.reservation_id, status: result.status };
}

export async function commitReservation(
  storage: StorageCaller,
  reservationId: string,
): Promise<TransitionResult> {
  const result = await dataStorage.run(
    storage,
    { op: 'stock.commit', reservation_id: reservationId },
    { idempotencyKey: `commit:${reservationId}` },
  );
  return { reservation_id: result.reservation_id, status: result.status };
}

/**
 * Commits many reservations in one database transaction and answers each id as the single commit would:
 * committed (now or before), CONFLICT (released or expired) or NOT_FOUND, in input order (repeated ids too).
 */
export async function commitReservations(
  storage: StorageCaller,
  reservationIds: readonly string[],
): Promise<CommitManyResult> {
  const reply = await dataStorage.run(storage, {
    op: 'stock.commit_many',
    reservation_ids: [...reservationIds],
  });
  const statuses = new Map(reply.results.map((result) => [result.reservation_id, result.status]));
  return {
    results: reservationIds.map((id) => {
      const status = statuses.get(id) ?? null;
      if (status === null) {
        return { reservation_id: id, error: { code: 'NOT_FOUND', message: `reservation ${id} not found` } };
      }
      if (status !== 'committed') {
        return {
          reservation_id: id,
          status,
          error: { code: 'CONFLICT', message: `cannot commit reservation ${id}: it is ${status}` },
        };
      }
      return { reservation_id: id, status };
    }),
  };
}

/** Not idempotent (each call adds stock): never retried on transport failures. */
export async function restock(storage: StorageCaller, sku: string, quantity: number): Promise<RestockResult> {
  const result = await dataStorage.run(storage, { op: 'stock.restock', sku, quantity });
  return { sku: result.sku, available: result.available };
}
