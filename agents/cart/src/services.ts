import { openAgentDatabase } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import type { CartServices } from './agent.js';
import { CartService } from './cart-service.js';
import type { CartStore } from './cart-store.js';
import type { CartConfig } from './config.js';
import { MemoryCartStore } from './memory-cart-store.js';
import { CartMetrics, type CartStoreKind } from './metrics.js';
import { CART_MIGRATIONS, PgCartStore } from './pg-cart-store.js';
import { RedisCartStore } from './redis-cart-store.js';

/** Calls made outside a tool have no ports: every tool binds its own (agent.ts). */
const unbound = {
  lookupProducts: () => Promise.reject(new Error('cart service used without ports')),
  placeOrder: () => Promise.reject(new Error('cart service used without ports')),
};

/**
 * Where carts live: Redis when REDIS_URL (or REDIS_HOST) is set, else the `carts` table in business_db, so
 * replicas always share carts; process memory only without either (one replica; a warning says so).
 */
async function openStore(
  config: CartConfig,
  logger: Logger,
): Promise<{ store: CartStore; pool?: pg.Pool; kind: CartStoreKind }> {
  if (config.redisUrl !== undefined) {
    return {
      store: new RedisCartStore({ url: config.redisUrl, prefix: config.redisPrefix, logger }),
      kind: 'redis',
    };
  }
  if (config.postgres !== undefined) {
    const pool = await openAgentDatabase(
      { ...config.postgres, max: Math.min(config.postgres.max, 10) },
      { name: 'cart-agent', migrations: CART_MIGRATIONS, logger, holds: 'carts' },
    );
    return { store: new PgCartStore(pool), pool, kind: 'postgres' };
  }
  logger.warn('no REDIS_URL and no DATABASE_URL: carts are kept in this process only (one replica)');
  return { store: new MemoryCartStore(), kind: 'memory' };
}

/** cart-agent's services for runAgentMain: the shared cart store, the cart service over it, its metrics. */
export async function buildServices(
  config: CartConfig,
  logger: Logger,
): Promise<AgentServices<CartServices>> {
  const { store, pool, kind } = await openStore(config, logger);
  logger.info(
    { store: kind, maxLines: config.maxLines, maxQuantity: config.maxQuantity, ttlMs: config.ttlMs },
    'carts configured',
  );
  const metrics = new CartMetrics();
  metrics.useStore(kind);
  const carts = new CartService({
    store,
    ports: unbound,
    limits: { maxLines: config.maxLines, maxQuantity: config.maxQuantity, ttlMs: config.ttlMs },
  });
  return {
    app: { carts, checkoutTimeoutMs: config.checkoutTimeoutMs, metrics },
    metrics: [metrics.registry],
    healthCheck: async () => {
      await store.ping();
      return true;
    },
    close: async () => {
      await store.close();
      await pool?.end();
    },
  };
}
