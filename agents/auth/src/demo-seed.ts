import type pg from 'pg';
import { silentLogger, type Logger } from '@mesh/common';
import type { Credential, CredentialStore } from './credential-store.js';
import { DEMO_SCRYPT_PARAMS, hashPassword, type ScryptParams } from './password-hash.js';
import { ADMIN_SCOPE, DEFAULT_USER_SCOPES } from './scopes.js';

export interface DemoAccount {
  readonly userId: string;
  readonly username: string;
  readonly scopes: readonly string[];
}

export const DEMO_PASSWORD = 'demo';

/**
 * user-0..user-{count-1} (the database agent seeds the same ids in business_db) plus `admin` holding the
 * admin scope, for the gateway and operators in demo mode.
 */
export function demoAccounts(count = 100): DemoAccount[] {
  const users = Array.from({ length: count }, (_, i) => ({
    userId: `user-${i}`,
    username: `user-${i}`,
    scopes: DEFAULT_USER_SCOPES,
  }));
  return [...users, { userId: 'admin', username: 'admin', scopes: [ADMIN_SCOPE] }];
}

export interface SeedOptions {
  readonly pool: pg.Pool;
  readonly store: CredentialStore;
  readonly accounts: readonly DemoAccount[];
  readonly password?: string;
  readonly scrypt?: ScryptParams;
  readonly logger?: Logger;
}

export interface SeedResult {
  readonly created: number;
  readonly skipped: number;
  readonly durationMs: number;
}

/** Any fixed number works; it only has to differ from other advisory locks taken in auth_db. */
const SEED_LOCK_KEY = 0x5eed_a17;

/**
 * Creates the demo credentials that are missing. Hashing is the slow part (one scrypt each), so it runs
 * once: under a session advisory lock (a second replica waits, then finds everything present and skips),
 * only for missing accounts, with all hashes in flight at once on libuv's thread pool.
 */
export async function seedDemoCredentials(options: SeedOptions): Promise<SeedResult> {
  const logger = options.logger ?? silentLogger();
  const started = performance.now();
  const client = await options.pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [SEED_LOCK_KEY]);
    try {
      const present = await options.store.existingUsernames(options.accounts.map((a) => a.username));
      const missing = options.accounts.filter((account) => !present.has(account.username.toLowerCase()));
      const credentials: Credential[] = await Promise.all(
        missing.map(async (account) => ({
          userId: account.userId,
          username: account.username,
          scopes: [...account.scopes],
          passwordHash: await hashPassword(
            options.password ?? DEMO_PASSWORD,
            options.scrypt ?? DEMO_SCRYPT_PARAMS,
          ),
        })),
      );
      for (const credential of credentials) await options.store.insert(credential);
      const result = {
        created: credentials.length,
        skipped: options.accounts.length - credentials.length,
        durationMs: Math.round(performance.now() - started),
      };
      logger.info(
        result,
        result.created > 0 ? 'demo credentials seeded' : 'demo credentials already present',
      );
      return result;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [SEED_LOCK_KEY]).catch((error: unknown) => {
        // Destroying the connection below ends the session, which releases the lock anyway.
        broken = error instanceof Error ? error : new Error(String(error));
      });
    }
  } finally {
    client.release(broken);
  }
}
