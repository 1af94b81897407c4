import {
  EventBusMetrics,
  openAgentDatabase,
  startEventConsumer,
  toPgConfig,
  type ConsumingAgentServices,
} from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices, SpanStarter } from '@mesh/runtime';
import type pg from 'pg';
import { agent, type AnalyticsServices } from './agent.js';
import { AnalyticsService } from './analytics-service.js';
import type { AnalyticsAgentConfig } from './config.js';
import { EventBatcher } from './event-batcher.js';
import { MemoryOrderEventStore, type OrderEventStore } from './event-store.js';
import { AnalyticsMetrics } from './metrics.js';
import { ANALYTICS_MIGRATIONS, PgOrderEventStore } from './pg-event-store.js';

/** Its close stops consuming, flushes the buffer, closes the bus and the pool, in that order. */
export type BuiltAnalyticsServices = ConsumingAgentServices<AnalyticsServices, AnalyticsMetrics>;

/** Builds the store (business_db, or memory without a database), the batcher and, with RABBITMQ_URL, the consumer. */
export async function buildAnalyticsServices(
  config: AnalyticsAgentConfig,
  logger: Logger,
  /** Tests isolate themselves on their own exchange; production uses `mesh.events`. */
  options: { exchange?: string; tracing?: SpanStarter } = {},
): Promise<BuiltAnalyticsServices> {
  const metrics = new AnalyticsMetrics();
  const pgConfig = toPgConfig(config, { defaultDatabase: 'business_db' });
  let pool: pg.Pool | undefined;
  let store: OrderEventStore;
  if (pgConfig !== undefined) {
    pool = await openAgentDatabase(pgConfig, {
      name: 'analytics-agent',
      migrations: ANALYTICS_MIGRATIONS,
      logger,
      holds: 'order events',
    });
    store = new PgOrderEventStore(pool);
  } else {
    store = new MemoryOrderEventStore();
    logger.warn('no DATABASE_URL or DB_HOST: order events are kept in memory and a restart forgets them');
  }
  const batcher = new EventBatcher({
    store,
    batchSize: config.BATCH_SIZE,
    intervalMs: config.PROCESSING_INTERVAL,
    maxBuffered: config.ANALYTICS_MAX_BUFFERED,
    logger,
    onFlush: (reason, written) => {
      metrics.flushes.inc({ reason });
      metrics.written.inc(written);
      metrics.consecutiveFailures.set(0);
    },
    onDrop: (count) => metrics.dropped.inc(count),
    onReject: () => metrics.rejected.inc(),
    onFlushFailed: () => {
      metrics.flushFailures.inc();
      metrics.consecutiveFailures.set(batcher.consecutiveFailures);
    },
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  batcher.start();
  const analytics = new AnalyticsService({
    store,
    batcher,
    logger,
    onEvent: (source, outcome) => metrics.events.inc({ source, outcome }),
  });
  const busMetrics = new EventBusMetrics();
  const bus = await startEventConsumer(
    config,
    {
      logger,
      exchange: options.exchange,
      prefetch: config.ANALYTICS_PREFETCH,
      maxAttempts: config.ANALYTICS_MAX_ATTEMPTS,
      metrics: busMetrics,
      onDelivery: (outcome) => {
        metrics.busConsumed.inc();
        metrics.busEvents.inc({ outcome });
      },
    },
    (consumer) => analytics.consume(consumer, config.ANALYTICS_QUEUE),
  );
  logger.info(
    { batch_size: config.BATCH_SIZE, interval_ms: config.PROCESSING_INTERVAL },
    'analytics batching configured',
  );
  return {
    services: { analytics },
    metrics,
    busMetrics,
    healthCheck: async () => {
      // Writes that keep failing make the agent unhealthy even when PostgreSQL answers a ping.
      if (batcher.consecutiveFailures >= config.ANALYTICS_UNHEALTHY_AFTER) return false;
      if (pool !== undefined) await pool.query('SELECT 1');
      return true;
    },
    close: async () => {
      // Stop consuming; the handlers under way finish as the final flush commits their events, then ack.
      const closing = bus?.close();
      try {
        await batcher.stop();
      } finally {
        await closing;
        await pool?.end();
      }
    },
  };
}

/** analytics-agent's services for runAgentMain; its batch writes' spans link to each event's span. */
export async function buildServices(
  config: AnalyticsAgentConfig,
  logger: Logger,
): Promise<AgentServices<AnalyticsServices>> {
  const built = await buildAnalyticsServices(config, logger, { tracing: agent.tracing });
  return {
    app: built.services,
    healthCheck: built.healthCheck,
    metrics: [built.metrics.registry, built.busMetrics.registry],
    close: built.close,
  };
}
