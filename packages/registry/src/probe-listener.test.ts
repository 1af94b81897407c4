import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestPki } from '@mesh/testkit';
import type { TestPki } from '@mesh/testkit';
import { MeshPolicy } from '@mesh/trust';
import { createRegistryServer } from './server.js';
import type { RegistryServer } from './server.js';

describe('the registry without a probe port', () => {
  it('opens no probe listener', async () => {
    const server = await createRegistryServer({ healthMonitor: false });
    try {
      expect((await server.listen(0, '127.0.0.1')).probePort).toBeUndefined();
    } finally {
      await server.close();
    }
  });
});

describe('the probe listener of a strict registry (MCP_MESH_PROBE_PORT)', () => {
  let pki: TestPki;
  let server: RegistryServer;
  let url: string;
  let probe: string;

  beforeAll(async () => {
    pki = await createTestPki(['registry']);
    server = await createRegistryServer({
      config: { tls: pki.settings('registry'), probePort: 0 },
      policy: new MeshPolicy(pki.trustDomain, []),
      healthMonitor: false,
    });
    const listening = await server.listen(0, '127.0.0.1');
    url = listening.url;
    probe = `http://127.0.0.1:${listening.probePort}`;
  });
  afterAll(async () => {
    await server?.close();
    pki?.remove();
  });

  it('answers /health in plain HTTP, without a client certificate, as the TLS port does', async () => {
    expect(url).toMatch(/^https:/);
    const response = await fetch(`${probe}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'healthy', service: 'mcp-mesh-registry' });
    expect((await fetch(`${probe}/health`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers /ready as /health, so the image-wide check fits the registry too', async () => {
    const response = await fetch(`${probe}/ready`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'healthy' });
  });

  it('serves nothing but the probe: the registry API stays behind mTLS', async () => {
    for (const path of ['/agents', '/heartbeat', '/metrics', '/v1/sd/prometheus', '/'])
      expect((await fetch(`${probe}${path}`)).status, path).toBe(404);
    expect((await fetch(`${probe}/heartbeat`, { method: 'POST', body: '{}' })).status).toBe(404);
  });

  it('closes with the registry', async () => {
    await server.close();
    await expect(fetch(`${probe}/health`)).rejects.toThrow();
  });
});
