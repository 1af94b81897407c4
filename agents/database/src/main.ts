import { createCache } from '@mesh/backends';
import { createLogger } from '@mesh/common';
import { runAgent, toMeshConfig } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig } from './config.js';
import { createDataService } from './data-service.js';
import { prepareBusinessDatabase } from './database.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ name: agent.name, level: config.MCP_MESH_LOG_LEVEL });
  // ensureDatabase (first step) waits for the server for DB_STARTUP_TIMEOUT, logging each retry.
  const pool = await prepareBusinessDatabase(config.pg, { logger, demoData: config.demoData }).catch(
    (error: unknown) => {
      logger.fatal({ err: error }, 'business database unavailable');
      process.exit(1);
    },
  );
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
