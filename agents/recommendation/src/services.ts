import { createPgPool } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type pg from 'pg';
import type { RecommendationServices } from './agent.js';
import type { RecommendationConfig } from './config.js';
import { RecommendationMetrics } from './metrics.js';
import { ModelSource } from './model-source.js';
import { bestSellers } from './order-history.js';
import { Recommender } from './recommender.js';

/**
 * recommendation-agent's services: the model (loaded and watched), its metrics, and a read-only pool on business_db for
 * best sellers while there is no model. It runs no migrations: the order history is the order agent's table.
 */
export async function buildServices(
  config: RecommendationConfig,
  logger: Logger,
): Promise<AgentServices<RecommendationServices>> {
  const metrics = new RecommendationMetrics();
  const source = new ModelSource({
    path: config.modelPath,
    debounceMs: config.reloadDebounceMs,
    maxBytes: config.modelMaxBytes,
    logger,
    onReload: (outcome) => metrics.countReload(outcome),
  });
  await source.start();
  let pool: pg.Pool | undefined;
  if (config.postgres !== undefined) {
    // No migrations and no ensureDatabase: the history is read from the order agent's database as it is.
    pool = createPgPool(
      { ...config.postgres, max: Math.min(config.postgres.max, 2) },
      { logger, applicationName: 'recommendation-agent' },
    );
  }
  let cached: { at: number; limit: number; sellers: Promise<{ sku: string; units: number }[]> } | undefined;
  const sellers = (limit: number) => {
    if (pool === undefined) return Promise.resolve([]);
    const now = Date.now();
    if (cached === undefined || now - cached.at > config.bestSellersTtlMs || cached.limit < limit) {
      const read = bestSellers(pool, { limit: Math.max(limit, 50), window: config.bestSellersWindow });
      cached = { at: now, limit: Math.max(limit, 50), sellers: read };
      // A failed read is not cached.
      read.catch(() => {
        cached = undefined;
      });
    }
    return cached.sellers;
  };
  logger.info(
    { modelPath: config.modelPath, loaded: source.model !== undefined },
    'recommendations configured',
  );
  return {
    app: {
      recommender: new Recommender(
        () => source.model,
        logger,
        (from) => metrics.countAnswer(from),
      ),
      bestSellers: sellers,
    },
    metrics: [metrics.registry],
    close: async () => {
      source.stop();
      await pool?.end();
    },
  };
}
