/** Public API of @mesh/agent-analytics: the agent declaration and its domain pieces. */
export { agent } from './agent.js';
export type { AnalyticsServices } from './agent.js';
export { loadConfig } from './config.js';
export type { AnalyticsAgentConfig } from './config.js';
export { AnalyticsService } from './analytics-service.js';
export type { AnalyticsReport } from './analytics-service.js';
export { EventBatcher } from './event-batcher.js';
export { MemoryOrderEventStore } from './event-store.js';
export type { OrderEventStore } from './event-store.js';
export { PgOrderEventStore, ANALYTICS_MIGRATIONS } from './pg-event-store.js';
export { classify, normalizeEvent } from './order-event.js';
export type { OrderEvent, EventKind } from './order-event.js';
export { buildAnalyticsServices } from './services.js';
