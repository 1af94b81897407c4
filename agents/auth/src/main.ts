import { createPgPool, ensureDatabase, pgConfigToUrl } from '@mesh/backends';
import { createLogger, type Logger } from '@mesh/common';
import { runAgent } from '@mesh/runtime';
import type pg from 'pg';
import { agent } from './agent.js';
import { createAuthStack, type AuthStack } from './auth-stack.js';
import { loadConfig, type AuthConfig } from './config.js';

function fail(logger: Logger, error: unknown, message: string): never {
  logger.fatal({ err: error }, message);
  process.exit(1);
}

const bootLogger = createLogger({ name: agent.name });
let config: AuthConfig;
try {
  config = loadConfig();
} catch (error: unknown) {
  fail(bootLogger, error, 'invalid configuration');
}
const logger = createLogger({ name: agent.name, level: config.env.MCP_MESH_LOG_LEVEL });

let pool: pg.Pool | undefined;
let stack: AuthStack;
try {
  await ensureDatabase(config.postgres, { logger });
  pool = createPgPool(config.postgres, { logger, applicationName: agent.name });
  logger.info(
    { database: pgConfigToUrl(config.postgres), shared_store: config.redisUrl ? 'redis' : 'postgres' },
    'auth-agent starting',
  );
  stack = await createAuthStack({
    pool,
    redisUrl: config.redisUrl,
    jwtSecret: config.jwtSecret,
    demoMode: config.demoData,
    tokenTtlSeconds: config.tokenTtlSeconds,
    login: config.login,
    logger,
  });
} catch (error: unknown) {
  await pool?.end().catch(() => undefined);
  fail(logger, error, 'auth-agent failed to start');
}
const services = { pool, stack };

await runAgent(agent, {
  app: { auth: services.stack.auth },
  mesh: config.mesh,
  logger,
  healthCheck: async () => {
    await services.pool.query('SELECT 1');
    return true;
  },
  onShutdown: async () => {
    await services.stack.close();
    await services.pool.end();
  },
});
