/** Public API of @mesh/agent-database: the agent declaration and its domain (for tests and tooling). */
export { agent } from './agent.js';
export type { DatabaseServices } from './agent.js';
export { loadConfig } from './config.js';
export type { DatabaseAgentConfig } from './config.js';
export { createDataService } from './data-service.js';
export type { DataService, DataServiceOptions } from './data-service.js';
export { prepareBusinessDatabase } from './database.js';
export { seedDemoData, DEMO_SKUS, DEMO_USERS, DEMO_STOCK_PER_SKU, demoPrice } from './demo-data.js';
export { BUSINESS_DB_MIGRATIONS } from './schema.js';
export { queryOperationSchema, storageOperationSchema, lineItemSchema } from './operations.js';
export type {
  QueryOperation,
  StorageOperation,
  LineItem,
  User,
  StockLevel,
  Reservation,
  ReservationStatus,
} from './operations.js';
