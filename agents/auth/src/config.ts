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
    /** Failed logins of one username from one address before delays start. */
    LOGIN_MAX_FAILURES: envInt(5, 1, 1000),
    /** Failed logins from one address (any usernames) before that address is delayed. */
    LOGIN_ADDRESS_MAX_FAILURES: envInt(20, 1, 100_000),
    /** Failed logins of one username from all addresses before addresses new to it are delayed. */
    LOGIN_ACCOUNT_MAX_FAILURES: envInt(50, 1, 100_000),
    /** The first delay past a free count; it doubles with each further failure up to LOGIN_BACKOFF_MAX. */
    LOGIN_BACKOFF_BASE: envDurationMs('1s'),
    LOGIN_BACKOFF_MAX: envDurationMs('15m'),
    /** How long failures are remembered. */
    LOGIN_WINDOW: envDurationMs('15m'),
    /** How long an address that logged in stays exempt from its account's distributed-attack delay. */
    LOGIN_KNOWN_ADDRESS_TTL: envDurationMs('720h'),
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
    if (env.LOGIN_BACKOFF_BASE < 1 || env.LOGIN_BACKOFF_MAX < env.LOGIN_BACKOFF_BASE) {
      ctx.addIssue({
        code: 'custom',
        path: ['LOGIN_BACKOFF_MAX'],
        message: 'LOGIN_BACKOFF_BASE must be positive and LOGIN_BACKOFF_MAX at least LOGIN_BACKOFF_BASE',
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
  readonly login: LoginThrottleConfig;
}

/** The login throttle's settings (see login-limiter.ts). */
export interface LoginThrottleConfig {
  readonly free: { readonly pair: number; readonly address: number; readonly username: number };
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly windowMs: number;
  readonly knownAddressMs: number;
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
    login: Object.freeze({
      free: Object.freeze({
        pair: parsed.LOGIN_MAX_FAILURES,
        address: parsed.LOGIN_ADDRESS_MAX_FAILURES,
        username: parsed.LOGIN_ACCOUNT_MAX_FAILURES,
      }),
      baseDelayMs: parsed.LOGIN_BACKOFF_BASE,
      maxDelayMs: parsed.LOGIN_BACKOFF_MAX,
      windowMs: parsed.LOGIN_WINDOW,
      knownAddressMs: parsed.LOGIN_KNOWN_ADDRESS_TTL,
    }),
  });
}
