import { afterEach, describe, expect, it } from 'vitest';
import http from 'node:http';
import { createTopologyServer } from './topology-server.js';
import type { TopologyServer } from './topology-server.js';
import { TopologySource } from './topology-source.js';

let server: TopologyServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function started(): Promise<{ url: string; source: TopologySource }> {
  const source = new TopologySource({
    registryUrl: 'https://127.0.0.1:8000',
    fetchAgents: async () => [{ id: 'auth-agent-1', name: 'auth-agent', status: 'healthy', endpoint: '' }],
    metrics: { kind: 'replicas', fetch: async () => '' },
    tierOrder: ['core'],
    declared: [{ name: 'auth-agent', tier: 'core', replicas: 1, provides: [], dependsOn: [] }],
  });
  await source.refresh();
  server = createTopologyServer({ source });
  return { url: await server.listen(0), source };
}

/** A GET with a chosen Host header (fetch does not let one set it). */
function get(url: string, host?: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      url,
      { headers: host === undefined ? {} : { host }, timeout: 5000 },
      (response) => {
        let body = '';
        response.on('data', (chunk: Buffer) => (body += chunk.toString()));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'] ?? '', body }),
        );
      },
    );
    request.on('error', reject);
  });
}

describe('the topology server', () => {
  it('serves the page, its script and style from the package, and the snapshot as JSON', async () => {
    const { url } = await started();
    const page = await get(url);
    expect(page.status).toBe(200);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('<script type="module" src="/topology.js">');
    expect((await get(`${url}topology.js`)).type).toContain('text/javascript');
    expect((await get(`${url}topology.css`)).type).toContain('text/css');
    const snapshot = JSON.parse((await get(`${url}api/topology`)).body) as {
      nodes: { name: string; health: string }[];
    };
    expect(snapshot.nodes).toEqual([expect.objectContaining({ name: 'auth-agent', health: 'healthy' })]);
    expect((await get(`${url}nope`)).status).toBe(404);
  });

  it('refuses a Host that is not loopback (a page of another site rebinding its name to 127.0.0.1)', async () => {
    const { url } = await started();
    const answer = await get(`${url}api/topology`, 'evil.example:80');
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
  });

  it('streams the snapshot at once and every changed one after', async () => {
    const { url } = await started();
    const response = await fetch(`${url}api/events`, { signal: AbortSignal.timeout(5000) });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const frames = (): number => text.split('event: topology\n').length - 1;
    for (let i = 0; i < 20 && frames() < 1; i += 1) text += decoder.decode((await reader.read()).value);
    expect(frames()).toBe(1);
    expect(text).toContain('"auth-agent"');
    await reader.cancel();
  });
});
