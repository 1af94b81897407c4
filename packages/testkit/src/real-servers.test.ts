import { afterEach, describe, expect, it, vi } from 'vitest';
import { realServerUrl } from './real-servers.js';

describe('realServerUrl', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('returns the URL from the environment when it is set, in CI or not', () => {
    expect(realServerUrl('postgres', { MESH_TEST_POSTGRES_URL: 'postgres://x' })).toBe('postgres://x');
    expect(realServerUrl('redis', { CI: 'true', MESH_TEST_REDIS_URL: 'redis://x' })).toBe('redis://x');
    expect(
      realServerUrl('rabbitmq-metrics', { MESH_TEST_RABBITMQ_METRICS_URL: 'http://127.0.0.1:15692' }),
    ).toBe('http://127.0.0.1:15692');
  });

  it('throws naming the variable when CI=true and the URL is missing or empty', () => {
    expect(() => realServerUrl('rabbitmq', { CI: 'true' })).toThrow(/MESH_TEST_RABBITMQ_URL is not set/);
    expect(() => realServerUrl('postgres', { CI: 'true', MESH_TEST_POSTGRES_URL: '' })).toThrow(
      /CI must not skip postgres tests/,
    );
  });

  it('returns undefined with a one-line reason on stderr when not in CI', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(realServerUrl('redis', {})).toBeUndefined();
    expect(write).toHaveBeenCalledTimes(1);
    expect(write.mock.calls[0]?.[0]).toBe(
      'skipping redis tests: MESH_TEST_REDIS_URL is not set (run scripts/test-servers.sh start)\n',
    );
  });
});
