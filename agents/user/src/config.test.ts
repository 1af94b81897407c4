import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('user-agent config', () => {
  it('caches in memory for 5 s by default', () => {
    const config = loadConfig({});
    expect(config.redisUrl).toBeUndefined();
    expect(config.cacheTtlMs).toBe(5000);
    expect(config.mesh.registryUrl).toBe('http://localhost:8000');
  });

  it('uses Redis from REDIS_URL or the seed alias CACHE_HOST', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6380' }).redisUrl).toBe('redis://r:6380');
    expect(loadConfig({ CACHE_HOST: 'redis', USER_CACHE_TTL: '30s' })).toMatchObject({
      redisUrl: 'redis://redis:6379',
      cacheTtlMs: 30_000,
    });
  });

  it('caches for 5 min by default when Redis carries every update to every replica', () => {
    expect(loadConfig({ REDIS_URL: 'redis://r:6380' }).cacheTtlMs).toBe(300_000);
  });

  it('names the variable when a value is invalid', () => {
    expect(() => loadConfig({ USER_CACHE_TTL: 'soon' })).toThrow(/USER_CACHE_TTL/);
    expect(() => loadConfig({ REDIS_URL: 'http://x' })).toThrow(/REDIS_URL/);
  });
});
