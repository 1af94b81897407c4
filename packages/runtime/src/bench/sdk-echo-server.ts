// Baseline (b): the same tool on the official MCP SDK's stateless Streamable HTTP server, set up as the SDK
// documents it for stateless use (a fresh server and transport per request, JSON responses).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown));
    req.on('error', reject);
  });
}

const server = http.createServer((req, res) => {
  void (async () => {
    const body = await readJson(req);
    const mcp = new McpServer({ name: 'sdk-echo', version: '1.0.0' });
    mcp.registerTool('echo', { inputSchema: { n: z.number().int() } }, ({ n }) => ({
      content: [{ type: 'text', text: JSON.stringify({ n }) }],
      structuredContent: { n },
    }));
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  })().catch(() => {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  process.stdout.write(`LISTENING ${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
