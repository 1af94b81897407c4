import { createCache, redactUrl } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import type { AgentServices } from '@mesh/runtime';
import type { UserApp } from './agent.js';
import type { UserConfig } from './config.js';
import { UserService } from './user-service.js';

/** user-agent's services for runAgentMain: the user service behind a cache (Redis when configured). */
export function buildServices(config: UserConfig, logger: Logger): AgentServices<UserApp> {
  const cache = createCache({ redisUrl: config.redisUrl, prefix: 'user-agent:', logger });
  logger.info(
    { cache: config.redisUrl ? redactUrl(config.redisUrl) : 'memory', cache_ttl_ms: config.cacheTtlMs },
    'user-agent starting',
  );
  return {
    app: { users: new UserService({ cache, cacheTtlMs: config.cacheTtlMs, logger }) },
    close: () => cache.close(),
  };
}
