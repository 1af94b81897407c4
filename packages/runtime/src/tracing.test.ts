import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceparent, newTraceContext, silentLogger } from '@mesh/common';
import { waitFor } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { callTool } from './test-mcp-call.js';

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

describe('OpenTelemetry spans with an in-memory exporter', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const registry = new FakeRegistry();
  const stops: (() => Promise<void>)[] = [];

  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await registry.stop();
    await tracerProvider.shutdown();
  });

  it('links the consumer tool, its client span and the provider tool in the caller trace', async () => {
    const registryUrl = await registry.start();
    const mesh = { registryUrl, healthIntervalMs: 60_000 };
    const provider = defineAgent({ name: 'span-provider' });
    provider.tool({ name: 'pong', capability: 'pong', input: z.object({}), handler: () => ({ pong: true }) });
    const consumer = defineAgent({ name: 'span-consumer' });
    consumer.tool({
      name: 'relay_pong',
      input: z.object({}),
      dependencies: { pong: 'pong' },
      handler: (_input, ctx) => ctx.deps.pong.call({}),
    });
    const options = { app: undefined, mesh, logger: silentLogger(), tracerProvider };
    const providerRunning = await provider.start(options);
    stops.push(() => providerRunning.stop());
    const consumerRunning = await consumer.start(options);
    stops.push(() => consumerRunning.stop());
    const parent = newTraceContext();
    const reply = await callTool(
      consumerRunning.url,
      'relay_pong',
      {},
      { traceparent: formatTraceparent(parent) },
    );
    expect(reply.result?.structuredContent).toEqual({ pong: true });

    const spans = exporter.getFinishedSpans();
    const byName = (name: string): ReadableSpan => {
      const span = spans.find((candidate) => candidate.name === name);
      if (!span) throw new Error(`no span ${name} in ${spans.map((candidate) => candidate.name).join(', ')}`);
      return span;
    };
    const relay = byName('tool relay_pong');
    const client = byName('call pong');
    const served = byName('tool pong');
    expect([relay.kind, client.kind, served.kind]).toEqual([
      SpanKind.SERVER,
      SpanKind.CLIENT,
      SpanKind.SERVER,
    ]);
    for (const span of [relay, client, served]) expect(span.spanContext().traceId).toBe(parent.traceId);
    expect(relay.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(client.parentSpanContext?.spanId).toBe(relay.spanContext().spanId);
    expect(served.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(served.parentSpanContext?.isRemote).toBe(true);
    expect(client.attributes['mesh.provider']).toBe(providerRunning.agentId);
  });
});
