import type { Cache } from '@mesh/backends';
import { MeshError } from '@mesh/common';
import type pg from 'pg';
import type { QueryOperation, StorageOperation } from './operations.js';
import { ReservationStore } from './reservation-store.js';
import { StockStore } from './stock-store.js';
import { UserStore } from './user-store.js';

export interface DataServiceOptions {
  pool: pg.Pool;
  cache: Cache;
  /** How long `user.get` results stay cached (invalidated on write anyway). */
  userCacheTtlMs?: number;
  /** How long `stock.get` levels stay cached; keep short, since replicas without Redis do not share invalidations. */
  stockCacheTtlMs?: number;
}

/** The database agent's domain: typed operations over business_db, independent of the mesh. */
export interface DataService {
  query(operation: QueryOperation): Promise<Record<string, unknown>>;
  store(operation: StorageOperation): Promise<Record<string, unknown>>;
  readonly users: UserStore;
  readonly stock: StockStore;
  readonly reservations: ReservationStore;
}

/** Database failures surface as STORAGE_ERROR (never a client fault); domain errors pass through. */
async function guard<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error: unknown) {
    if (error instanceof MeshError) throw error;
    throw new MeshError('STORAGE_ERROR', 'business database operation failed', { cause: error });
  }
}

export function createDataService(options: DataServiceOptions): DataService {
  const users = new UserStore(options.pool, options.cache, options.userCacheTtlMs ?? 60_000);
  const stock = new StockStore(options.pool, options.cache, options.stockCacheTtlMs ?? 5_000);
  const reservations = new ReservationStore(options.pool, stock);

  const query = (operation: QueryOperation): Promise<Record<string, unknown>> =>
    guard(async () => {
      switch (operation.op) {
        case 'user.get':
          return { ...(await users.get(operation.user_id)) };
        case 'user.list':
          return { ...(await users.list(operation.limit, operation.offset)) };
        case 'stock.get':
          return { ...(await stock.get(operation.skus)) };
        case 'stock.list':
          return { ...(await stock.list(operation.limit, operation.offset)) };
      }
    });

  const store = (operation: StorageOperation): Promise<Record<string, unknown>> =>
    guard(async () => {
      switch (operation.op) {
        case 'user.create':
          return { ...(await users.create(operation)) };
        case 'user.update':
          return { ...(await users.update(operation)) };
        case 'stock.reserve':
          return { ...(await reservations.reserve(operation)) };
        case 'stock.release':
          return { ...(await reservations.release(operation.reservation_id)) };
        case 'stock.commit':
          return { ...(await reservations.commit(operation.reservation_id)) };
        case 'stock.restock':
          return { ...(await stock.restock(operation)) };
        case 'stock.expire_reservations':
          return { ...(await reservations.expireDue(operation.limit)) };
      }
    });

  return { query, store, users, stock, reservations };
}
