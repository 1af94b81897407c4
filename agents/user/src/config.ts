import { redisEnvShape, toRedisUrl } from '@mesh/backends';
import { envOptionalDurationMs, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, type MeshConfig } from '@mesh/runtime';
import type { z } from 'zod';

/** USER_CACHE_TTL when unset: long where every update evicts the profile in every replica, short otherwise. */
const CACHE_TTL_INVALIDATED_MS = 5 * 60_000;
const CACHE_TTL_ALONE_MS = 5_000;

const schema = meshEnvSchema.extend({
  ...redisEnvShape,
  /**
   * How long user_get answers are cached in each replica's memory. With Redis (REDIS_URL/REDIS_HOST/
   * CACHE_HOST) every update evicts the profile in every replica (pub/sub), so the default is 5 min; without
   * it only the replica that made the update knows, so the default is 5 s.
   */
  USER_CACHE_TTL: envOptionalDurationMs(),
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
  const redisUrl = toRedisUrl(parsed);
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    redisUrl,
    cacheTtlMs:
      parsed.USER_CACHE_TTL ?? (redisUrl === undefined ? CACHE_TTL_ALONE_MS : CACHE_TTL_INVALIDATED_MS),
  });
}
