import { describe, expect, it } from 'vitest';
import { MeshError, parseEnvConfig } from '@mesh/common';
import { meshEnvSchema, resolveMeshConfig, toMeshConfig } from './config.js';

describe('meshEnvSchema and toMeshConfig', () => {
  it('applies the documented defaults when nothing is set', () => {
    const config = resolveMeshConfig({}, toMeshConfig(parseEnvConfig(meshEnvSchema, {}, 'test')));
    expect(config).toMatchObject({
      registryUrl: 'http://localhost:8000',
      httpHost: '127.0.0.1',
      bindHost: '127.0.0.1',
      httpPort: 0,
      namespace: 'default',
      healthIntervalMs: 5000,
      logLevel: 'info',
      dependencyTimeoutMs: 30_000,
      circuitBreakerThreshold: 5,
      maxConnectionsPerProvider: 32,
    });
    expect(config.agentId).toBeUndefined();
    expect(config.probePort).toBeUndefined();
  });

  it('turns the probe listener on with MCP_MESH_PROBE_PORT and names the variable when it is no port', () => {
    const parse = (value: string) =>
      toMeshConfig(parseEnvConfig(meshEnvSchema, { MCP_MESH_PROBE_PORT: value }, 'test')).probePort;
    expect(parse('8079')).toBe(8079);
    expect(parse('')).toBeUndefined();
    for (const bad of ['probe', '65536', '-1'])
      expect(() => parse(bad), bad).toThrow(/MCP_MESH_PROBE_PORT: expected an integer from 0 to 65535/);
  });

  it('reads MCP Mesh names, durations and levels', () => {
    const env = {
      MCP_MESH_REGISTRY_URL: 'http://registry:8000/',
      MCP_MESH_HTTP_HOST: 'order-agent',
      MCP_MESH_BIND_HOST: '0.0.0.0',
      MCP_MESH_HTTP_PORT: '8080',
      MCP_MESH_AGENT_ID: 'order-agent-1',
      MCP_MESH_HEALTH_INTERVAL: '2',
      MCP_MESH_LOG_LEVEL: 'WARNING',
      MCP_MESH_RETRY_DELAY: '250ms',
      DEPENDENCY_TIMEOUT: '10s',
      CIRCUIT_BREAKER_THRESHOLD: '7',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
    };
    const config = resolveMeshConfig({}, toMeshConfig(parseEnvConfig(meshEnvSchema, env, 'test')));
    expect(config).toMatchObject({
      registryUrl: 'http://registry:8000',
      httpHost: 'order-agent',
      bindHost: '0.0.0.0',
      httpPort: 8080,
      agentId: 'order-agent-1',
      healthIntervalMs: 2000,
      logLevel: 'warn',
      retryDelayMs: 250,
      dependencyTimeoutMs: 10_000,
      circuitBreakerThreshold: 7,
      telemetry: { tracesUrl: 'http://jaeger:4318/v1/traces', protocol: 'http/protobuf' },
    });
  });

  it('lets env override the agent declaration, and the declaration override defaults', () => {
    const declared = { httpPort: 9100, namespace: 'shop' };
    expect(resolveMeshConfig(declared, {})).toMatchObject({ httpPort: 9100, namespace: 'shop' });
    expect(resolveMeshConfig(declared, { httpPort: 9200 })).toMatchObject({
      httpPort: 9200,
      namespace: 'shop',
    });
  });

  it('fails with one CONFIG_INVALID error naming every bad variable', () => {
    const env = { MCP_MESH_HTTP_PORT: 'eighty', MCP_MESH_LOG_LEVEL: 'LOUD', MCP_MESH_AGENT_ID: 'bad id!' };
    let caught: unknown;
    try {
      parseEnvConfig(meshEnvSchema, env, 'test');
    } catch (error: unknown) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MeshError);
    const message = (caught as MeshError).message;
    expect((caught as MeshError).code).toBe('CONFIG_INVALID');
    for (const name of ['MCP_MESH_HTTP_PORT', 'MCP_MESH_LOG_LEVEL', 'MCP_MESH_AGENT_ID'])
      expect(message).toContain(name);
  });

  it('takes MCP_MESH_AGENT_VERSION as the registered version only when it is semantic', () => {
    const env = (value: string) => parseEnvConfig(meshEnvSchema, { MCP_MESH_AGENT_VERSION: value }, 'test');
    expect(toMeshConfig(env('2.0.0-rc.1')).agentVersion).toBe('2.0.0-rc.1');
    for (const bad of ['2.0', 'v2.0.0', 'latest', '02.0.0'])
      expect(() => env(bad)).toThrow(/MCP_MESH_AGENT_VERSION.*semantic version/);
  });

  it('bounds the connections per provider from MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER or code, naming a bad value', () => {
    const fromEnv = (value: string) =>
      toMeshConfig(parseEnvConfig(meshEnvSchema, { MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER: value }, 'test'))
        .maxConnectionsPerProvider;
    expect(fromEnv('16')).toBe(16);
    for (const bad of ['0', '1025', 'many', '2.5'])
      expect(() => fromEnv(bad), bad).toThrow(
        /MCP_MESH_MAX_CONNECTIONS_PER_PROVIDER: expected an integer from 1 to 1024/,
      );
    expect(resolveMeshConfig({ maxConnectionsPerProvider: 8 }).maxConnectionsPerProvider).toBe(8);
    for (const bad of [0, -1, 1.5, Number.NaN, 5000]) {
      let error: unknown;
      try {
        resolveMeshConfig({}, { maxConnectionsPerProvider: bad });
      } catch (caught: unknown) {
        error = caught;
      }
      expect(error, String(bad)).toBeInstanceOf(MeshError);
      expect((error as MeshError).code).toBe('CONFIG_INVALID');
      expect((error as MeshError).message).toMatch(
        /maxConnectionsPerProvider .* must be an integer from 1 to 1024/,
      );
    }
  });
});
