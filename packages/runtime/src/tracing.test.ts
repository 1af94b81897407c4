import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceparent, newTraceContext, silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';

describe('OTLP export', () => {
  const bodies: string[] = [];
  let collector: http.Server;
  let endpoint = '';

  beforeAll(async () => {
    collector = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.url === '/v1/traces') bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    collector.closeAllConnections();
    await new Promise<void>((resolve) => collector.close(() => resolve()));
  });

  it('exports a server span in the caller trace when OTEL_EXPORTER_OTLP_ENDPOINT is set', async () => {
    const agent = defineAgent({ name: 'traced' });
    let seenTraceId = '';
    agent.tool({
      name: 'traced_tool',
      input: z.object({}),
      handler: (_input, ctx) => {
        seenTraceId = ctx.trace.traceId;
        return { ok: true };
      },
    });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl: null, otlpEndpoint: endpoint },
      logger: silentLogger(),
    });
    const parent = newTraceContext();
    const response = await fetch(`${running.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: formatTraceparent(parent) },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'tools/call',
        params: { name: 'traced_tool', arguments: {} },
      }),
    });
    await response.arrayBuffer();
    await running.stop();
    expect(seenTraceId).toBe(parent.traceId);
    await waitFor(async () => (bodies.some((body) => body.includes('tool traced_tool')) ? true : undefined));
    const exported = bodies.find((body) => body.includes('tool traced_tool'))!;
    expect(exported).toContain(parent.traceId);
    expect(exported).toContain('traced');
  });
});
