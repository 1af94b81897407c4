import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemorySharedStore } from '@mesh/backends';
import { isMeshError } from '@mesh/common';
import { backoffDelayMs, createLoginLimiter, type LoginAttempt, type LoginLimiter } from './login-limiter.js';

const OPTIONS = {
  free: { pair: 3, address: 6, username: 10 },
  baseDelayMs: 1000,
  maxDelayMs: 8000,
  windowMs: 600_000,
  knownAddressMs: 3_600_000,
};

/** The wait in seconds a refusal names, or 0 when the attempt may go ahead. */
async function waitOf(limiter: LoginLimiter, attempt: LoginAttempt): Promise<number> {
  try {
    await limiter.assertAllowed(attempt);
    return 0;
  } catch (error: unknown) {
    if (!isMeshError(error, 'RATE_LIMITED')) throw error;
    return error.data?.['retryAfterSeconds'] as number;
  }
}

describe('backoffDelayMs', () => {
  it('is free until the free failures are used up, then doubles up to the cap', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 40].map((n) => backoffDelayMs(n, 3, 1000, 8000));
    expect(delays).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffDelayMs(1_000_000, 1, 1000, 900_000)).toBe(900_000);
  });
});

describe('login limiter', () => {
  let limiter: LoginLimiter;
  const attacker = { username: 'user-1', address: '203.0.113.9' };
  const owner = { username: 'user-1', address: '198.51.100.7' };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(Date.UTC(2026, 0, 1));
    limiter = createLoginLimiter({ state: new MemorySharedStore({ prefix: 't:' }), ...OPTIONS });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes one address wait longer after each failure for a username, up to the cap', async () => {
    const waits: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      await limiter.recordFailure(attacker);
      waits.push(await waitOf(limiter, attacker));
      vi.advanceTimersByTime(waits.at(-1)! * 1000);
    }
    expect(waits).toEqual([0, 0, 1, 2, 4, 8, 8]);
  });

  it("never refuses the owner's address because of another address's failures", async () => {
    for (let i = 0; i < 5; i += 1) await limiter.recordFailure(attacker);
    expect(await waitOf(limiter, attacker)).toBeGreaterThan(0);
    expect(await waitOf(limiter, owner)).toBe(0);
  });

  it('lets the wait run out, then allows the address again', async () => {
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure(attacker);
    expect(await waitOf(limiter, attacker)).toBe(1);
    vi.advanceTimersByTime(999);
    expect(await waitOf(limiter, attacker)).toBe(1);
    vi.advanceTimersByTime(1);
    expect(await waitOf(limiter, attacker)).toBe(0);
  });

  it('slows an address that sprays many usernames, for every username', async () => {
    for (let i = 0; i < 6; i += 1) await limiter.recordFailure({ ...attacker, username: `user-${i + 10}` });
    expect(await waitOf(limiter, { ...attacker, username: 'user-99' })).toBe(1);
    expect(await waitOf(limiter, { ...owner, username: 'user-99' })).toBe(0);
  });

  it('delays new addresses during a distributed attack but not an address the owner logged in from', async () => {
    await limiter.recordSuccess(owner);
    for (let i = 0; i < 10; i += 1) await limiter.recordFailure({ ...attacker, address: `203.0.113.${i}` });
    expect(await waitOf(limiter, { ...attacker, address: '203.0.113.200' })).toBe(1);
    expect(await waitOf(limiter, owner)).toBe(0);
  });

  it('forgets the pair failures after a success', async () => {
    for (let i = 0; i < 2; i += 1) await limiter.recordFailure(owner);
    await limiter.recordSuccess(owner);
    for (let i = 0; i < 2; i += 1) await limiter.recordFailure(owner);
    expect(await waitOf(limiter, owner)).toBe(0);
  });

  it('treats usernames case-insensitively and callers without an address as one address', async () => {
    for (let i = 0; i < 3; i += 1) await limiter.recordFailure({ username: i % 2 ? 'USER-1' : 'user-1' });
    expect(await waitOf(limiter, { username: 'User-1' })).toBe(1);
    expect(await waitOf(limiter, owner)).toBe(0);
  });
});
