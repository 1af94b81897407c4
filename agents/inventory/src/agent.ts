import { defineAgent } from '@mesh/runtime';
import { singleReserve, type BatchedReserves } from './batched-reserves.js';
import { listProducts, quoteItems } from './catalogue.js';
import {
  checkStock,
  commitReservation,
  commitReservations,
  STORAGE_CALL_TIMEOUT_MS,
  releaseReservation,
  reserveItems,
  restock,
} from './inventory-service.js';
import {
  dataQuery,
  dataStorage,
  inventoryCheckStock,
  inventoryCommitReservation,
  inventoryCommitReservations,
  inventoryListProducts,
  inventoryQuote,
  inventoryReleaseReservation,
  inventoryReserveItems,
  inventoryRestock,
} from '@mesh/contracts';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface InventoryServices {
  /** Used when a reserve call gives no ttl_seconds. */
  reservationTtlSeconds: number;
  /** Coalesces concurrent reserves into one database call; undefined: each order reserves with its own. */
  reserves: BatchedReserves | undefined;
}

// Reads: the contract says they are idempotent, so transport failures are retried.
const query = { contract: dataQuery, timeoutMs: 2_000, retries: 2, required: true };
// Reserve (per order_id), release and commit are idempotent at the database, so transport retries are safe.
const storage = {
  contract: dataStorage,
  timeoutMs: STORAGE_CALL_TIMEOUT_MS,
  retries: 2,
  idempotent: true,
  required: true,
};
// Restock adds stock on every call (the contract is not idempotent): never retried.
const storageOnce = { contract: dataStorage, timeoutMs: STORAGE_CALL_TIMEOUT_MS, retries: 0, required: true };

/**
 * inventory-agent: stock checks and reservations for orders, through the database agent's typed operations.
 * Importing this module has no side effects.
 */
export const agent = defineAgent<InventoryServices>({
  name: 'inventory-agent',
  version: '1.0.0',
  description: 'Checks, reserves (atomic, expiring), releases, commits (one or many) and restocks inventory',
});

/** Used outside any tool call (services.ts): by the reservation sweeper, and for batched reserves. */
export const backgroundDeps = agent.consumer({ storage });

agent.tool({
  ...inventoryCheckStock,
  name: 'inventory_check_stock',
  tags: ['inventory'],
  dependencies: { query },
  handler: (input, ctx) => checkStock(ctx.deps.query, input.items),
});

agent.tool({
  ...inventoryQuote,
  name: 'inventory_quote',
  tags: ['inventory', 'catalogue'],
  dependencies: { query },
  handler: (input, ctx) => quoteItems(ctx.deps.query, input.items),
});

agent.tool({
  ...inventoryListProducts,
  name: 'inventory_list_products',
  tags: ['inventory', 'catalogue'],
  dependencies: { query },
  handler: (input, ctx) => listProducts(ctx.deps.query, input.limit, input.offset),
});

agent.tool({
  ...inventoryReserveItems,
  name: 'inventory_reserve_items',
  tags: ['inventory'],
  dependencies: { storage },
  handler: (input, ctx) =>
    reserveItems(
      ctx.app.reserves?.for({ trace: ctx.trace, deadline: ctx.deadline }) ?? singleReserve(ctx.deps.storage),
      input,
      ctx.app.reservationTtlSeconds,
    ),
});

agent.tool({
  ...inventoryReleaseReservation,
  name: 'inventory_release_reservation',
  tags: ['inventory'],
  dependencies: { storage },
  handler: (input, ctx) => releaseReservation(ctx.deps.storage, input.reservation_id),
});

agent.tool({
  ...inventoryCommitReservation,
  name: 'inventory_commit_reservation',
  tags: ['inventory'],
  dependencies: { storage },
  handler: (input, ctx) => commitReservation(ctx.deps.storage, input.reservation_id),
});

/** The order agent's concurrent commits in one call and one database transaction. */
agent.tool({
  ...inventoryCommitReservations,
  name: 'inventory_commit_reservations',
  tags: ['inventory'],
  dependencies: { storage },
  handler: (input, ctx) => commitReservations(ctx.deps.storage, input.reservation_ids),
});

agent.tool({
  ...inventoryRestock,
  name: 'inventory_restock',
  tags: ['inventory', 'admin'],
  dependencies: { storage: storageOnce },
  handler: (input, ctx) => restock(ctx.deps.storage, input.sku, input.quantity),
});
