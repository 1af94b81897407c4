import { createCache, redactUrl } from '@mesh/backends';
import { createLogger, type Logger } from '@mesh/common';
import { runAgent } from '@mesh/runtime';
import { agent } from './agent.js';
import { loadConfig, type UserConfig } from './config.js';
import { UserService } from './user-service.js';

function fail(logger: Logger, error: unknown, message: string): never {
  logger.fatal({ err: error }, message);
  process.exit(1);
}

let config: UserConfig;
try {
  config = loadConfig();
} catch (error: unknown) {
  fail(createLogger({ name: agent.name }), error, 'invalid configuration');
}
const logger = createLogger({ name: agent.name, level: config.env.MCP_MESH_LOG_LEVEL });
const cache = createCache({ redisUrl: config.redisUrl, prefix: 'user-agent:', logger });
logger.info(
  { cache: config.redisUrl ? redactUrl(config.redisUrl) : 'memory', cache_ttl_ms: config.cacheTtlMs },
  'user-agent starting',
);

await runAgent(agent, {
  app: { users: new UserService({ cache, cacheTtlMs: config.cacheTtlMs, logger }) },
  mesh: config.mesh,
  logger,
  onShutdown: () => cache.close(),
});
