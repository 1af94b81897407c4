import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentBody, postJson, startRegistry } from '../test-support.js';
import type { RunningRegistry } from '../test-support.js';

/** Sends the path byte for byte (fetch would resolve its dot segments before sending). */
function rawRequest(url: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', path, headers: { 'content-type': 'application/json' } });
    req.on('response', (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end('{}');
  });
}

describe('/proxy/{host}:{port}/mcp', () => {
  let registry: RunningRegistry;
  let agent: Server;
  let agentPort: number;
  const seen: string[] = [];

  beforeAll(async () => {
    agent = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'secret=1' });
        res.end(
          JSON.stringify({
            jsonrpc: '2.0',
            id: 1,
            result: { echoed: body, trace: req.headers['traceparent'] ?? null },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => agent.listen(0, '127.0.0.1', resolve));
    agentPort = (agent.address() as AddressInfo).port;
    registry = await startRegistry();
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('echo', [{ capability: 'echo' }], { http_port: agentPort }),
    );
  });
  afterAll(async () => {
    await registry.close();
    await new Promise((resolve) => agent.close(resolve));
  });

  it('forwards an MCP call to a registered agent and relays the answer', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const response = await fetch(`${registry.url}/proxy/127.0.0.1:${agentPort}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent, cookie: 'session=abc' },
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('set-cookie')).toBeNull();
    const body = (await response.json()) as { result: { echoed: string; trace: string } };
    expect(body.result).toEqual({
      echoed: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
      trace: traceparent,
    });
  });

  // The official registry (3.7.1, measured) drops the query; we keep it, so a client's parameters are not lost.
  it('keeps the query string on the way to the agent', async () => {
    const response = await fetch(
      `${registry.url}/proxy/127.0.0.1:${agentPort}/mcp?session=s-1&resume=a%20b`,
      {
        method: 'POST',
        body: '{}',
      },
    );
    expect(response.status).toBe(200);
    await response.arrayBuffer();
    expect(seen.at(-1)).toBe('POST /mcp?session=s-1&resume=a%20b');
  });

  it('refuses targets that are not a registered agent endpoint', async () => {
    const response = await fetch(`${registry.url}/proxy/127.0.0.1:1/mcp`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(404);
  });

  it('refuses paths other than /mcp on a registered agent', async () => {
    const before = seen.length;
    for (const path of ['admin', 'mcpx', 'metrics', '']) {
      const response = await fetch(`${registry.url}/proxy/127.0.0.1:${agentPort}/${path}`);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
    }
    expect(seen.length).toBe(before);
  });

  it.each([
    ['../', '/mcp/../admin'],
    ['%2e%2e', '/mcp/%2e%2e/admin'],
    ['%2E%2E%2F', '/mcp/%2E%2E%2Fadmin'],
    ['double-encoded %252e%252e', '/mcp/%252e%252e/admin'],
    ['double-encoded %252E%252E%252F', '/mcp/%252E%252E%252Fadmin'],
    ['a protocol-relative path', '//127.0.0.1:1/mcp'],
  ])('refuses a %s traversal with a 403 naming the path, never reaching the agent', async (_label, path) => {
    const before = seen.length;
    const response = await rawRequest(registry.url, `/proxy/127.0.0.1:${agentPort}${path}`);
    expect(response.status).toBe(403);
    const body = JSON.parse(response.body) as { error: string; details: { code: string } };
    expect(body.details.code).toBe('FORBIDDEN');
    expect(body.error).toContain(path);
    expect(seen.length).toBe(before);
  });

  it('forwards the resolved path when dot segments stay under /mcp', async () => {
    const response = await rawRequest(registry.url, `/proxy/127.0.0.1:${agentPort}/mcp/session/..`);
    expect(response.status).toBe(200);
    expect(seen.at(-1)).toBe('POST /mcp/');
  });

  it('answers 502 when the registered agent is down', async () => {
    await postJson(
      `${registry.url}/heartbeat`,
      agentBody('dead', [{ capability: 'dead' }], { http_port: 1 }),
    );
    const response = await fetch(`${registry.url}/proxy/127.0.0.1:1/mcp`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(502);
  });
});
