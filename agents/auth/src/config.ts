import { postgresEnvShape, redisEnvShape, toPgConfig, toRedisUrl, type PgConfig } from '@mesh/backends';
import { envBool, envDurationMs, envInt, parseEnvConfig, resolveSecretFiles, type Env } from '@mesh/common';
import { meshEnvSchema, toMeshConfig, z, type MeshConfig } from '@mesh/runtime';
import type { KeyObject } from 'node:crypto';
import { parsePrivateKey } from './signing-key.js';

/** Why a JWT_SECRET config stops the agent rather than being ignored (docs/security.md, "Token keys"). */
const HS256_REMOVED =
  'JWT_SECRET (an HS256 shared secret) is no longer accepted: tokens are signed with Ed25519 keys that the ' +
  'gateway verifies itself. Remove JWT_SECRET/JWT_SECRET_FILE: auth-agent then generates and rotates keys in ' +
  'auth_db (JWT_KEY_ROTATION), or set JWT_PRIVATE_KEY_FILE to an Ed25519 key (openssl genpkey -algorithm ' +
  'ed25519). Tokens signed with the old secret are refused; users log in again';

const schema = meshEnvSchema
  .extend({
    ...postgresEnvShape,
    ...redisEnvShape,
    /** Refused with a migration note: HS256 is gone (see HS256_REMOVED). */
    JWT_SECRET: z.string().optional(),
    /** An Ed25519 private key in PEM (or JWT_PRIVATE_KEY_FILE) to sign with instead of generated keys. */
    JWT_PRIVATE_KEY: z.string().optional(),
    /** How long a generated signing key signs before the next takes over (ignored with JWT_PRIVATE_KEY). */
    JWT_KEY_ROTATION: envDurationMs('24h'),
    /** Access token lifetime; a bare number is seconds. */
    TOKEN_TTL: envDurationMs('1h'),
    /** Seeds user-0..user-99 / admin with password "demo". */
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
    if (env.JWT_SECRET !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['JWT_SECRET'], message: HS256_REMOVED });
    }
    if (env.JWT_PRIVATE_KEY !== undefined) {
      try {
        parsePrivateKey(env.JWT_PRIVATE_KEY, 'the key');
      } catch (error: unknown) {
        const reason = error instanceof Error ? error.message : String(error);
        ctx.addIssue({ code: 'custom', path: ['JWT_PRIVATE_KEY'], message: reason });
      }
    }
    // A key signs for one period and stays published for a token lifetime after: keep the published set small.
    if (env.JWT_KEY_ROTATION < 60_000 || env.JWT_KEY_ROTATION * 10 < env.TOKEN_TTL) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_KEY_ROTATION'],
        message: 'must be at least 1m and at least a tenth of TOKEN_TTL',
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
  /** JWT_PRIVATE_KEY(_FILE): sign with it; undefined = generated keys rotated every keyRotationMs. */
  readonly signingKey: KeyObject | undefined;
  readonly keyRotationMs: number;
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
  const resolved = resolveSecretFiles(env, [
    'JWT_SECRET',
    'JWT_PRIVATE_KEY',
    'DB_PASSWORD',
    'REDIS_PASSWORD',
  ]);
  const parsed = parseEnvConfig(schema, resolved, 'auth-agent');
  const postgres = toPgConfig(parsed, { defaultDatabase: 'auth_db' });
  // superRefine guarantees a server is configured; this keeps the type honest.
  if (postgres === undefined) throw new Error('unreachable: PostgreSQL config missing after validation');
  return Object.freeze({
    env: parsed,
    mesh: toMeshConfig(parsed),
    postgres,
    redisUrl: toRedisUrl(parsed),
    signingKey:
      parsed.JWT_PRIVATE_KEY === undefined
        ? undefined
        : parsePrivateKey(parsed.JWT_PRIVATE_KEY, 'JWT_PRIVATE_KEY'),
    keyRotationMs: parsed.JWT_KEY_ROTATION,
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
