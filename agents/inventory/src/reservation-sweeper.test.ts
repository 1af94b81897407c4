import { silentLogger } from '@mesh/common';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startReservationSweeper, type Sweeper } from './reservation-sweeper.js';

describe('startReservationSweeper', () => {
  let sweeper: Sweeper | undefined;
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(async () => {
    await sweeper?.stop();
    vi.useRealTimers();
  });

  it('calls stock.expire_reservations every interval while a provider is available', async () => {
    const calls: unknown[] = [];
    const storage = {
      available: true,
      call: async <T>(args: Record<string, unknown>): Promise<T> => {
        calls.push(args);
        return { expired: 0 } as T;
      },
    };
    sweeper = startReservationSweeper({ storage, intervalMs: 1000, logger: silentLogger() });
    await vi.advanceTimersByTimeAsync(3000);
    expect(calls).toEqual([
      { op: 'stock.expire_reservations', limit: 500 },
      { op: 'stock.expire_reservations', limit: 500 },
      { op: 'stock.expire_reservations', limit: 500 },
    ]);
    storage.available = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toHaveLength(3);
  });

  it('sweeps again at once after a full batch, up to maxRounds', async () => {
    let calls = 0;
    const storage = {
      available: true,
      call: async <T>(): Promise<T> => {
        calls += 1;
        return { expired: 2 } as T;
      },
    };
    sweeper = startReservationSweeper({
      storage,
      intervalMs: 60_000,
      logger: silentLogger(),
      batchSize: 2,
      maxRounds: 3,
    });
    expect(await sweeper.sweepOnce()).toBe(6);
    expect(calls).toBe(3);
  });

  it('keeps sweeping after a failed sweep', async () => {
    let calls = 0;
    const storage = {
      available: true,
      call: async <T>(): Promise<T> => {
        calls += 1;
        if (calls === 1) throw new Error('database agent restarting');
        return { expired: 1 } as T;
      },
    };
    sweeper = startReservationSweeper({ storage, intervalMs: 1000, logger: silentLogger() });
    await vi.advanceTimersByTimeAsync(2000);
    expect(calls).toBe(2);
  });
});
