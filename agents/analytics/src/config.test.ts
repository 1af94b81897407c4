import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('analytics agent config', () => {
  it('batches 1000 events every 60 s by default', () => {
    expect(loadConfig({})).toMatchObject({ BATCH_SIZE: 1000, PROCESSING_INTERVAL: 60_000 });
  });

  it('reads PROCESSING_INTERVAL as bare seconds or as a duration', () => {
    expect(loadConfig({ PROCESSING_INTERVAL: '60' }).PROCESSING_INTERVAL).toBe(60_000);
    expect(loadConfig({ PROCESSING_INTERVAL: '5s' }).PROCESSING_INTERVAL).toBe(5000);
    expect(loadConfig({ PROCESSING_INTERVAL: '250ms' }).PROCESSING_INTERVAL).toBe(250);
  });

  it('refuses a zero batch size and a malformed broker URL', () => {
    const attempt = () => loadConfig({ BATCH_SIZE: '0', RABBITMQ_URL: 'http://x' });
    expect(attempt).toThrow(/BATCH_SIZE/);
    expect(attempt).toThrow(/RABBITMQ_URL/);
  });
});
