import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import { createSharedStore, runMigrations, type SharedStore } from '@mesh/backends';
import { silentLogger, type Logger } from '@mesh/common';
import { createAuthService, type AuthService } from './auth-service.js';
import type { LoginThrottleConfig } from './config.js';
import { PgCredentialStore } from './credential-store.js';
import { demoAccounts, seedDemoCredentials, type SeedResult } from './demo-seed.js';
import { createLoginLimiter } from './login-limiter.js';
import { authMigrations } from './migrations.js';
import type { ScryptParams } from './password-hash.js';
import { PgRevocationLog } from './revocation-log.js';
import { PgSigningKeyStore } from './signing-key-store.js';
import { createSigningKeys, type SigningKeys } from './signing-keys.js';
import { DEFAULT_CLOCK_TOLERANCE_SECONDS, createTokenService } from './token-service.js';

export interface AuthStackOptions {
  /** auth_db; migrated here. Not closed by the stack. */
  readonly pool: pg.Pool;
  /** Redis for revocations and rate-limit counters; without it they live in auth_db (still shared). */
  readonly redisUrl?: string | undefined;
  /** Key prefix in the shared store; replicas must agree on it. */
  readonly sharedPrefix?: string;
  /** JWT_PRIVATE_KEY(_FILE), parsed: sign with it instead of generated, rotated keys. */
  readonly signingKey?: KeyObject | undefined;
  /** How long a generated signing key signs before the next one takes over. */
  readonly keyRotationMs: number;
  readonly demoMode: boolean;
  /** How many demo users (user-0..user-N-1) to seed in demo mode. */
  readonly demoUsers?: number;
  readonly tokenTtlSeconds: number;
  readonly login: LoginThrottleConfig;
  readonly scrypt?: ScryptParams;
  readonly logger?: Logger;
}

export interface AuthStack {
  readonly auth: AuthService;
  /** The signing keys, refreshing in the background until close. */
  readonly keys: SigningKeys;
  /** Present when demo credentials were checked at startup. */
  readonly seed: SeedResult | undefined;
  close(): Promise<void>;
}

/**
 * Everything auth-agent serves, built from one pool: migrations, signing key, shared store, credentials and
 * (in demo mode) the demo accounts. services.ts and the multi-replica tests build replicas the same way.
 */
export async function createAuthStack(options: AuthStackOptions): Promise<AuthStack> {
  const logger = options.logger ?? silentLogger();
  await runMigrations(options.pool, authMigrations, { name: 'auth', logger });
  const keys = createSigningKeys({
    store: new PgSigningKeyStore(options.pool),
    rotationMs: options.keyRotationMs,
    tokenTtlSeconds: options.tokenTtlSeconds,
    clockToleranceSeconds: DEFAULT_CLOCK_TOLERANCE_SECONDS,
    configuredKey: options.signingKey,
    logger,
  });
  // Every replica agrees on the keys before it answers anything; later periods are created in the background.
  await keys.refresh();
  const shared: SharedStore = createSharedStore({
    redisUrl: options.redisUrl,
    pool: options.pool,
    prefix: options.sharedPrefix ?? 'auth:',
    logger,
  });
  try {
    const credentials = new PgCredentialStore(options.pool);
    const seed = options.demoMode
      ? await seedDemoCredentials({
          pool: options.pool,
          store: credentials,
          accounts: demoAccounts(options.demoUsers ?? 100),
          logger,
          ...(options.scrypt ? { scrypt: options.scrypt } : {}),
        })
      : undefined;
    const revocationLog = new PgRevocationLog(options.pool);
    const auth = createAuthService({
      credentials,
      tokens: createTokenService({
        keys,
        ttlSeconds: options.tokenTtlSeconds,
        revocations: shared,
        revocationLog,
      }),
      keys,
      revocationLog,
      limiter: createLoginLimiter({ state: shared, ...options.login }),
      logger,
      ...(options.scrypt ? { scrypt: options.scrypt } : {}),
    });
    keys.start();
    return {
      auth,
      keys,
      seed,
      close: async () => {
        keys.close();
        await shared.close();
      },
    };
  } catch (error: unknown) {
    await shared.close();
    throw error;
  }
}
