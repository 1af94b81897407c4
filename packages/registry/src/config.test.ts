import { describe, expect, it } from 'vitest';
import { isMeshError } from '@mesh/common';
import { loadConfig } from './config.js';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error: unknown) {
    if (isMeshError(error, 'CONFIG_INVALID')) return error.data?.['problems'] as string[];
    throw error;
  }
}

describe('loadConfig', () => {
  it('uses the documented defaults', () => {
    expect(loadConfig({})).toEqual({
      port: 8000,
      host: '0.0.0.0',
      databaseUrl: undefined,
      dbPoolMax: 10,
      timeoutThresholdMs: 20_000,
      healthCheckIntervalMs: 10_000,
      evictionThresholdMs: 300_000,
      watchPingIntervalMs: 15_000,
      maxBodyBytes: 1024 * 1024,
      logLevel: 'info',
      tls: { mode: 'off', requested: 'unset', trustDomain: 'mesh.local', reloadIntervalMs: 10_000 },
    });
  });

  it('needs all three certificate files in strict mode, and names each missing one', () => {
    expect(problems({ MCP_MESH_TLS_MODE: 'strict', MCP_MESH_TLS_CERT: '/x.crt' })).toEqual([
      'MCP_MESH_TLS_KEY: required when TLS is on',
      'MCP_MESH_TLS_CA: required when TLS is on',
    ]);
    expect(
      loadConfig({
        MCP_MESH_TLS_MODE: 'STRICT',
        MCP_MESH_TLS_CERT: 'a',
        MCP_MESH_TLS_KEY: 'b',
        MCP_MESH_TLS_CA: 'c',
      }).tls.mode,
    ).toBe('strict');
  });

  it('turns the plain-HTTP probe listener on with MCP_MESH_PROBE_PORT, and names it when it is no port', () => {
    expect(loadConfig({}).probePort).toBeUndefined();
    expect(loadConfig({ MCP_MESH_PROBE_PORT: '8079' }).probePort).toBe(8079);
    expect(problems({ MCP_MESH_PROBE_PORT: '80000' })).toEqual([
      'MCP_MESH_PROBE_PORT: expected an integer from 0 to 65535; got "80000"',
    ]);
  });

  it('takes PORT when MCP_MESH_REGISTRY_PORT is unset, and the specific name over it', () => {
    expect(loadConfig({ PORT: '9000' }).port).toBe(9000);
    expect(loadConfig({ PORT: '9000', MCP_MESH_REGISTRY_PORT: '9100' }).port).toBe(9100);
  });

  it('reads durations in seconds or with units and MCP Mesh log level names', () => {
    const config = loadConfig({
      DEFAULT_TIMEOUT_THRESHOLD: '30',
      HEALTH_CHECK_INTERVAL: '500ms',
      MCP_MESH_LOG_LEVEL: 'WARNING',
    });
    expect(config.timeoutThresholdMs).toBe(30_000);
    expect(config.healthCheckIntervalMs).toBe(500);
    expect(config.logLevel).toBe('warn');
  });

  it('lists every problem by variable name', () => {
    const found = problems({
      MCP_MESH_REGISTRY_PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      HEALTH_CHECK_INTERVAL: 'soon',
      MCP_MESH_LOG_LEVEL: 'loud',
    });
    expect(found.join('\n')).toMatch(/DATABASE_URL/);
    expect(found.join('\n')).toMatch(/HEALTH_CHECK_INTERVAL/);
    expect(found.join('\n')).toMatch(/MCP_MESH_LOG_LEVEL/);
  });

  it('rejects a bad port and an eviction threshold not above the health timeout', () => {
    expect(problems({ PORT: '70000' }).join()).toMatch(/PORT/);
    expect(problems({ EVICTION_THRESHOLD: '10s' }).join()).toMatch(/EVICTION_THRESHOLD/);
  });

  it('exports spans when an OTLP endpoint is set, validating the OTEL_* variables as the agents do', () => {
    expect(loadConfig({}).telemetry).toBeUndefined();
    expect(
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318', OTEL_TRACES_SAMPLER: 'traceidratio' })
        .telemetry,
    ).toMatchObject({
      tracesUrl: 'http://jaeger:4318/v1/traces',
      sampler: { name: 'traceidratio', ratio: 1 },
    });
    expect(problems({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).join()).toMatch(
      /OTEL_EXPORTER_OTLP_PROTOCOL: grpc is not supported/,
    );
  });
});
