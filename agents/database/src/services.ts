import { createCache } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type { DatabaseServices } from './agent.js';
import type { DatabaseAgentConfig } from './config.js';
import { createDataService } from './data-service.js';
import { prepareBusinessDatabase } from './database.js';

/** database-agent's services for runAgentMain: business_db (migrated, demo data) behind a read-through cache. */
export async function buildServices(
  config: DatabaseAgentConfig,
  logger: Logger,
): Promise<AgentServices<DatabaseServices>> {
  // ensureDatabase (first step) waits for the server for DB_STARTUP_TIMEOUT, logging each retry.
  const pool = await prepareBusinessDatabase(config.pg, { logger, demoData: config.demoData });
  const cache = createCache({ redisUrl: config.redisUrl, prefix: config.cachePrefix, logger });
  logger.info({ cache: config.redisUrl === undefined ? 'memory' : 'redis' }, 'cache configured');
  const data = createDataService({
    pool,
    cache,
    userCacheTtlMs: config.userCacheTtlMs,
    stockCacheTtlMs: config.stockCacheTtlMs,
  });
  return {
    app: { data },
    healthCheck: () => pool.query('SELECT 1').then(() => true),
    close: async () => {
      await cache.close();
      await pool.end();
    },
  };
}
