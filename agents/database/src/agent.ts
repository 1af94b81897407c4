import { dataQuery, dataStorage } from '@mesh/contracts';
import { defineAgent } from '@mesh/runtime';
import type { DataService } from './data-service.js';

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

// One tool per contract; its input is the union of the contract's operations and each answer is that
// operation's output.
agent.tool({
  ...dataQuery,
  name: 'data_query',
  tags: ['database', 'postgres', 'read'],
  handler: (operation, ctx) => ctx.app.data.query(operation),
});

agent.tool({
  ...dataStorage,
  name: 'data_storage',
  tags: ['database', 'postgres', 'write'],
  handler: (operation, ctx) => ctx.app.data.store(operation),
});
