import { silentLogger } from '@mesh/common';
import { userProfileCacheKey } from '@mesh/contracts';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { cachedProfile, createProfileCache } from './profile-cache.js';

const user = { id: 'user-1', email: 'user-1@example.com', phone: null, name: 'User One' };

describe('order-agent profile cache without Redis', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('keeps a profile for its TTL only, then asks the user agent again', async () => {
    const profiles = createProfileCache({ redisUrl: undefined, ttlMs: 5_000, logger: silentLogger() })!;
    const load = vi.fn(async () => user);
    await cachedProfile(profiles, 'user-1', load);
    vi.advanceTimersByTime(4_999);
    await expect(cachedProfile(profiles, 'user-1', load)).resolves.toEqual(user);
    expect(load).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1);
    await cachedProfile(profiles, 'user-1', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps nothing for a user that was not found, so the next order asks again', async () => {
    const profiles = createProfileCache({ redisUrl: undefined, ttlMs: 5_000, logger: silentLogger() })!;
    const missing = vi.fn(async () => Promise.reject(new Error('user user-404 not found')));
    await expect(cachedProfile(profiles, 'user-404', missing)).rejects.toThrow('not found');
    await expect(cachedProfile(profiles, 'user-404', missing)).rejects.toThrow('not found');
    expect(missing).toHaveBeenCalledTimes(2);
    expect(await profiles.cache.get(userProfileCacheKey('user-404'))).toBeUndefined();
  });

  it('is off with a TTL of 0', () => {
    expect(createProfileCache({ redisUrl: undefined, ttlMs: 0, logger: silentLogger() })).toBeUndefined();
  });
});
