import { MemoryCache, NearCache, RedisInvalidation, redactUrl, type Cache } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import { USER_PROFILE_INVALIDATION_CHANNEL } from '@mesh/contracts';
import type { AgentServices } from '@mesh/runtime';
import type { UserApp } from './agent.js';
import type { UserConfig } from './config.js';
import { UserService } from './user-service.js';

/**
 * Profiles are cached in each replica's memory, so a hot profile costs no round trip at all. With Redis, an
 * update made by any replica evicts the profile in all of them over pub/sub (a replica whose subscription is
 * down serves nothing from memory meanwhile), and in every other process that caches profiles on the same
 * channel (the order agent). Pub/sub rather than a version key in Redis: a version read on
 * every lookup would cost the round trip the cache is there to save.
 */
function profileCache(config: UserConfig, logger: Logger): Cache {
  if (config.redisUrl === undefined) return new MemoryCache({ prefix: 'user-agent:', maxEntries: 10_000 });
  const channel = new RedisInvalidation({
    url: config.redisUrl,
    channel: USER_PROFILE_INVALIDATION_CHANNEL,
    logger,
  });
  const cache = new NearCache({ channel, maxEntries: 10_000 });
  void cache.start().catch((error: unknown) => {
    logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'profile cache not subscribed',
    );
  });
  return cache;
}

/** user-agent's services for runAgentMain: the user service behind its profile cache. */
export function buildServices(config: UserConfig, logger: Logger): AgentServices<UserApp> {
  const cache = profileCache(config, logger);
  logger.info(
    {
      cache: 'memory',
      invalidation: config.redisUrl ? redactUrl(config.redisUrl) : 'this replica only',
      cache_ttl_ms: config.cacheTtlMs,
    },
    'user-agent starting',
  );
  return {
    app: { users: new UserService({ cache, cacheTtlMs: config.cacheTtlMs, logger }) },
    close: () => cache.close(),
  };
}
