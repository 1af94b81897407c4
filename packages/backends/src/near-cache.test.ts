import { silentLogger } from '@mesh/common';
import { realServerUrl, waitFor } from '@mesh/testkit';
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NearCache, type InvalidationChannel } from './near-cache.js';
import { RedisInvalidation } from './redis-invalidation.js';

type Handlers = Parameters<InvalidationChannel['subscribe']>[0];

/** An in-process channel several caches share; `live` is switched by the test. */
class FakeBus {
  readonly subscribers: Handlers[] = [];
  live = true;
  channel(): InvalidationChannel {
    const isLive = (): boolean => this.live;
    return {
      get live() {
        return isLive();
      },
      publish: async (keys) => this.subscribers.forEach((subscriber) => subscriber.onKeys(keys)),
      subscribe: async (handlers) => void this.subscribers.push(handlers),
      close: async () => undefined,
    };
  }
}

async function nearCache(channel: InvalidationChannel): Promise<NearCache> {
  const cache = new NearCache({ channel, maxEntries: 100 });
  await cache.start();
  return cache;
}

describe('NearCache', () => {
  it('serves hits from memory and evicts a key everywhere when any process deletes it', async () => {
    const bus = new FakeBus();
    const [a, b] = [await nearCache(bus.channel()), await nearCache(bus.channel())];
    expect(await a.get('user:1')).toBeUndefined();
    await a.set('user:1', { name: 'old' }, 60_000);
    expect(await a.get('user:1')).toEqual({ name: 'old' });
    await b.delete('user:1');
    expect(await a.get('user:1')).toBeUndefined();
  });

  it('does not store what a read loaded before a change it raced with', async () => {
    const bus = new FakeBus();
    const [a, b] = [await nearCache(bus.channel()), await nearCache(bus.channel())];
    expect(await a.get('user:1')).toBeUndefined(); // the loader starts, reads the old profile…
    await b.delete('user:1'); // …the update commits and announces itself…
    await a.set('user:1', { name: 'old' }, 60_000); // …and the loader's old value must not stay.
    expect(await a.get('user:1')).toBeUndefined();
    await a.set('user:1', { name: 'new' }, 60_000);
    expect(await a.get('user:1')).toEqual({ name: 'new' });
  });

  it('trusts nothing while the channel is down, and forgets everything after a gap', async () => {
    const bus = new FakeBus();
    const a = await nearCache(bus.channel());
    await a.get('user:1');
    await a.set('user:1', { name: 'x' }, 60_000);
    bus.live = false;
    expect(await a.get('user:1')).toBeUndefined();
    await a.set('user:2', { name: 'y' }, 60_000);
    bus.live = true;
    expect(await a.get('user:2')).toBeUndefined();
    for (const subscriber of bus.subscribers) subscriber.onGap();
    expect(await a.get('user:1')).toBeUndefined();
  });
});

const redisUrl = realServerUrl('redis');

describe.skipIf(!redisUrl)('NearCache over Redis pub/sub', () => {
  it('evicts a key in another process when one deletes it', async () => {
    const channel = `near-cache-test-${randomUUID()}`;
    const channels = [0, 1].map(
      () => new RedisInvalidation({ url: redisUrl!, channel, logger: silentLogger() }),
    );
    const [a, b] = [
      new NearCache({ channel: channels[0]!, maxEntries: 10 }),
      new NearCache({ channel: channels[1]!, maxEntries: 10 }),
    ];
    try {
      await Promise.all([a.start(), b.start()]);
      await waitFor(() => (channels.every((c) => c.live) ? true : undefined), { timeoutMs: 5_000 });
      await a.get('k');
      await a.set('k', 1, 60_000);
      expect(await a.get('k')).toBe(1);
      await b.delete('k');
      await waitFor(async () => ((await a.get('k')) === undefined ? true : undefined), { timeoutMs: 2_000 });
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
