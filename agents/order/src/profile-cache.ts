import { MemoryCache, NearCache, RedisInvalidation, type Cache } from '@mesh/backends';
import type { Logger } from '@mesh/common';
import { USER_PROFILE_INVALIDATION_CHANNEL, userProfileCacheKey } from '@mesh/contracts';
import type { UserInfo } from './saga-ports.js';

/** Where the order agent keeps user_get answers, and for how long. */
export interface ProfileCache {
  readonly cache: Cache;
  readonly ttlMs: number;
}

/**
 * The user's profile from memory, or from `load` (user_get) and then kept for `ttlMs`. Only found users are
 * kept: a NOT_FOUND is asked again next time. A cache that fails degrades to a miss (the Cache contract).
 */
export async function cachedProfile(
  profiles: ProfileCache,
  userId: string,
  load: () => Promise<UserInfo>,
): Promise<UserInfo> {
  const key = userProfileCacheKey(userId);
  const hit = await profiles.cache.get<UserInfo>(key);
  if (hit !== undefined) return hit;
  const user = await load();
  await profiles.cache.set(key, user, profiles.ttlMs);
  return user;
}

export interface ProfileCacheOptions {
  /** With Redis, the user agent's invalidations evict profiles here too; without, only the TTL does. */
  redisUrl: string | undefined;
  ttlMs: number;
  logger: Logger;
  maxEntries?: number;
}

/**
 * The order agent's profile cache, built like the user agent's: with Redis a near cache kept true by the user
 * agent's announcements on USER_PROFILE_INVALIDATION_CHANNEL (every update and creation publishes the key; while
 * the subscription is down every read misses), without Redis a plain in-memory cache that only its short TTL
 * keeps fresh. Undefined when `ttlMs` is 0 (caching off).
 */
export function createProfileCache(options: ProfileCacheOptions): ProfileCache | undefined {
  if (options.ttlMs <= 0) return undefined;
  const maxEntries = options.maxEntries ?? 10_000;
  if (options.redisUrl === undefined) {
    return { cache: new MemoryCache({ prefix: 'order-agent:', maxEntries }), ttlMs: options.ttlMs };
  }
  const channel = new RedisInvalidation({
    url: options.redisUrl,
    channel: USER_PROFILE_INVALIDATION_CHANNEL,
    logger: options.logger,
  });
  const cache = new NearCache({ channel, maxEntries });
  void cache.start().catch((error: unknown) => {
    options.logger.warn(
      { err: error instanceof Error ? error.message : String(error) },
      'user profile cache not subscribed; profiles are asked of the user agent until it is',
    );
  });
  return { cache, ttlMs: options.ttlMs };
}
