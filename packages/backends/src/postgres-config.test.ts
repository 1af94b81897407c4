import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseEnvConfig } from '@mesh/common';
import { pgConfigToUrl, postgresEnvShape, toPgConfig, type PgConfig } from './postgres-config.js';
import { createPgPool } from './postgres-pool.js';
import { rabbitmqEnvShape, redisEnvShape, toRedisUrl } from './redis-config.js';

const schema = z.object({ ...postgresEnvShape, ...redisEnvShape, ...rabbitmqEnvShape });
const parse = (env: Record<string, string>) => parseEnvConfig(schema, env, 'test');

/** The idle timeout a pool made for `config` was given (the pool opens no connection to tell). */
async function poolIdleTimeout(config: PgConfig): Promise<unknown> {
  const pool = createPgPool(config);
  try {
    return (pool as unknown as { options: { idleTimeoutMillis?: unknown } }).options.idleTimeoutMillis;
  } finally {
    await pool.end();
  }
}

describe('toPgConfig', () => {
  it('returns undefined when no server is configured', () => {
    expect(toPgConfig(parse({}), { defaultDatabase: 'business_db' })).toBeUndefined();
  });

  it('uses the default database when the URL has no path', () => {
    const config = toPgConfig(parse({ DATABASE_URL: 'postgres://u:p%40ss@db.local:6543' }), {
      defaultDatabase: 'business_db',
    });
    expect(config).toMatchObject({ host: 'db.local', port: 6543, user: 'u', password: 'p@ss' });
    expect(config?.database).toBe('business_db');
  });

  it('prefers DB_NAME over the URL path, and the URL path over the default', () => {
    const url = 'postgres://u:p@127.0.0.1:5432/from_url';
    expect(toPgConfig(parse({ DATABASE_URL: url }), { defaultDatabase: 'd' })?.database).toBe('from_url');
    expect(
      toPgConfig(parse({ DATABASE_URL: url, DB_NAME: 'named' }), { defaultDatabase: 'd' })?.database,
    ).toBe('named');
  });

  it('connects through the Unix socket directory a host query parameter names, keeping the port', () => {
    const url = 'postgres://u:p@127.0.0.1:5433/orders?host=%2Fvar%2Fmesh%2Fpg%2Fsocket';
    const config = toPgConfig(parse({ DATABASE_URL: url }), { defaultDatabase: 'd' });
    expect(config).toMatchObject({ host: '/var/mesh/pg/socket', port: 5433, database: 'orders' });
    expect(pgConfigToUrl(config!)).toBe(
      'postgres://u:***@localhost:5433/orders?host=%2Fvar%2Fmesh%2Fpg%2Fsocket',
    );
  });

  it('builds a config from DB_HOST and friends', async () => {
    const config = toPgConfig(
      parse({
        DB_HOST: 'postgres',
        DB_PORT: '5544',
        DB_USER: 'mesh',
        DB_PASSWORD: 'secret',
        DB_POOL_MAX: '4',
        DB_POOL_IDLE_TIMEOUT: '45s',
        DB_STARTUP_TIMEOUT: '90s',
      }),
      { defaultDatabase: 'business_db' },
    );
    expect(config).toEqual({
      host: 'postgres',
      port: 5544,
      database: 'business_db',
      user: 'mesh',
      password: 'secret',
      max: 4,
      idleTimeoutMs: 45_000,
      startupTimeoutMs: 90_000,
    });
    expect(await poolIdleTimeout(config!)).toBe(45_000);
    const defaults = toPgConfig(parse({ DB_HOST: 'postgres' }), { defaultDatabase: 'x' });
    expect(defaults?.startupTimeoutMs).toBe(60_000);
    expect(defaults?.idleTimeoutMs).toBe(300_000);
    expect(await poolIdleTimeout(defaults!)).toBe(300_000);
    expect(() => parse({ DB_HOST: 'postgres', DB_POOL_IDLE_TIMEOUT: 'soon' })).toThrow(
      /DB_POOL_IDLE_TIMEOUT/,
    );
    expect(pgConfigToUrl(config!)).not.toContain('secret');
  });

  it('rejects a DATABASE_URL that is not a postgres URL', () => {
    expect(() => parse({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
  });
});

describe('toRedisUrl', () => {
  it('reads REDIS_URL, then REDIS_HOST, then the CACHE_HOST alias', () => {
    expect(toRedisUrl(parse({ REDIS_URL: 'redis://r:6380' }))).toBe('redis://r:6380');
    expect(toRedisUrl(parse({ REDIS_HOST: 'redis' }))).toBe('redis://redis:6379');
    expect(toRedisUrl(parse({ CACHE_HOST: 'cache', REDIS_PORT: '7000' }))).toBe('redis://cache:7000');
    expect(toRedisUrl(parse({}))).toBeUndefined();
  });
});

describe('empty env values', () => {
  it('treats empty DATABASE_URL, REDIS_URL and RABBITMQ_URL as unset', () => {
    const parsed = parse({ DATABASE_URL: '', REDIS_URL: '', REDIS_HOST: '', RABBITMQ_URL: '' });
    expect(toPgConfig(parsed, { defaultDatabase: 'd' })).toBeUndefined();
    expect(toRedisUrl(parsed)).toBeUndefined();
    expect(parsed.RABBITMQ_URL).toBeUndefined();
  });
});
