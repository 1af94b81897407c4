import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  EventBusMetrics,
  createEventBus,
  createPgPool,
  ensureDatabase,
  pgConfigToUrl,
  runMigrations,
} from '@mesh/backends';
import type { EventBus } from '@mesh/backends';
import { formatTraceparent } from '@mesh/common';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import { agent, sagaDeps, type OrderServices } from './agent.js';
import { BatchedCommits } from './batched-commits.js';
import { BatchedOutbound } from './batched-outbound.js';
import type { OrderAgentConfig } from './config.js';
import { ORDER_MIGRATIONS } from './migrations.js';
import { OrderSaga } from './order-saga.js';
import { OrderOutcomeMetrics, countingOutcomes } from './outcome-metrics.js';
import { PgOrderStore } from './pg-order-store.js';
import { createProfileCache, type ProfileCache } from './profile-cache.js';
import { ReconcileMetrics, startReconciler, type Reconciler } from './reconciler.js';
import { startRecovery, type Recovery } from './recovery.js';
import { portsFromProxies } from './saga-ports.js';

/** Everything services.ts starts, with one way to stop it all in order. */
export interface OrderStack {
  saga: OrderSaga;
  recovery: Recovery;
  reconciler: Reconciler;
  /** The agent's own metrics (reconciliation), for the runtime's /metrics. */
  metrics: ReconcileMetrics;
  /** Events published, and those that fell back to a direct call. */
  busMetrics: EventBusMetrics;
  /** Orders by final outcome, for the runtime's /metrics. */
  outcomes: OrderOutcomeMetrics;
  owner: string;
  close(): Promise<void>;
}

/** Builds the order agent's services: pool + migrations, event bus, saga with lease renewal, recovery loop. */
export async function buildOrderStack(config: OrderAgentConfig, logger: Logger): Promise<OrderStack> {
  await ensureDatabase(config.postgres, { logger });
  // Orders commit synchronously: an order the saga moved on (stored reserved, completed with its payment,
  // compensating) must never move back after a database crash, or recovery drives it again from a step it
  // had already left.
  const pool: pg.Pool = createPgPool(config.postgres, {
    logger,
    applicationName: 'order-agent',
    synchronousCommit: config.synchronousCommit,
  });
  let bus: EventBus | undefined;
  let profiles: ProfileCache | undefined;
  try {
    await runMigrations(pool, ORDER_MIGRATIONS, { name: 'order-agent', logger });
    logger.info({ database: pgConfigToUrl(config.postgres) }, 'order store ready');
    const busMetrics = new EventBusMetrics();
    bus = createEventBus({ rabbitmqUrl: config.rabbitmqUrl, logger, metrics: busMetrics });
    const owner =
      config.env.MCP_MESH_AGENT_ID ?? `order-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const outcomes = new OrderOutcomeMetrics();
    const store = countingOutcomes(new PgOrderStore(pool), outcomes);
    const outbound = new BatchedOutbound(sagaDeps, config.outbound);
    const commits = config.commits ? new BatchedCommits(sagaDeps, config.commits) : undefined;
    profiles = createProfileCache({ redisUrl: config.redisUrl, ttlMs: config.userCacheTtlMs, logger });
    const ports = portsFromProxies(sagaDeps, {
      bus,
      traceparent: formatTraceparent,
      outbound,
      onFellBack: (topic) => busMetrics.fellBack.inc({ topic }),
      ...(commits ? { commits } : {}),
      ...(profiles ? { profiles } : {}),
    });
    const saga = new OrderSaga(store, ports, owner, config.saga, logger);
    saga.leases.start();
    const recovery = startRecovery({
      saga,
      store,
      owner,
      leaseMs: config.saga.leaseMs,
      intervalMs: config.recoveryIntervalMs,
      batch: config.recoveryBatch,
      logger,
      tracing: agent.tracing,
      // Compensation needs the payment and inventory agents; wait until the mesh has resolved them.
      ready: () => sagaDeps.refund.available && sagaDeps.release.available && sagaDeps.commit.available,
    });
    const metrics = new ReconcileMetrics();
    const reconciler = startReconciler({
      settings: config.reconcile,
      metrics,
      logger,
      tracing: agent.tracing,
      ready: () => sagaDeps.standingCharges.available && sagaDeps.refund.available,
      ports: {
        standingCharges: (createdSince, max, options) =>
          sagaDeps.standingCharges.call(
            { created_since: createdSince, max },
            { timeoutMs: options.timeoutMs, ...(options.trace ? { trace: options.trace } : {}) },
          ),
        refund: async (orderId, options) => {
          await sagaDeps.refund.call(
            { order_id: orderId },
            {
              timeoutMs: options.timeoutMs,
              idempotencyKey: `refund:${orderId}`,
              ...(options.trace ? { trace: options.trace } : {}),
            },
          );
        },
        states: (orderIds) => store.states(orderIds),
      },
    });
    const openBus = bus;
    const openProfiles = profiles;
    return {
      saga,
      recovery,
      reconciler,
      metrics,
      busMetrics,
      outcomes,
      owner,
      async close() {
        await reconciler.stop();
        await recovery.stop();
        // Send the confirmations and events still waiting for a batch, and let those under way finish (each
        // batch is bounded by NOTIFY_TIMEOUT).
        await outbound.drain();
        await saga.idle();
        // Orders being finished have had their commits answered; nothing waits here any more.
        await commits?.drain();
        saga.leases.stop();
        await openProfiles?.cache.close().catch(() => undefined);
        await openBus.close().catch(() => undefined);
        await pool.end();
      },
    };
  } catch (error: unknown) {
    await profiles?.cache.close().catch(() => undefined);
    await bus?.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    throw error;
  }
}

/** order-agent's services for runAgentMain: the saga, and the sweeps that run once the mesh is up. */
export async function buildServices(
  config: OrderAgentConfig,
  logger: Logger,
): Promise<AgentServices<OrderServices>> {
  const stack = await buildOrderStack(config, logger);
  logger.info(
    {
      owner: stack.owner,
      processingTimeoutMs: config.saga.processingTimeoutMs,
      leaseMs: config.saga.leaseMs,
      eventBus: config.rabbitmqUrl !== undefined,
      commitBatch: config.commits?.maxBatch ?? 1,
      userCacheTtlMs: config.userCacheTtlMs,
      userCacheInvalidation: config.redisUrl !== undefined ? 'redis' : 'ttl only',
    },
    'order saga ready',
  );
  return {
    app: { saga: stack.saga },
    metrics: [stack.metrics.registry, stack.outcomes.registry, stack.busMetrics.registry],
    onStarted: () => {
      // Orders a previous run left behind are picked up as soon as the mesh has resolved our dependencies.
      void stack.recovery.runOnce();
      // Charges a crash left standing for orders that did not complete are refunded from the start.
      void stack.reconciler.runOnce();
    },
    close: () => stack.close(),
  };
}
