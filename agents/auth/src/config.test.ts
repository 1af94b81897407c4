import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://mesh:pw@db.internal:5432' };

describe('auth-agent config', () => {
  it('defaults to demo mode, auth_db, one-hour tokens and the PostgreSQL-shared store', () => {
    const config = loadConfig(base);
    expect(config.demoData).toBe(true);
    expect(config.postgres).toMatchObject({ host: 'db.internal', database: 'auth_db', user: 'mesh' });
    expect(config.tokenTtlSeconds).toBe(3600);
    expect(config.redisUrl).toBeUndefined();
    expect(config.login).toEqual({
      free: { pair: 5, address: 20, username: 50 },
      baseDelayMs: 1000,
      maxDelayMs: 900_000,
      windowMs: 900_000,
      knownAddressMs: 720 * 3_600_000,
    });
  });

  it('refuses a backoff cap below its base', () => {
    expect(() => loadConfig({ ...base, LOGIN_BACKOFF_BASE: '10s', LOGIN_BACKOFF_MAX: '5s' })).toThrow(
      /LOGIN_BACKOFF_MAX/,
    );
  });

  it('reads DB_HOST/DB_NAME, REDIS_HOST and TOKEN_TTL in seconds or with a unit', () => {
    const config = loadConfig({ DB_HOST: 'pg', DB_NAME: 'auth_db', REDIS_HOST: 'cache', TOKEN_TTL: '900' });
    expect(config.postgres).toMatchObject({ host: 'pg', database: 'auth_db' });
    expect(config.redisUrl).toBe('redis://cache:6379');
    expect(config.tokenTtlSeconds).toBe(900);
    expect(loadConfig({ ...base, TOKEN_TTL: '15m' }).tokenTtlSeconds).toBe(900);
  });

  it('reads an Ed25519 signing key from JWT_PRIVATE_KEY_FILE and rotates generated keys daily by default', () => {
    expect(loadConfig(base)).toMatchObject({ signingKey: undefined, keyRotationMs: 86_400_000 });
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const file = join(dir, 'jwt_key.pem');
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    writeFileSync(file, pem);
    const config = loadConfig({ ...base, JWT_PRIVATE_KEY_FILE: file, DEMO_DATA: 'false' });
    expect(config.signingKey?.asymmetricKeyType).toBe('ed25519');
    expect(config.demoData).toBe(false);
  });

  it('refuses a JWT_SECRET (HS256) with the migration, and keys that are not Ed25519', () => {
    expect(() => loadConfig({ ...base, JWT_SECRET: 's'.repeat(40) })).toThrow(
      /JWT_SECRET \(an HS256 shared secret\) is no longer accepted[\s\S]*JWT_PRIVATE_KEY_FILE/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const file = join(dir, 'jwt_secret');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    expect(() => loadConfig({ ...base, JWT_SECRET_FILE: file })).toThrow(/no longer accepted/);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    expect(() => loadConfig({ ...base, JWT_PRIVATE_KEY: ec.toString() })).toThrow(
      /ec key; tokens are signed with Ed25519/,
    );
    expect(() => loadConfig({ ...base, JWT_PRIVATE_KEY: 'not a key' })).toThrow(/JWT_PRIVATE_KEY/);
  });

  it('refuses a rotation period under a minute or under a tenth of TOKEN_TTL', () => {
    expect(() => loadConfig({ ...base, JWT_KEY_ROTATION: '30s' })).toThrow(/JWT_KEY_ROTATION/);
    expect(() => loadConfig({ ...base, TOKEN_TTL: '24h', JWT_KEY_ROTATION: '2h' })).toThrow(
      /JWT_KEY_ROTATION/,
    );
    expect(loadConfig({ ...base, TOKEN_TTL: '1h', JWT_KEY_ROTATION: '6m' }).keyRotationMs).toBe(360_000);
  });

  it('refuses to start without a database, listing every problem', () => {
    expect(() => loadConfig({ DEMO_DATA: 'false', JWT_SECRET: 'short' })).toThrow(
      /DATABASE_URL or DB_HOST is required[\s\S]*JWT_SECRET/,
    );
    expect(() => loadConfig({ ...base, DEMO_DATA: 'maybe' })).toThrow(/DEMO_DATA/);
  });
});
