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

  it('reads the secret from JWT_SECRET_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const file = join(dir, 'jwt_secret');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    const config = loadConfig({ ...base, JWT_SECRET_FILE: file, DEMO_DATA: 'false' });
    expect(config.jwtSecret).toBe('s'.repeat(40));
    expect(config.demoData).toBe(false);
  });

  it('refuses to start outside demo mode without a long enough secret, listing every problem', () => {
    expect(() => loadConfig({ DEMO_DATA: 'false', JWT_SECRET: 'short' })).toThrow(
      /DATABASE_URL or DB_HOST is required[\s\S]*JWT_SECRET/,
    );
    expect(() => loadConfig({ ...base, DEMO_DATA: 'false' })).toThrow(/JWT_SECRET/);
    expect(() => loadConfig({ ...base, DEMO_DATA: 'maybe' })).toThrow(/DEMO_DATA/);
  });
});
