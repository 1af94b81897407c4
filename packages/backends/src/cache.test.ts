import { randomBytes } from 'node:crypto';
import { realServerUrl } from '@mesh/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { createCache, type Cache } from './cache.js';
import { MemoryCache } from './memory-cache.js';

function behavesLikeACache(makeCache: () => Cache): void {
  const caches: Cache[] = [];
  const make = (): Cache => {
    const cache = makeCache();
    caches.push(cache);
    return cache;
  };
  afterAll(async () => {
    await Promise.all(caches.map((cache) => cache.close()));
  });

  it('returns what was set, as a copy', async () => {
    const cache = make();
    const value = { id: 'user-1', tags: ['a'] };
    await cache.set('user:1', value, 10_000);
    const read = await cache.get<typeof value>('user:1');
    expect(read).toEqual(value);
    expect(read).not.toBe(value);
  });

  it('misses after delete, for several keys at once', async () => {
    const cache = make();
    await cache.set('a', 1, 10_000);
    await cache.set('b', 2, 10_000);
    await cache.delete('a', 'b');
    expect(await cache.get('a')).toBeUndefined();
    expect(await cache.get('b')).toBeUndefined();
  });

  it('misses for a key never set', async () => {
    expect(await make().get('nothing-here')).toBeUndefined();
  });
}

describe('MemoryCache', () => {
  behavesLikeACache(() => createCache({ prefix: 'test:' }));

  it('expires entries after their TTL', async () => {
    let now = 1_000;
    const cache = new MemoryCache({ prefix: '', maxEntries: 10, now: () => now });
    await cache.set('k', 'v', 100);
    now += 99;
    expect(await cache.get('k')).toBe('v');
    now += 1;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('evicts the least recently used entry when full', async () => {
    const cache = new MemoryCache({ prefix: '', maxEntries: 2 });
    await cache.set('a', 1, 10_000);
    await cache.set('b', 2, 10_000);
    await cache.get('a');
    await cache.set('c', 3, 10_000);
    expect(await cache.get('b')).toBeUndefined();
    expect(await cache.get('a')).toBe(1);
    expect(await cache.get('c')).toBe(3);
  });
});

const redisUrl = realServerUrl('redis');

describe.skipIf(!redisUrl)('RedisCache (real Redis)', () => {
  const prefix = `test:${randomBytes(4).toString('hex')}:`;
  behavesLikeACache(() => createCache({ redisUrl, prefix }));

  it('shares entries between two clients with the same prefix, and expires them', async () => {
    const writer = createCache({ redisUrl, prefix });
    const reader = createCache({ redisUrl, prefix });
    try {
      await writer.set('shared', { n: 1 }, 10_000);
      expect(await reader.get('shared')).toEqual({ n: 1 });
      await writer.set('short', 'x', 1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await reader.get('short')).toBeUndefined();
    } finally {
      await writer.close();
      await reader.close();
    }
  });

  it('degrades to a miss when Redis is unreachable', async () => {
    const cache = createCache({ redisUrl: 'redis://127.0.0.1:1', prefix });
    try {
      await cache.set('k', 1, 10_000);
      expect(await cache.get('k')).toBeUndefined();
    } finally {
      await cache.close();
    }
  });
});
