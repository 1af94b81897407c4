import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('inventory-agent loadConfig', () => {
  it('defaults the reservation TTL to 300 s and the sweep to 15 s', () => {
    const config = loadConfig({});
    expect(config.reservationTtlSeconds).toBe(300);
    expect(config.sweepIntervalMs).toBe(15_000);
  });

  it('reads RESERVATION_TTL_SECONDS and RESERVATION_SWEEP_INTERVAL, rejecting nonsense', () => {
    const config = loadConfig({ RESERVATION_TTL_SECONDS: '60', RESERVATION_SWEEP_INTERVAL: '500ms' });
    expect(config.reservationTtlSeconds).toBe(60);
    expect(config.sweepIntervalMs).toBe(500);
    expect(() => loadConfig({ RESERVATION_TTL_SECONDS: '0' })).toThrow(/RESERVATION_TTL_SECONDS/);
  });

  it('batches reserves by default (50 per call, two calls at once, 5 ms linger while busy), one call each at size 1', () => {
    expect(loadConfig({}).reserveBatch).toEqual({ maxBatch: 50, maxInFlight: 2, lingerMs: 5 });
    const tuned = { RESERVE_BATCH_SIZE: '8', RESERVE_BATCH_IN_FLIGHT: '1', RESERVE_BATCH_LINGER: '2' };
    expect(loadConfig(tuned).reserveBatch).toEqual({ maxBatch: 8, maxInFlight: 1, lingerMs: 2 });
    expect(loadConfig({ RESERVE_BATCH_SIZE: '1' }).reserveBatch).toBeUndefined();
    expect(() => loadConfig({ RESERVE_BATCH_SIZE: '51' })).toThrow(/RESERVE_BATCH_SIZE/);
    expect(() => loadConfig({ RESERVE_BATCH_IN_FLIGHT: '0' })).toThrow(/RESERVE_BATCH_IN_FLIGHT/);
    expect(() => loadConfig({ RESERVE_BATCH_LINGER: '2s' })).toThrow(/RESERVE_BATCH_LINGER/);
    expect(() => loadConfig({ RESERVE_BATCH_LINGER: 'soon' })).toThrow(/RESERVE_BATCH_LINGER/);
  });
});
