import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpRequest } from '@mesh/common';
import { createTestPki } from '@mesh/testkit';
import type { TestPki } from '@mesh/testkit';
import { MeshPolicy, loadTlsMaterial, clientTlsOptions } from '@mesh/trust';
import { createRegistryServer } from '../server.js';
import type { RegistryServer } from '../server.js';
import { agentBody, postJson, freshRegistryEachTest } from '../test-support.js';

describe('GET /v1/sd/prometheus (Prometheus HTTP service discovery)', () => {
  const registry = freshRegistryEachTest();

  it('lists every healthy replica as host:port with its agent, id, namespace and scheme', async () => {
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('user-agent-1', [{ capability: 'user_get' }], { name: 'user-agent', http_port: 9101 }),
    );
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('user-agent-2', [{ capability: 'user_get' }], { name: 'user-agent', http_port: 9102 }),
    );
    await postJson(`${registry.url}/heartbeat`, agentBody('cli-1', [{ capability: 'x' }], { http_port: 0 }));
    const groups = (await (await fetch(`${registry.url}/v1/sd/prometheus`)).json()) as unknown[];
    expect(groups).toEqual([
      {
        targets: ['127.0.0.1:9101'],
        labels: {
          __scheme__: 'http',
          __metrics_path__: '/metrics',
          agent: 'user-agent',
          agent_id: 'user-agent-1',
          namespace: 'default',
        },
      },
      {
        targets: ['127.0.0.1:9102'],
        labels: {
          __scheme__: 'http',
          __metrics_path__: '/metrics',
          agent: 'user-agent',
          agent_id: 'user-agent-2',
          namespace: 'default',
        },
      },
    ]);
  });
});

describe('GET /v1/sd/prometheus in a strict mesh', () => {
  let pki: TestPki;
  let server: RegistryServer;
  let url: string;

  beforeEach(async () => {
    pki = await createTestPki(['registry', 'prometheus', 'user-agent']);
    const policy = new MeshPolicy(pki.trustDomain, [
      { name: 'user-agent', provides: ['user_get'], dependsOn: [] },
    ]);
    server = await createRegistryServer({ config: { tls: pki.settings('registry') }, policy });
    url = (await server.listen(0, '127.0.0.1')).url;
  });
  afterEach(async () => {
    await server.close();
  });
  afterAll(() => pki?.remove());

  it('needs a mesh certificate, and lists https targets', async () => {
    const as = (name: string) => clientTlsOptions(loadTlsMaterial(pki.settings(name)));
    const register = await httpRequest(`${url}/heartbeat`, {
      method: 'POST',
      body: JSON.stringify(agentBody('user-agent-1', [{ capability: 'user_get' }], { name: 'user-agent' })),
      tls: as('user-agent'),
    });
    expect(register.status).toBe(200);
    const anonymous = await httpRequest(`${url}/v1/sd/prometheus`, { tls: { ca: readFileSync(pki.caFile) } });
    expect(anonymous.status).toBe(401);
    const scraper = await httpRequest(`${url}/v1/sd/prometheus`, { tls: as('prometheus') });
    expect(scraper.status).toBe(200);
    expect(JSON.parse(scraper.text)).toEqual([
      expect.objectContaining({
        targets: ['127.0.0.1:9000'],
        labels: expect.objectContaining({ __scheme__: 'https', agent: 'user-agent' }),
      }),
    ]);
  });
});
