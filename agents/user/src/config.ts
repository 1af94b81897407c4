import { redisEnvShape, toRedisUrl } from '@mesh/backends';
import { envDurationMs, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, type MeshConfig, type z } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  ...redisEnvShape,
  /**
   * How long user_get answers are cached. Redis (REDIS_URL/REDIS_HOST/CACHE_HOST) shares the cache and its
   * invalidation across replicas; without it each replica caches alone, so keep this short.
   */
  USER_CACHE_TTL: envDurationMs('5s'),
});

export type UserEnv = z.output<typeof schema>;

/** user-agent's settings in plain units, parsed once at startup. */
export interface UserConfig {
  readonly env: UserEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly redisUrl: string | undefined;
  readonly cacheTtlMs: number;
}

/** Reads the environment (secrets also from NAME_FILE); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): UserConfig {
  const parsed = parseEnvConfig(schema, resolveSecretFiles(env, ['REDIS_PASSWORD']), 'user-agent');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    redisUrl: toRedisUrl(parsed),
    cacheTtlMs: parsed.USER_CACHE_TTL,
  });
}
