import { postgresEnvShape, redisEnvShape, toPgConfig, toRedisUrl, type PgConfig } from '@mesh/backends';
import { envBool, envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';
import { MIN_SECRET_BYTES } from './token-service.js';

const schema = meshEnvSchema
  .extend({
    ...postgresEnvShape,
    ...redisEnvShape,
    /** HS256 signing key, identical on every replica (or JWT_SECRET_FILE). */
    JWT_SECRET: z.string().optional(),
    /** Access token lifetime; a bare number is seconds. */
    TOKEN_TTL: envDurationMs('1h'),
    /** Seeds user-0..user-99 / admin with password "demo" and allows a generated, shared JWT secret. */
    DEMO_DATA: envBool(true),
    /** Failed logins per username allowed in LOGIN_WINDOW before RATE_LIMITED. */
    LOGIN_MAX_FAILURES: envInt(5, 1, 1000),
    LOGIN_WINDOW: envDurationMs('15m'),
  })
  .superRefine((env, ctx) => {
    if (env.DATABASE_URL === undefined && env.DB_HOST === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_URL'],
        message: 'DATABASE_URL or DB_HOST is required: credentials live in auth_db, shared by replicas',
      });
    }
    const secretBytes = env.JWT_SECRET === undefined ? 0 : Buffer.byteLength(env.JWT_SECRET);
    if (!env.DEMO_DATA && secretBytes < MIN_SECRET_BYTES) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SECRET'],
        message: `JWT_SECRET (or JWT_SECRET_FILE) of at least ${MIN_SECRET_BYTES} bytes is required when DEMO_DATA=false`,
      });
    }
    if (env.TOKEN_TTL < 1000) {
      ctx.addIssue({ code: 'custom', path: ['TOKEN_TTL'], message: 'must be at least 1s' });
    }
  });

export type AuthEnv = z.output<typeof schema>;

/** auth-agent's settings in plain units, parsed once at startup. */
export interface AuthConfig {
  readonly env: AuthEnv;
  readonly mesh: Partial<MeshConfig>;
  readonly postgres: PgConfig;
  readonly redisUrl: string | undefined;
  readonly jwtSecret: string | undefined;
  readonly tokenTtlSeconds: number;
  readonly demoData: boolean;
  readonly loginMaxFailures: number;
  readonly loginWindowMs: number;
}

/** Reads the environment (secrets also from NAME_FILE); throws CONFIG_INVALID listing every problem. */
export function loadConfig(env: Env = process.env): AuthConfig {
  const resolved = resolveSecretFiles(env, ['JWT_SECRET', 'DB_PASSWORD', 'REDIS_PASSWORD']);
  const parsed = parseEnvConfig(schema, resolved, 'auth-agent');
  const postgres = toPgConfig(parsed, { defaultDatabase: 'auth_db' });
  // superRefine guarantees a server is configured; this keeps the type honest.
  if (postgres === undefined) throw new Error('unreachable: PostgreSQL config missing after validation');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    postgres,
    redisUrl: toRedisUrl(parsed),
    jwtSecret: parsed.JWT_SECRET,
    tokenTtlSeconds: Math.round(parsed.TOKEN_TTL / 1000),
    demoData: parsed.DEMO_DATA,
    loginMaxFailures: parsed.LOGIN_MAX_FAILURES,
    loginWindowMs: parsed.LOGIN_WINDOW,
  });
}
