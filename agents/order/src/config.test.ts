import { isMeshError, type MeshError } from '@mesh/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

const base = { DATABASE_URL: 'postgres://orders@127.0.0.1:5432/business_db' };

/** The CONFIG_INVALID error loadConfig throws for `env`, with its listed problems. */
function configError(env: Record<string, string>): MeshError {
  try {
    loadConfig({ ...base, ...env });
  } catch (error: unknown) {
    if (isMeshError(error, 'CONFIG_INVALID')) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('order agent config', () => {
  it('uses a 30 s processing timeout and a 120 s reservation when nothing is set', () => {
    const config = loadConfig(base);
    expect(config.saga.processingTimeoutMs).toBe(30_000);
    expect(config.saga.reservationTtlSeconds).toBe(120);
  });

  it.each([
    ['45s', 45_000],
    ['1500ms', 1_500],
    ['2m', 120_000],
    ['20', 20_000],
    [' 10s ', 10_000],
  ])('reads ORDER_PROCESSING_TIMEOUT=%j as %i ms', (value, ms) => {
    const config = loadConfig({ ...base, ORDER_PROCESSING_TIMEOUT: value, RESERVATION_TTL: '10m' });
    expect(config.saga.processingTimeoutMs).toBe(ms);
  });

  it('treats an empty ORDER_PROCESSING_TIMEOUT as unset', () => {
    expect(loadConfig({ ...base, ORDER_PROCESSING_TIMEOUT: '' }).saga.processingTimeoutMs).toBe(30_000);
  });

  it.each(['soon', '-5s', '5 seconds', '1.5.0s', '10d'])(
    'refuses ORDER_PROCESSING_TIMEOUT=%j, naming the variable and the value',
    (value) => {
      const error = configError({ ORDER_PROCESSING_TIMEOUT: value });
      expect(error.message).toContain(
        `ORDER_PROCESSING_TIMEOUT: expected a duration such as 5s, 500ms or 5; got "${value}"`,
      );
    },
  );

  it('refuses a zero ORDER_PROCESSING_TIMEOUT, under which no order could finish', () => {
    expect(configError({ ORDER_PROCESSING_TIMEOUT: '0' }).message).toMatch(
      /ORDER_PROCESSING_TIMEOUT: must be more than 0/,
    );
  });

  it('lists every invalid variable at once', () => {
    const error = configError({ ORDER_PROCESSING_TIMEOUT: 'soon', ORDER_LEASE: 'later' });
    expect(error.data?.['problems']).toEqual([
      expect.stringMatching(/^ORDER_PROCESSING_TIMEOUT: /),
      expect.stringMatching(/^ORDER_LEASE: /),
    ]);
  });

  describe('the reservation outlives its order', () => {
    it('refuses a RESERVATION_TTL equal to ORDER_PROCESSING_TIMEOUT', () => {
      const error = configError({ ORDER_PROCESSING_TIMEOUT: '60s', RESERVATION_TTL: '60000ms' });
      expect(error.data?.['problems']).toEqual([
        'RESERVATION_TTL: must be longer than ORDER_PROCESSING_TIMEOUT (a reservation must outlive its order)',
      ]);
    });

    it('refuses a processing timeout raised past the default reservation (120 s)', () => {
      expect(configError({ ORDER_PROCESSING_TIMEOUT: '150s' }).message).toMatch(
        /RESERVATION_TTL: must be longer than ORDER_PROCESSING_TIMEOUT/,
      );
    });

    it('accepts a reservation just longer than the timeout, rounding it up to whole seconds', () => {
      const config = loadConfig({ ...base, ORDER_PROCESSING_TIMEOUT: '30s', RESERVATION_TTL: '30001ms' });
      expect(config.saga.processingTimeoutMs).toBe(30_000);
      expect(config.saga.reservationTtlSeconds).toBe(31);
    });

    it('accepts a long processing timeout with a longer reservation', () => {
      const config = loadConfig({ ...base, ORDER_PROCESSING_TIMEOUT: '150s', RESERVATION_TTL: '5m' });
      expect(config.saga).toMatchObject({ processingTimeoutMs: 150_000, reservationTtlSeconds: 300 });
    });
  });

  it('coalesces up to 50 commits per call, one call at a time, and turns batching off with COMMIT_BATCH_SIZE=1', () => {
    expect(loadConfig(base).commits).toEqual({
      maxBatch: 50,
      maxInFlight: 1,
      lingerMs: 5,
      maxQueued: 10_000,
    });
    expect(loadConfig({ ...base, COMMIT_BATCH_SIZE: '1' }).commits).toBeUndefined();
    expect(configError({ COMMIT_BATCH_SIZE: '101' }).message).toMatch(/COMMIT_BATCH_SIZE/);
  });

  it('lets a busy commit wait COMMIT_BATCH_LINGER (bare numbers in ms, 0 off, at most 1s)', () => {
    expect(loadConfig({ ...base, COMMIT_BATCH_LINGER: '0' }).commits?.lingerMs).toBe(0);
    expect(loadConfig({ ...base, COMMIT_BATCH_LINGER: '12' }).commits?.lingerMs).toBe(12);
    expect(configError({ COMMIT_BATCH_LINGER: '2s' }).message).toMatch(/COMMIT_BATCH_LINGER.*at most 1s/);
    expect(configError({ COMMIT_BATCH_LINGER: 'soon' }).message).toMatch(/COMMIT_BATCH_LINGER/);
  });

  it('keeps user profiles 5 min with Redis (updates evict them) and 5 s without; ORDER_USER_CACHE_TTL overrides', () => {
    expect(loadConfig(base).userCacheTtlMs).toBe(5_000);
    const withRedis = loadConfig({ ...base, REDIS_HOST: 'redis' });
    expect(withRedis.redisUrl).toMatch(/^redis:\/\/redis/);
    expect(withRedis.userCacheTtlMs).toBe(300_000);
    expect(loadConfig({ ...base, ORDER_USER_CACHE_TTL: '0' }).userCacheTtlMs).toBe(0);
    expect(loadConfig({ ...base, ORDER_USER_CACHE_TTL: '2s' }).userCacheTtlMs).toBe(2_000);
    expect(configError({ ORDER_USER_CACHE_TTL: 'later' }).message).toMatch(/ORDER_USER_CACHE_TTL/);
  });
});
