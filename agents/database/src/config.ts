import { postgresEnvShape, redisEnvShape, toPgConfig, toRedisUrl, type PgConfig } from '@mesh/backends';
import {
  envBool,
  envDurationMs,
  MeshError,
  parseEnvConfig,
  resolveSecretFiles,
  type Env,
} from '@mesh/common';
import { meshEnvSchema, z, type MeshEnv } from '@mesh/runtime';

const schema = meshEnvSchema.extend({
  ...postgresEnvShape,
  ...redisEnvShape,
  /** Seed demo users and SKUs into an empty business_db (once per database). */
  DEMO_DATA: envBool(true),
  USER_CACHE_TTL: envDurationMs('60s'),
  STOCK_CACHE_TTL: envDurationMs('5s'),
  /** Key prefix in a shared Redis, so several deployments (or test runs) can share one server. */
  CACHE_PREFIX: z.string().min(1).max(100).default('database-agent:'),
});

export interface DatabaseAgentConfig extends MeshEnv {
  pg: PgConfig;
  redisUrl: string | undefined;
  cachePrefix: string;
  demoData: boolean;
  userCacheTtlMs: number;
  stockCacheTtlMs: number;
}

/**
 * database-agent config from env: mesh settings, business_db location (required; DB_STARTUP_TIMEOUT is how
 * long startup waits for it), Redis (optional).
 */
export function loadConfig(env: Env = process.env): Readonly<DatabaseAgentConfig> {
  const resolved = resolveSecretFiles(env, ['DATABASE_URL', 'DB_PASSWORD', 'REDIS_PASSWORD']);
  const parsed = parseEnvConfig(schema, resolved, 'database-agent');
  const pg = toPgConfig(parsed, { defaultDatabase: 'business_db' });
  if (pg === undefined) {
    throw new MeshError(
      'CONFIG_INVALID',
      'database-agent: invalid configuration:\n  DATABASE_URL: set DATABASE_URL or DB_HOST (the agent owns business_db)',
      { data: { problems: ['DATABASE_URL: set DATABASE_URL or DB_HOST'] } },
    );
  }
  return Object.freeze({
    ...parsed,
    pg,
    redisUrl: toRedisUrl(parsed),
    cachePrefix: parsed.CACHE_PREFIX,
    demoData: parsed.DEMO_DATA,
    userCacheTtlMs: parsed.USER_CACHE_TTL,
    stockCacheTtlMs: parsed.STOCK_CACHE_TTL,
  });
}
