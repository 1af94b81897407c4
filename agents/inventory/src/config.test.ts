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
});
