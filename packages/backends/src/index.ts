/** Public API of @mesh/backends. Anything exported here is public; nothing else is. */
export { postgresEnvShape, toPgConfig, pgConfigToUrl } from './postgres-config.js';
export type { PgConfig, PostgresEnv, ToPgConfigOptions } from './postgres-config.js';
export { createPgPool, ensureDatabase } from './postgres-pool.js';
export { openAgentDatabase } from './agent-database.js';
export type { OpenAgentDatabaseOptions } from './agent-database.js';
export type { CreatePgPoolOptions, EnsureDatabaseOptions } from './postgres-pool.js';
export { runMigrations } from './migrations.js';
export { retryAtStartup, isTransientConnectError } from './startup-retry.js';
export type { StartupRetryOptions } from './startup-retry.js';
export { prepared } from './prepared-statement.js';
export type { Migration, RunMigrationsOptions } from './migrations.js';
export { redisEnvShape, rabbitmqEnvShape, toQueueSettings, toRedisUrl, redactUrl } from './redis-config.js';
export type { RedisEnv } from './redis-config.js';
export { redactUrlPasswords } from './redact.js';
export { createCache } from './cache.js';
export type { Cache, CreateCacheOptions } from './cache.js';
export { MemoryCache } from './memory-cache.js';
export type { MemoryCacheOptions } from './memory-cache.js';
export { NearCache } from './near-cache.js';
export type { InvalidationChannel, NearCacheOptions } from './near-cache.js';
export { RedisInvalidation } from './redis-invalidation.js';
export type { RedisInvalidationOptions } from './redis-invalidation.js';
export { createSharedStore, windowIndex } from './shared-store.js';
export type { SharedStore, CreateSharedStoreOptions } from './shared-store.js';
export { MemorySharedStore } from './memory-shared-store.js';
export { createEventBus, NoEventBus, isPermanentEventError } from './event-bus.js';
export { deadLetterQueue } from './amqp-event-bus.js';
export { defaultQueueSettings } from './amqp-queues.js';
export type { QueueSettings } from './amqp-queues.js';
export { EventBusMetrics } from './event-bus-metrics.js';
export { startEventConsumer } from './event-consumer.js';
export type { ConsumerBrokerEnv, ConsumingAgentServices } from './event-consumer.js';
export type { ConsumeOutcome, PublishOutcome } from './event-bus-metrics.js';
export type {
  EventBus,
  EventHandler,
  EventMeta,
  PublishOptions,
  CreateEventBusOptions,
  DeliveryOutcome,
} from './event-bus.js';
export { startEmbeddedPostgres, initialiseEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
