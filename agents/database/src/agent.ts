import { defineAgent } from '@mesh/runtime';
import type { DataService } from './data-service.js';
import { queryOperationSchema, storageOperationSchema } from './operations.js';

/** What services.ts builds and handlers receive as `ctx.app`. */
export interface DatabaseServices {
  data: DataService;
}

/**
 * database-agent: the only owner of business_db. Callers send typed operations (a discriminated union on
 * `op`), never SQL. Importing this module has no side effects.
 */
export const agent = defineAgent<DatabaseServices>({
  name: 'database-agent',
  version: '1.0.0',
  description: 'Owns business_db: users, stock and reservations as typed, atomic operations',
});

agent.tool({
  name: 'data_query',
  capability: 'data_query',
  version: '1.0.0',
  tags: ['database', 'postgres', 'read'],
  description:
    'Reads business data. Ops: user.get {user_id}, user.list {limit, offset}, stock.get {skus} (price, currency, stock; ' +
    'unknown skus in `missing`), stock.list {limit, offset} (the catalogue in sku order). NOT_FOUND when missing.',
  // MCP wants an object schema: the union's JSON schema gets `type: object` next to its `oneOf`.
  input: queryOperationSchema.meta({ type: 'object' }),
  idempotent: true,
  handler: (operation, ctx) => ctx.app.data.query(operation),
});

agent.tool({
  name: 'data_storage',
  capability: 'data_storage',
  version: '1.0.0',
  tags: ['database', 'postgres', 'write'],
  description:
    'Writes business data. Ops: user.create, user.update, stock.reserve {reservation_id?, order_id, items, ' +
    'ttl_seconds} (atomic, all-or-nothing, idempotent per order_id; OUT_OF_STOCK), stock.release, stock.commit ' +
    '{reservation_id} (CONFLICT on an invalid transition), stock.restock {sku, quantity}, stock.expire_reservations.',
  input: storageOperationSchema.meta({ type: 'object' }),
  handler: (operation, ctx) => ctx.app.data.store(operation),
});
