import { dataQuery, dataStorage } from '@mesh/contracts';
import type { QueryResult, Reservation } from '@mesh/contracts';

/**
 * The database agent's operations are its contracts' (`data_query` and `data_storage` in `@mesh/contracts`):
 * a discriminated union on `op`, each operation with its own input and output.
 */
export { lineItemSchema } from '@mesh/contracts';
export type {
  LineItem,
  QueryOperation,
  QueryResult,
  Reservation,
  ReservedPrice,
  StockLevel,
  StorageOperation,
  StorageResult,
} from '@mesh/contracts';

/** Read operations, the input of the `data_query` tool (typed: callers never send SQL). */
export const queryOperationSchema = dataQuery.input;
/** Write operations, the input of the `data_storage` tool. */
export const storageOperationSchema = dataStorage.input;

export type User = QueryResult<'user.get'>;
export type ReservationStatus = Reservation['status'];
