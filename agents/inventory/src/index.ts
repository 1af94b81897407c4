/** Public API of @mesh/agent-inventory: the agent declaration and its domain logic. */
export { agent, backgroundDeps } from './agent.js';
export type { InventoryServices } from './agent.js';
export { loadConfig } from './config.js';
export type { InventoryAgentConfig } from './config.js';
export {
  checkStock,
  reserveItems,
  releaseReservation,
  commitReservation,
  restock,
} from './inventory-service.js';
export type { QueryCaller, StorageCaller } from './inventory-service.js';
export { listProducts, quoteItems } from './catalogue.js';
export { BatchedReserves, singleReserve } from './batched-reserves.js';
export type { ReserveBatchSettings, ReserveCall, ReserveCaller, ReserveRequest } from './batched-reserves.js';
export { startReservationSweeper } from './reservation-sweeper.js';
export type { Sweeper, SweeperOptions } from './reservation-sweeper.js';
export {
  itemSchema,
  checkStockInput,
  reserveInput,
  reservationOutput,
  transitionOutput,
  restockInput,
  quoteInput,
  quoteOutput,
  listProductsInput,
  listProductsOutput,
} from './schemas.js';
export type {
  Item,
  CheckStockResult,
  ReservationResult,
  TransitionResult,
  RestockResult,
  Quote,
  Product,
  ListProductsResult,
} from './schemas.js';
