import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentInfo } from './registry-client.js';
import { callTool, resolveTool } from './mcp-call.js';

/** A minimal Streamable HTTP MCP server: a session on initialize, answers as SSE. */
function fakeMcpServer(): Server {
  return createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(body) as {
        id?: number;
        method: string;
        params?: { name: string; arguments: { n: number } };
      };
      if (message.id === undefined) return void res.writeHead(202).end();
      if (message.method !== 'initialize' && req.headers['mcp-session-id'] !== 's-1') {
        return void res
          .writeHead(400)
          .end('{"jsonrpc":"2.0","id":null,"error":{"code":-32000,"message":"no session"}}');
      }
      const result =
        message.method === 'initialize'
          ? { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'fake', version: '1' } }
          : {
              content: [{ type: 'text', text: '{}' }],
              structuredContent: { doubled: message.params!.arguments.n * 2 },
            };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 's-1' });
      res.end(`event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result })}\n\n`);
    });
  });
}

describe('call', () => {
  let server: Server;
  let endpoint = '';
  beforeAll(async () => {
    server = fakeMcpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('initializes a session and calls the tool, reading the SSE answer', async () => {
    const result = await callTool(endpoint, 'double', { n: 21 });
    expect(result['structuredContent']).toEqual({ doubled: 42 });
  });

  it('resolves a tool by name first, then by capability, among healthy agents only', () => {
    const agents = [
      {
        id: 'a',
        name: 'x',
        status: 'unhealthy',
        endpoint: 'http://a',
        capabilities: [{ name: 'math', function_name: 'double' }],
      },
      {
        id: 'b',
        name: 'x',
        status: 'healthy',
        endpoint: 'http://b',
        capabilities: [{ name: 'math', function_name: 'double' }],
      },
    ] as AgentInfo[];
    expect(resolveTool(agents, 'double')).toMatchObject({ agentId: 'b', toolName: 'double' });
    expect(resolveTool(agents, 'math')).toMatchObject({ agentId: 'b', toolName: 'double' });
    expect(() => resolveTool(agents, 'nothing')).toThrow('no healthy agent provides nothing');
  });
});
