import { defineAgent } from '@mesh/runtime';
import { listProducts, quoteItems } from './catalogue.js';
import {
  checkStock,
  commitReservation,
  releaseReservation,
  reserveItems,
  restock,
} from './inventory-service.js';
import {
  checkStockInput,
  checkStockOutput,
  listProductsInput,
  listProductsOutput,
  quoteInput,
  quoteOutput,
  reservationOutput,
  reservationRefInput,
  reserveInput,
  restockInput,
  restockOutput,
  transitionOutput,
} from './schemas.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface InventoryServices {
  /** Used when a reserve call gives no ttl_seconds. */
  reservationTtlSeconds: number;
}

const query = {
  capability: 'data_query',
  version: '>=1.0.0',
  timeoutMs: 2_000,
  retries: 2,
  idempotent: true,
  required: true,
};
// Reserve (per order_id), release and commit are idempotent at the database, so transport retries are safe.
const storage = {
  capability: 'data_storage',
  version: '>=1.0.0',
  timeoutMs: 3_000,
  retries: 2,
  idempotent: true,
  required: true,
};
// Restock adds stock on every call: never retried.
const storageOnce = {
  capability: 'data_storage',
  version: '>=1.0.0',
  timeoutMs: 3_000,
  retries: 0,
  required: true,
};

/**
 * inventory-agent: stock checks and reservations for orders, through the database agent's typed operations.
 * Importing this module has no side effects.
 */
export const agent = defineAgent<InventoryServices>({
  name: 'inventory-agent',
  version: '1.0.0',
  description: 'Checks, reserves (atomic, expiring), releases, commits and restocks inventory',
});

/** Used by the reservation sweeper (services.ts), outside any tool call. */
export const sweeperDeps = agent.consumer({ storage });

agent.tool({
  name: 'inventory_check_stock',
  capability: 'inventory_check_stock',
  version: '1.0.0',
  tags: ['inventory'],
  description: 'Whether every item is in stock now (advisory: reserve is the atomic step).',
  input: checkStockInput,
  output: checkStockOutput,
  idempotent: true,
  dependencies: { query },
  handler: (input, ctx) => checkStock(ctx.deps.query, input.items),
});

agent.tool({
  name: 'inventory_quote',
  capability: 'inventory_quote',
  version: '1.0.0',
  tags: ['inventory', 'catalogue'],
  description:
    'What items cost at catalogue prices: {currency, total, total_cents, lines}. UNKNOWN_SKU with data.skus; ' +
    'MIXED_CURRENCIES when the SKUs are priced in different currencies.',
  input: quoteInput,
  output: quoteOutput,
  idempotent: true,
  dependencies: { query },
  handler: (input, ctx) => quoteItems(ctx.deps.query, input.items),
});

agent.tool({
  name: 'inventory_list_products',
  capability: 'inventory_list_products',
  version: '1.0.0',
  tags: ['inventory', 'catalogue'],
  description:
    'One page of the catalogue in sku order: {products:[{sku, name, price, currency, available}], next_offset}.',
  input: listProductsInput,
  output: listProductsOutput,
  idempotent: true,
  dependencies: { query },
  handler: (input, ctx) => listProducts(ctx.deps.query, input.limit, input.offset),
});

agent.tool({
  name: 'inventory_reserve_items',
  capability: 'inventory_reserve_items',
  version: '1.0.0',
  tags: ['inventory'],
  description:
    'Reserves all items or none for an order; idempotent per order_id; the reservation expires after ttl_seconds ' +
    'unless committed. OUT_OF_STOCK with data.sku, requested, available.',
  input: reserveInput,
  output: reservationOutput,
  idempotent: true,
  dependencies: { storage },
  handler: (input, ctx) => reserveItems(ctx.deps.storage, input, ctx.app.reservationTtlSeconds),
});

agent.tool({
  name: 'inventory_release_reservation',
  capability: 'inventory_release_reservation',
  version: '1.0.0',
  tags: ['inventory'],
  description: 'Returns a reservation to stock; repeating it is a no-op; CONFLICT once committed.',
  input: reservationRefInput,
  output: transitionOutput,
  idempotent: true,
  dependencies: { storage },
  handler: (input, ctx) => releaseReservation(ctx.deps.storage, input.reservation_id),
});

agent.tool({
  name: 'inventory_commit_reservation',
  capability: 'inventory_commit_reservation',
  version: '1.0.0',
  tags: ['inventory'],
  description:
    'Makes a reservation final (stock is sold); repeating it is a no-op; CONFLICT once released or expired.',
  input: reservationRefInput,
  output: transitionOutput,
  idempotent: true,
  dependencies: { storage },
  handler: (input, ctx) => commitReservation(ctx.deps.storage, input.reservation_id),
});

agent.tool({
  name: 'inventory_restock',
  capability: 'inventory_restock',
  version: '1.0.0',
  tags: ['inventory', 'admin'],
  description: 'Adds units to a SKU (creating it when new).',
  input: restockInput,
  output: restockOutput,
  dependencies: { storage: storageOnce },
  handler: (input, ctx) => restock(ctx.deps.storage, input.sku, input.quantity),
});
