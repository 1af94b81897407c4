import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@mesh/testkit';
import type { AgentInfo } from './registry-client.js';
import { callTool, resolveTool } from './mcp-call.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A stateless MCP provider (as mesh agents are): `double` doubles, `fail` is a business error. */
function provider(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const message = JSON.parse(body) as { id: number; params: { name: string; arguments: { n?: number } } };
      const result =
        message.params.name === 'fail'
          ? {
              isError: true,
              content: [
                { type: 'text', text: '{"error":{"code":"NOT_FOUND","message":"user user-999 not found"}}' },
              ],
              structuredContent: { error: { code: 'NOT_FOUND', message: 'user user-999 not found' } },
            }
          : message.params.name === 'greet'
            ? { content: [{ type: 'text', text: 'hello there' }] }
            : {
                content: [{ type: 'text', text: '{}' }],
                structuredContent: { doubled: (message.params.arguments.n ?? 0) * 2 },
              };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
}

const agentInfo = (id: string, endpoint: string, status = 'healthy'): AgentInfo => ({
  id,
  name: 'math-agent',
  status,
  endpoint,
  capabilities: [
    { name: 'math', function_name: 'double' },
    { name: 'failing', function_name: 'fail' },
    { name: 'greeting', function_name: 'greet' },
  ],
  total_dependencies: 0,
  dependencies_resolved: 0,
});

const listen = async (server: Server): Promise<string> => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
};

function meshctl(
  registryUrl: string,
  ...args: string[]
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args, '--registry-url', registryUrl, '--root', tmpdir()], {
      env: { ...process.env, MESH_HOME: join(tmpdir(), 'meshctl-call-none'), MCP_MESH_TLS_MODE: 'off' },
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

describe('meshctl call', () => {
  const servers: Server[] = [];
  let endpoint = '';
  let registryUrl = '';
  let dead = '';

  beforeAll(async () => {
    const math = provider();
    servers.push(math);
    endpoint = await listen(math);
    dead = `http://127.0.0.1:${await freePort()}`;
    // A registry answering GET /agents: two replicas, one of them gone (its port refuses), one stale.
    const registry = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          agents: [
            agentInfo('math-dead', dead),
            agentInfo('math-live', endpoint),
            agentInfo('math-old', endpoint, 'unhealthy'),
          ],
        }),
      );
    });
    servers.push(registry);
    registryUrl = await listen(registry);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  it('resolves every healthy replica of a tool (by tool name first, then capability)', () => {
    const agents = [
      agentInfo('a', 'http://a', 'unhealthy'),
      agentInfo('b', 'http://b'),
      agentInfo('c', 'http://c'),
    ];
    expect(resolveTool(agents, 'double')).toEqual({
      tool: 'double',
      capability: 'math',
      providers: [
        { agentId: 'b', endpoint: 'http://b', functionName: 'double', idempotent: false },
        { agentId: 'c', endpoint: 'http://c', functionName: 'double', idempotent: false },
      ],
    });
    // A tool registered with kwargs { idempotent: true } is safe for the runtime client to retry.
    const declared = agentInfo('d', 'http://d');
    declared.capabilities[0] = { name: 'math', function_name: 'double', kwargs: { idempotent: true } };
    expect(resolveTool([declared], 'double').providers[0]?.idempotent).toBe(true);
    expect(resolveTool(agents, 'math').providers.map((p) => p.functionName)).toEqual(['double', 'double']);
    expect(() => resolveTool(agents, 'nothing')).toThrow('no healthy agent provides nothing');
  });

  it('calls through the runtime client, failing over from a replica that is gone', async () => {
    const target = resolveTool([agentInfo('x', dead), agentInfo('y', endpoint)], 'double');
    for (let i = 0; i < 3; i += 1) {
      expect(await callTool(target, { n: 21 }, { registryUrl: 'http://unused', viaProxy: false })).toEqual({
        doubled: 42,
      });
    }
  });

  it('prints the result, not the JSON-RPC envelope, and plain text as text', async () => {
    const doubled = await meshctl(registryUrl, 'call', 'double', '{"n":21}');
    expect(doubled.code, doubled.err).toBe(0);
    expect(JSON.parse(doubled.out)).toEqual({ doubled: 42 });
    expect(doubled.out).not.toContain('jsonrpc');
    expect(doubled.out).not.toContain('structuredContent');
    const text = await meshctl(registryUrl, 'call', 'greet');
    expect(text.out).toBe('hello there\n');
  });

  it('prints machine-readable JSON with --json, for results and errors alike', async () => {
    const doubled = await meshctl(registryUrl, 'call', 'double', '{"n":2}', '--json');
    expect(JSON.parse(doubled.out)).toEqual({ ok: true, tool: 'double', result: { doubled: 4 } });
    const failed = await meshctl(registryUrl, 'call', 'fail', '{}', '--json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out)).toMatchObject({
      ok: false,
      tool: 'fail',
      error: { code: 'NOT_FOUND', message: 'user user-999 not found' },
    });
  });

  it("says the remote error with its code, the runtime's way, and exits 1", async () => {
    const failed = await meshctl(registryUrl, 'call', 'fail');
    expect(failed.code).toBe(1);
    expect(failed.out).toBe('');
    expect(failed.err.trim()).toBe('meshctl: NOT_FOUND: user user-999 not found');
    const bad = await meshctl(registryUrl, 'call', 'double', '{not json');
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^meshctl: VALIDATION_FAILED: arguments are not a JSON object/);
  });
});
