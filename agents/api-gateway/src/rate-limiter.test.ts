import { MemorySharedStore } from '@mesh/backends';
import { describe, expect, it } from 'vitest';
import { RateLimiter, type HitCounter } from './rate-limiter.js';
import { countingCounter } from './test-counting-counter.js';

const WINDOW_MS = 60_000;

/** A clock tests move by hand; starts inside a window, not on its edge. */
function manualClock(start = 5 * WINDOW_MS + 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/** Runs `checks` and tells how many were admitted; anything but RATE_LIMITED fails the test. */
async function admitted(checks: Promise<void>[]): Promise<number> {
  const outcomes = await Promise.allSettled(checks);
  for (const outcome of outcomes)
    if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'RATE_LIMITED' });
  return outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
}

function times<T>(n: number, make: (i: number) => T): T[] {
  return Array.from({ length: n }, (_, i) => make(i));
}

describe('RateLimiter', () => {
  it('admits exactly the limit in a window with one replica, concurrent or one by one', async () => {
    const clock = manualClock();
    const { counter } = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }), 1);
    const limiter = new RateLimiter(counter, 50, WINDOW_MS, { now: clock.now });
    expect(await admitted(times(80, () => limiter.check('alice')))).toBe(50);
    expect(await admitted([limiter.check('alice')])).toBe(0);
    let oneByOne = 0;
    for (let i = 0; i < 60; i += 1) oneByOne += await admitted([limiter.check('bob')]);
    expect(oneByOne).toBe(50);
  });

  it('never admits more than the limit across two replicas sharing one counter', async () => {
    const clock = manualClock();
    const store = new MemorySharedStore({ prefix: '', now: clock.now });
    const replicas = [0, 1].map(
      () => new RateLimiter(countingCounter(store, 2).counter, 100, WINDOW_MS, { now: clock.now }),
    );
    let total = 0;
    for (let round = 0; round < 10; round += 1)
      total += await admitted(times(30, (i) => replicas[(i + round) % 2]!.check('carol')));
    expect(total).toBeLessThanOrEqual(100);
    // Only tokens a replica claimed and did not spend are lost: at most one block (here limit / 8) each.
    expect(total).toBeGreaterThanOrEqual(100 - 2 * 12);
  });

  it('costs a quiet client one write of one, as a plain counter would', async () => {
    const clock = manualClock();
    const { counter, writes } = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }));
    const limiter = new RateLimiter(counter, 1000, WINDOW_MS, { now: clock.now });
    await limiter.check('dave');
    expect(writes).toEqual([{ key: 'rl:dave', by: 1 }]);
  });

  it('makes a few writes per window for a busy client, growing its blocks', async () => {
    const clock = manualClock();
    const { counter, writes } = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }));
    const limiter = new RateLimiter(counter, 1000, WINDOW_MS, { now: clock.now });
    let served = 0;
    for (let i = 0; i < 1000; i += 1) served += await admitted([limiter.check('erin')]);
    expect(served).toBe(1000);
    expect(writes.slice(0, 8).map((write) => write.by)).toEqual([1, 2, 4, 8, 16, 32, 64, 64]);
    expect(writes.length).toBeLessThanOrEqual(25);
    expect(await admitted([limiter.check('erin')])).toBe(0);
  });

  it('keeps blocks small when the limit is small, so few tokens can be stranded on a replica', async () => {
    const clock = manualClock();
    const { counter, writes } = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }));
    const limiter = new RateLimiter(counter, 40, WINDOW_MS, { now: clock.now });
    for (let i = 0; i < 40; i += 1) await limiter.check('frank');
    expect(Math.max(...writes.map((write) => write.by))).toBeLessThanOrEqual(5);
  });

  it('shares one claim among concurrent requests of a client on one replica', async () => {
    const clock = manualClock();
    const counting = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }), 5);
    const limiter = new RateLimiter(counting.counter, 1000, WINDOW_MS, { now: clock.now });
    expect(await admitted(times(20, () => limiter.check('grace')))).toBe(20);
    expect(counting.mostInFlightPerKey()).toBe(1);
    expect(counting.writes.length).toBeLessThanOrEqual(5);
  });

  it('starts a new lease in a new window: unspent tokens of the old one are not carried over', async () => {
    const clock = manualClock();
    const { counter, writes } = countingCounter(new MemorySharedStore({ prefix: '', now: clock.now }));
    const limiter = new RateLimiter(counter, 10, WINDOW_MS, { now: clock.now });
    for (let i = 0; i < 10; i += 1) await limiter.check('heidi');
    expect(await admitted([limiter.check('heidi')])).toBe(0);
    await limiter.check('ivan');
    await limiter.check('ivan'); // claims a block of 2: one token is left unspent
    clock.advance(WINDOW_MS);
    const before = writes.length;
    expect(await admitted(times(12, () => limiter.check('heidi')))).toBe(10);
    await limiter.check('ivan');
    expect(writes.slice(before).find((write) => write.key === 'rl:ivan')).toEqual({ key: 'rl:ivan', by: 1 });
  });

  it('does not spend in a new window a block counted in the old one', async () => {
    const clock = manualClock();
    const store = new MemorySharedStore({ prefix: '', now: clock.now });
    let crossed = false;
    const crossing: HitCounter = {
      async hit(key, windowMs, by) {
        const count = await store.hit(key, windowMs, by);
        if (!crossed) {
          crossed = true;
          clock.advance(WINDOW_MS); // the answer arrives after the window ended
        }
        return count;
      },
    };
    const limiter = new RateLimiter(crossing, 3, WINDOW_MS, { now: clock.now });
    expect(await admitted(times(5, () => limiter.check('judy')))).toBe(3);
    // Every admission of the new window was counted in the new window.
    expect(await store.hit('rl:judy', WINDOW_MS, 1)).toBeGreaterThan(3);
  });

  it('refuses with the limit and the seconds until the window ends', async () => {
    const clock = manualClock(7 * WINDOW_MS + 45_500);
    const limiter = new RateLimiter(new MemorySharedStore({ prefix: '', now: clock.now }), 1, WINDOW_MS, {
      now: clock.now,
    });
    await limiter.check('kim');
    await expect(limiter.check('kim')).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      message: 'rate limit of 1 requests per 60s exceeded',
      data: { retryAfterSeconds: 15, limit: 1 },
    });
  });

  it("hands the store's failure to every request waiting on the claim, and claims again once it is back", async () => {
    let down = true;
    const store = new MemorySharedStore({ prefix: '' });
    const flaky: HitCounter = {
      async hit(key, windowMs, by) {
        await new Promise((resolve) => setTimeout(resolve, 2));
        if (down) throw new Error('connection refused');
        return store.hit(key, windowMs, by);
      },
    };
    const limiter = new RateLimiter(flaky, 10, WINDOW_MS);
    const outcomes = await Promise.allSettled(times(3, () => limiter.check('leo')));
    expect(outcomes.map((outcome) => outcome.status === 'rejected' && String(outcome.reason))).toEqual(
      times(3, () => 'Error: connection refused'),
    );
    down = false;
    await limiter.check('leo');
  });
});
