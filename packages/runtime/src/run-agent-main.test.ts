import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MeshError } from '@mesh/common';
import { startNode, stopAllProcesses, waitFor, waitForAgentUrl } from '@mesh/testkit';
import { defineAgent } from './define-agent.js';
import { meshSettings, runAgentMain } from './run-agent-main.js';
import { FakeRegistry } from './test-fake-registry.js';
import { callTool } from './test-mcp-call.js';

const fixtureMain = fileURLToPath(new URL('../dist/fixtures/main-fixture.js', import.meta.url));

/** Throws instead of exiting, so a test sees the code. */
class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
const exit = (code: number): never => {
  throw new Exited(code);
};

describe('meshSettings', () => {
  it('takes a config that keeps its mesh settings under `mesh` as it is', () => {
    const mesh = { registryUrl: null, httpPort: 0 };
    expect(meshSettings({ mesh })).toBe(mesh);
  });

  it('maps a config that is the parsed mesh environment itself', () => {
    const settings = meshSettings({
      MCP_MESH_REGISTRY_URL: 'http://127.0.0.1:8000/',
      MCP_MESH_HEALTH_INTERVAL: 5000,
      MCP_MESH_LOG_LEVEL: 'debug',
      MCP_MESH_RETRY_ATTEMPTS: 2,
      MCP_MESH_RETRY_DELAY: 100,
      MCP_MESH_DISCOVERY_TIMEOUT: 30_000,
      DEPENDENCY_TIMEOUT: 30_000,
      CIRCUIT_BREAKER_THRESHOLD: 5,
    } as Parameters<typeof meshSettings>[0]);
    expect(settings).toMatchObject({ registryUrl: 'http://127.0.0.1:8000', logLevel: 'debug' });
  });
});

describe('runAgentMain in process', () => {
  const agent = defineAgent<undefined>({ name: 'main-unit' });

  it('exits 1 without building when the configuration is invalid', async () => {
    let built = false;
    const run = runAgentMain({
      agent,
      loadConfig: () => {
        throw new MeshError('CONFIG_INVALID', 'main-unit: invalid configuration:\n  PORT: expected a number');
      },
      build: () => {
        built = true;
        return { app: undefined };
      },
      exit,
    });
    await expect(run).rejects.toEqual(new Exited(1));
    expect(built).toBe(false);
  });

  it('exits 1 when the build fails, before anything listens', async () => {
    const run = runAgentMain({
      agent,
      loadConfig: () => ({ mesh: { registryUrl: null, logLevel: 'silent' as const } }),
      build: () => Promise.reject(new Error('database unreachable')),
      exit,
    });
    await expect(run).rejects.toEqual(new Exited(1));
  });

  it('hands build the parsed configuration and a logger, and closes the services when the start fails', async () => {
    let closed = false;
    let seen: unknown;
    // An address of no local interface (TEST-NET-1): binding it fails, so the start itself fails.
    const run = runAgentMain({
      agent,
      loadConfig: () => ({
        mesh: { registryUrl: null, bindHost: '192.0.2.1', httpPort: 0, logLevel: 'silent' as const },
      }),
      build: (config, logger) => {
        seen = config.mesh.bindHost;
        expect(typeof logger.info).toBe('function');
        return { app: undefined, close: () => void (closed = true) };
      },
      exit,
      exitOnStop: false,
    });
    await expect(run).rejects.toThrow();
    expect(seen).toBe('192.0.2.1');
    expect(closed).toBe(true);
  });
});

describe('runAgentMain as a process', { timeout: 30_000 }, () => {
  const registry = new FakeRegistry();
  let registryUrl = '';

  beforeAll(async () => {
    if (!existsSync(fixtureMain)) throw new Error(`${fixtureMain} is missing: build @mesh/runtime first`);
    registryUrl = await registry.start();
  });

  afterAll(async () => {
    await stopAllProcesses();
    await registry.stop();
  });

  const env = (extra: Record<string, string> = {}): Record<string, string> => ({
    MCP_MESH_REGISTRY_URL: registryUrl,
    MCP_MESH_HTTP_PORT: '0',
    MCP_MESH_HEALTH_INTERVAL: '200ms',
    ...extra,
  });

  it('serves what build returned, runs onStarted, and on SIGTERM stops outside work first, closes last, exits 0', async () => {
    const fixture = startNode(fixtureMain, [], { env: env({ FIXTURE_GREETING: 'hi there' }) });
    const url = await waitForAgentUrl(fixture);
    const reply = await callTool(url, 'fixture_greeting');
    expect(reply.result?.structuredContent).toEqual({ greeting: 'hi there' });
    await waitFor(() => (fixture.output().includes('fixture: started hook') ? true : undefined), {
      timeoutMs: 5000,
      description: 'the onStarted hook',
    });

    expect(await fixture.stop(10_000)).toBe(0);
    const messages = fixture
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => (JSON.parse(line) as { msg: string }).msg);
    const at = (msg: string): number => messages.indexOf(msg);
    const seen = messages.join(' | ');
    expect(at('fixture: outside work stopped'), seen).toBeGreaterThan(-1);
    expect(at('fixture: outside work stopped'), seen).toBeLessThan(at('signal received: shutting down'));
    expect(at('signal received: shutting down'), seen).toBeLessThan(at('fixture: services closed'));
  });

  it('exits 1 naming the variable when the configuration is invalid', async () => {
    const fixture = startNode(fixtureMain, [], { env: env({ MCP_MESH_LOG_LEVEL: 'LOUD' }) });
    expect(await fixture.exited).toBe(1);
    expect(fixture.output()).toContain('main-fixture: invalid configuration');
    expect(fixture.output()).toContain('MCP_MESH_LOG_LEVEL');
  });

  it('exits 1 saying why when the build fails, without listening', async () => {
    const fixture = startNode(fixtureMain, [], { env: env({ FIXTURE_FAIL_BUILD: 'true' }) });
    expect(await fixture.exited).toBe(1);
    expect(fixture.output()).toContain('main-fixture could not prepare its services');
    expect(fixture.output()).toContain('the fixture database is unreachable');
    expect(fixture.output()).not.toContain('agent listening');
  });
});
