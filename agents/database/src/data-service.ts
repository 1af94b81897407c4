import type { Cache } from '@mesh/backends';
import { MeshError } from '@mesh/common';
import type pg from 'pg';
import type { QueryOperation, QueryResult, StorageOperation, StorageResult } from './operations.js';
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
  /** Answers each read with that operation's output (the `data_query` contract). */
  query<O extends QueryOperation>(operation: O): Promise<QueryResult<O['op']>>;
  /** Answers each write with that operation's output (the `data_storage` contract). */
  store<O extends StorageOperation>(operation: O): Promise<StorageResult<O['op']>>;
  readonly users: UserStore;
  readonly stock: StockStore;
  readonly reservations: ReservationStore;
}

type QueryOp = QueryOperation['op'];
type StorageOp = StorageOperation['op'];
type Readers = {
  [K in QueryOp]: (operation: Extract<QueryOperation, { op: K }>) => Promise<QueryResult<K>>;
};
type Writers = {
  [K in StorageOp]: (operation: Extract<StorageOperation, { op: K }>) => Promise<StorageResult<K>>;
};

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

  // One implementation per operation, each checked against that operation's output in the contract.
  const readers: Readers = {
    'user.get': (operation) => users.get(operation.user_id),
    'user.list': (operation) => users.list(operation.limit, operation.offset),
    'stock.get': (operation) => stock.get(operation.skus),
    'stock.list': (operation) => stock.list(operation.limit, operation.offset),
  };
  const writers: Writers = {
    'user.create': (operation) => users.create(operation),
    'user.update': (operation) => users.update(operation),
    'stock.reserve': (operation) => reservations.reserve(operation),
    'stock.reserve_many': async (operation) => ({
      results: (await reservations.reserveMany(operation.reservations)).map((result) =>
        result.error === undefined
          ? { order_id: result.order_id, reservation: result.reservation }
          : { order_id: result.order_id, error: result.error.toJSON() },
      ),
    }),
    'stock.release': (operation) => reservations.release(operation.reservation_id),
    'stock.commit': (operation) => reservations.commit(operation.reservation_id),
    'stock.commit_many': async (operation) => ({
      results: await reservations.commitMany(operation.reservation_ids),
    }),
    'stock.restock': (operation) => stock.restock(operation),
    'stock.expire_reservations': (operation) => reservations.expireDue(operation.limit),
  };

  // TypeScript cannot relate `readers[operation.op]` to `operation` itself (a correlated union), hence the cast;
  // the maps above are what is checked.
  const query = <O extends QueryOperation>(operation: O): Promise<QueryResult<O['op']>> =>
    guard(() =>
      (readers[operation.op] as unknown as (operation: O) => Promise<QueryResult<O['op']>>)(operation),
    );
  const store = <O extends StorageOperation>(operation: O): Promise<StorageResult<O['op']>> =>
    guard(() =>
      (writers[operation.op] as unknown as (operation: O) => Promise<StorageResult<O['op']>>)(operation),
    );

  return { query, store, users, stock, reservations };
}
