import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('api-gateway loadConfig', () => {
  it('defaults to port 8080, RATE_LIMIT 1000 per minute and a 75 s order wait', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      rateLimit: 1000,
      rateLimitWindowMs: 60_000,
    });
    expect(config.orderTimeoutMs).toBe(75_000);
    expect(loadConfig({ GATEWAY_ORDER_TIMEOUT: '20s' }).orderTimeoutMs).toBe(20_000);
    expect(config.postgres).toBeUndefined();
  });

  it('serves 256 requests at once and queues 1,024 more for up to 10 s, each bounded and checked', () => {
    expect(loadConfig({})).toMatchObject({ maxInFlight: 256, maxQueued: 1_024, queueTimeoutMs: 10_000 });
    const tuned = loadConfig({ GATEWAY_MAX_QUEUED: '0', GATEWAY_QUEUE_TIMEOUT: '500ms' });
    expect(tuned).toMatchObject({ maxQueued: 0, queueTimeoutMs: 500 });
    expect(() => loadConfig({ GATEWAY_MAX_QUEUED: '-1' })).toThrow(/GATEWAY_MAX_QUEUED/);
    expect(() => loadConfig({ GATEWAY_QUEUE_TIMEOUT: 'later' })).toThrow(/GATEWAY_QUEUE_TIMEOUT/);
  });

  it('takes GATEWAY_PORT, then PORT, then the orchestrator port, moving the mesh endpoint off it', () => {
    expect(loadConfig({ GATEWAY_PORT: '9000', PORT: '9001' }).port).toBe(9000);
    expect(loadConfig({ PORT: '9001' }).port).toBe(9001);
    const fromMesh = loadConfig({ MCP_MESH_HTTP_PORT: '28080' });
    expect(fromMesh.port).toBe(28080);
    expect(fromMesh.mesh.httpPort).toBe(0);
    expect(loadConfig({ GATEWAY_PORT: '9000', MCP_MESH_HTTP_PORT: '9100' }).mesh.httpPort).toBe(9100);
  });

  it('trusts X-Forwarded-For from loopback by default and refuses a malformed TRUSTED_PROXIES', () => {
    const { trustedProxies } = loadConfig({});
    expect(trustedProxies.check('127.0.0.1', 'ipv4')).toBe(true);
    expect(trustedProxies.check('::1', 'ipv6')).toBe(true);
    expect(trustedProxies.check('10.0.0.5', 'ipv4')).toBe(false);
    expect(loadConfig({ TRUSTED_PROXIES: 'none' }).trustedProxies.check('127.0.0.1', 'ipv4')).toBe(false);
    expect(() => loadConfig({ TRUSTED_PROXIES: '10.0.0.0/8,nginx,10.0.0.0/40' })).toThrow(
      /TRUSTED_PROXIES.*nginx, 10\.0\.0\.0\/40/,
    );
  });

  it('refuses a bad RATE_LIMIT or port, listing the variable', () => {
    expect(() => loadConfig({ RATE_LIMIT: '0' })).toThrow(/RATE_LIMIT/);
    expect(() => loadConfig({ GATEWAY_PORT: 'eighty' })).toThrow(/GATEWAY_PORT/);
  });

  it('refreshes token keys every 5 minutes and polls revocations every second, within bounds', () => {
    expect(loadConfig({})).toMatchObject({ authKeysRefreshMs: 300_000, authRevocationPollMs: 1_000 });
    expect(loadConfig({ AUTH_REVOCATION_POLL: '250ms' }).authRevocationPollMs).toBe(250);
    expect(() => loadConfig({ AUTH_REVOCATION_POLL: '10ms' })).toThrow(/AUTH_REVOCATION_POLL/);
    expect(() => loadConfig({ AUTH_KEYS_REFRESH: '2h' })).toThrow(/AUTH_KEYS_REFRESH/);
  });
});
