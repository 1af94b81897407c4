import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createTestDatabase, realServerUrl, type TestDatabase } from '@mesh/testkit';
import { createAuthStack, type AuthStack } from './auth-stack.js';
import { DEFAULT_SCRYPT_PARAMS } from './password-hash.js';
import { keyIdOf, publicJwkOf } from './signing-key.js';

const postgresUrl = realServerUrl('postgres');
const redisUrl = realServerUrl('redis');
const FAST = { ...DEFAULT_SCRYPT_PARAMS, N: 1024 };
const LOGIN = {
  free: { pair: 3, address: 100, username: 100 },
  baseDelayMs: 60_000,
  maxDelayMs: 60_000,
  windowMs: 60_000,
  knownAddressMs: 60_000,
};

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'resolved',
    (error: { code?: string }) => error.code ?? 'no code',
  );
}

const modes = [
  { shared: 'Redis', redis: redisUrl },
  { shared: 'the PostgreSQL fallback', redis: undefined },
] as const;

for (const mode of modes) {
  describe.skipIf(!postgresUrl || (mode.shared === 'Redis' && !redisUrl))(
    `two auth instances on one auth_db, sharing state through ${mode.shared}`,
    () => {
      let database: TestDatabase;
      const pools: pg.Pool[] = [];
      let a: AuthStack;
      let b: AuthStack;

      beforeAll(async () => {
        database = await createTestDatabase(postgresUrl!, 'auth');
        const prefix = `auth-test-${randomBytes(4).toString('hex')}:`;
        const build = () => {
          const pool = new pg.Pool({ connectionString: database.url, max: 4 });
          pools.push(pool);
          return createAuthStack({
            pool,
            redisUrl: mode.redis,
            sharedPrefix: prefix,
            keyRotationMs: 86_400_000,
            demoMode: true,
            demoUsers: 3,
            tokenTtlSeconds: 600,
            login: LOGIN,
            scrypt: FAST,
          });
        };
        // Started together, as replicas are: migrations, signing keys and seeding must not race.
        [a, b] = await Promise.all([build(), build()]);
      }, 30_000);

      afterAll(async () => {
        await Promise.all([a?.close(), b?.close()]);
        await Promise.all(pools.map((pool) => pool.end()));
        await database?.drop();
      });

      it('seeds the demo accounts once between them', () => {
        expect((a.seed?.created ?? 0) + (b.seed?.created ?? 0)).toBe(4);
        expect([a.seed?.skipped, b.seed?.skipped].sort()).toEqual([0, 4]);
      });

      it('publishes the same signing keys from both instances: the current one and the next', async () => {
        const [fromA, fromB] = await Promise.all([a.auth.signingKeys(), b.auth.signingKeys()]);
        expect(fromA.keys).toHaveLength(2);
        expect(fromB.keys.map((key) => key.kid)).toEqual(fromA.keys.map((key) => key.kid));
        expect(fromA).toMatchObject({ issuer: 'mesh-auth', audience: 'mesh' });
      });

      it("accepts each other's tokens, with the generated, shared signing key", async () => {
        const login = await a.auth.login({ username: 'user-1', password: 'demo' });
        await expect(
          b.auth.verifyToken({ token: login.access_token, scope: 'orders:write' }),
        ).resolves.toMatchObject({
          valid: true,
          user_id: 'user-1',
        });
      });

      it('sees credentials registered on the other instance', async () => {
        await b.auth.registerCredentials({ user_id: 'user-900', username: 'shared', password: 'pw-shared' });
        await expect(a.auth.login({ username: 'shared', password: 'pw-shared' })).resolves.toMatchObject({
          user_id: 'user-900',
        });
      });

      it('honours a revocation made by the other instance', async () => {
        const { access_token } = await a.auth.login({ username: 'user-2', password: 'demo' });
        const before = await a.auth.revocations({});
        const revoked = await b.auth.revokeToken({ token: access_token });
        expect(await codeOf(a.auth.verifyToken({ token: access_token }))).toBe('UNAUTHORIZED');
        const after = await a.auth.revocations({ cursor: before.cursor });
        expect(after.revocations).toEqual([{ jti: revoked.token_id, expires_at: revoked.expires_at }]);
        expect((await a.auth.revocations({ cursor: after.cursor })).revocations).toEqual([]);
      });

      it('counts failed logins across both instances', async () => {
        expect(await codeOf(a.auth.login({ username: 'user-0', password: 'bad1' }))).toBe('UNAUTHORIZED');
        expect(await codeOf(b.auth.login({ username: 'user-0', password: 'bad2' }))).toBe('UNAUTHORIZED');
        expect(await codeOf(a.auth.login({ username: 'user-0', password: 'bad3' }))).toBe('UNAUTHORIZED');
        expect(await codeOf(b.auth.login({ username: 'user-0', password: 'demo' }))).toBe('RATE_LIMITED');
        expect(await codeOf(a.auth.login({ username: 'user-0', password: 'demo' }))).toBe('RATE_LIMITED');
      });

      it("lets the right password in from another address while the attacker's address waits", async () => {
        const attacker = { username: 'user-1', client_address: '203.0.113.9' };
        for (const [i, stack] of [a, b, a].entries()) {
          expect(await codeOf(stack.auth.login({ ...attacker, password: `bad${i}` }))).toBe('UNAUTHORIZED');
        }
        expect(await codeOf(b.auth.login({ ...attacker, password: 'demo' }))).toBe('RATE_LIMITED');
        await expect(
          a.auth.login({ username: 'user-1', password: 'demo', client_address: '198.51.100.7' }),
        ).resolves.toMatchObject({ user_id: 'user-1' });
      });

      it(`keeps the shared state in ${mode.shared}`, async () => {
        const pool = pools[0]!;
        const table = await pool.query<{ t: string | null }>(
          "SELECT to_regclass('mesh_shared_flags')::text AS t",
        );
        if (mode.redis === undefined) {
          const flags = await pool.query('SELECT key FROM mesh_shared_flags');
          expect(flags.rowCount).toBeGreaterThan(0);
        } else {
          expect(table.rows[0]?.t).toBeNull();
        }
      });
    },
  );
}

describe.skipIf(!postgresUrl)('auth startup checks', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase(postgresUrl!, 'auth');
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
  }, 30_000);

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  const base = {
    demoMode: false,
    keyRotationMs: 86_400_000,
    tokenTtlSeconds: 60,
    login: LOGIN,
    scrypt: FAST,
  };

  it('starts outside demo mode with a configured Ed25519 key, signs with it and seeds nothing', async () => {
    const signingKey = generateKeyPairSync('ed25519').privateKey;
    const stack = await createAuthStack({ ...base, pool, signingKey });
    try {
      expect(stack.seed).toBeUndefined();
      expect(await codeOf(stack.auth.login({ username: 'user-1', password: 'demo' }))).toBe('UNAUTHORIZED');
      const { keys } = await stack.auth.signingKeys();
      expect(keys.map((key) => key.kid)).toContain(keyIdOf(publicJwkOf(signingKey)));
    } finally {
      await stack.close();
    }
  });
});
