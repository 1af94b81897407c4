import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadArchitecture } from '../architecture/load.js';
import { Launcher } from '../local/launcher.js';
import { ensureLocalTls, localTlsMode, operatorTls } from './local-tls.js';

const root = fileURLToPath(new URL('../../test-fixtures/valid', import.meta.url));
const arch = loadArchitecture(join(root, 'architecture.yml'), 'architecture.yml');
const home = mkdtempSync(join(tmpdir(), 'meshctl-tls-'));

afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('the local mesh PKI', () => {
  it('is strict unless MCP_MESH_TLS_MODE says off, and names a bad value', () => {
    expect(localTlsMode({})).toBe('strict');
    expect(localTlsMode({ MCP_MESH_TLS_MODE: 'auto' })).toBe('strict');
    expect(localTlsMode({ MCP_MESH_TLS_MODE: 'OFF' })).toBe('off');
    expect(() => localTlsMode({ MCP_MESH_TLS_MODE: 'sometimes' })).toThrow(/expected off, auto or strict/);
  });

  it('issues the registry, every agent and the operator once, 0600, and keeps them on the next start', async () => {
    const first = await ensureLocalTls(arch, root, home, {});
    expect(first.result.caCreated).toBe(true);
    expect(first.result.issued.map((issued) => issued.label)).toEqual([
      'agent/registry',
      'agent/store-agent',
      'agent/shop-agent',
      'agent/web-gateway',
      'operator/meshctl',
    ]);
    expect(statSync(join(home, 'tls', 'agent', 'shop-agent.key')).mode & 0o777).toBe(0o600);
    const second = await ensureLocalTls(arch, root, home, {});
    expect(second.result.issued).toEqual([]);
    expect(operatorTls(home, {})?.cert).toBeDefined();
  });

  it('hands each agent its own certificate, the CA, the trust domain and architecture.yml as the policy', async () => {
    const { tls } = await ensureLocalTls(arch, root, home, { MCP_MESH_TRUST_DOMAIN: 'mesh.local' });
    const settings = { root, home, env: {}, portOffset: 0, timeoutMs: 1000, log: () => undefined };
    const launcher = new Launcher(arch, { ...settings, tls });
    expect(launcher.state.registryUrl).toBe('https://127.0.0.1:18000');
    const env = launcher.agentEnv(arch.agent('shop-agent')!, 4000, 1);
    expect(env).toMatchObject({
      MCP_MESH_TLS_MODE: 'strict',
      MCP_MESH_TLS_CERT: join(home, 'tls', 'agent', 'shop-agent.crt'),
      MCP_MESH_TLS_KEY: join(home, 'tls', 'agent', 'shop-agent.key'),
      MCP_MESH_TLS_CA: join(home, 'tls', 'ca.crt'),
      MCP_MESH_POLICY_FILE: join(root, 'architecture.yml'),
    });
    const plain = new Launcher(arch, settings);
    expect(plain.state.registryUrl).toBe('http://127.0.0.1:18000');
    expect(plain.agentEnv(arch.agent('shop-agent')!, 4000, 1)['MCP_MESH_TLS_MODE']).toBe('off');
  });
});
