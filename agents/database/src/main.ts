import { createCache } from '@mesh/backends';
import { createLogger, type Logger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import type pg from 'pg';
import { agent } from './agent.js';
import { loadConfig, type DatabaseAgentConfig } from './config.js';
import { createDataService } from './data-service.js';
import { prepareBusinessDatabase } from './database.js';

/** Retries while PostgreSQL is still starting (compose, the local start script), then gives up. */
async function connectWithRetry(config: DatabaseAgentConfig, logger: Logger): Promise<pg.Pool> {
  const deadline = Date.now() + config.dbStartupTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await prepareBusinessDatabase(config.pg, { logger, demoData: config.demoData });
    } catch (error: unknown) {
      const code = (error as { code?: string }).code;
      const transient =
        code === 'ECONNREFUSED' || code === '57P03' || code === 'ETIMEDOUT' || code === 'ENOTFOUND';
      if (!transient || Date.now() >= deadline) throw error;
      logger.warn({ err: String(error), attempt }, 'PostgreSQL not reachable yet; retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(250 * attempt, 2_000)));
    }
  }
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
  const pool = await connectWithRetry(config, logger).catch((error: unknown) => {
    logger.fatal({ err: error }, 'business database unavailable');
    process.exit(1);
  });
  const cache = createCache({ redisUrl: config.redisUrl, prefix: config.cachePrefix, logger });
  logger.info({ cache: config.redisUrl === undefined ? 'memory' : 'redis' }, 'cache configured');
  const data = createDataService({
    pool,
    cache,
    userCacheTtlMs: config.userCacheTtlMs,
    stockCacheTtlMs: config.stockCacheTtlMs,
  });
  await runAgent(agent, {
    app: { data },
    mesh: toMeshConfig(config),
    logger,
    healthCheck: async () => {
      await pool.query('SELECT 1');
      return true;
    },
    onShutdown: async () => {
      await cache.close();
      await pool.end();
    },
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
