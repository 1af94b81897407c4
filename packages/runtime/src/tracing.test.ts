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
import { defaultTelemetrySettings } from '@mesh/telemetry';
import type { TelemetrySettings } from '@mesh/telemetry';
import { startOtlpReceiver, waitFor } from '@mesh/testkit';
import type { OtlpReceiver } from '@mesh/testkit';
import { defineAgent, z } from './index.js';
import { FakeRegistry } from './test-fake-registry.js';
import { callTool } from './test-mcp-call.js';

describe('OTLP export', () => {
  let receiver: OtlpReceiver;
  let upstream: http.Server;
  let upstreamUrl = '';

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // A plain HTTP service a tool calls (as the payment agent calls its gateway).
    upstream = http.createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/charge`;
  });

  afterAll(async () => {
    await receiver.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  async function callTraced(
    name: string,
    telemetry: Partial<TelemetrySettings>,
  ): Promise<{ parent: ReturnType<typeof newTraceContext>; seen: string }> {
    const agent = defineAgent({ name });
    let seen = '';
    agent.tool({
      name: `${name.replace(/-/g, '_')}_tool`,
      input: z.object({}),
      handler: async (_input, ctx) => {
        seen = ctx.trace.traceId;
        // Outbound HTTP inside the tool: with export on, a client span under the tool's span.
        await new Promise<void>((resolve, reject) => {
          http.get(upstreamUrl, (res) => res.resume().on('end', resolve)).on('error', reject);
        });
        return { ok: true };
      },
    });
    const running = await agent.start({
      app: undefined,
      mesh: {
        registryUrl: null,
        telemetry: { ...defaultTelemetrySettings(receiver.url), ...telemetry },
      },
      logger: silentLogger(),
    });
    const parent = newTraceContext();
    await callTool(
      running.url,
      `${name.replace(/-/g, '_')}_tool`,
      {},
      { traceparent: formatTraceparent(parent) },
    );
    await running.stop();
    return { parent, seen };
  }

  it('exports the tool span over OTLP/HTTP protobuf, with the outbound HTTP call as its child', async () => {
    const { parent, seen } = await callTraced('traced-proto', { serviceNamePrefix: 'mesh' });
    expect(seen).toBe(parent.traceId);
    const spans = await waitFor(() => {
      const found = receiver.spans().filter((span) => span.traceId === parent.traceId);
      return found.length >= 2 ? found : undefined;
    });
    expect(receiver.contentTypes.has('application/x-protobuf')).toBe(true);
    const tool = spans.find((span) => span.name === 'tool traced_proto_tool')!;
    expect(tool).toMatchObject({ kind: 'server', service: 'mesh-traced-proto', parentSpanId: parent.spanId });
    const outbound = spans.find((span) => span.kind === 'client')!;
    expect(outbound).toMatchObject({
      name: 'GET',
      parentSpanId: tool.spanId,
      scope: '@opentelemetry/instrumentation-http',
    });
  });

  it('exports OTLP JSON when the protocol is http/json and honours OTEL_SERVICE_NAME', async () => {
    const { parent } = await callTraced('traced-json', { protocol: 'http/json', serviceName: 'checkout' });
    const tool = await waitFor(() =>
      receiver.spans().find((span) => span.traceId === parent.traceId && span.kind === 'server'),
    );
    expect(receiver.contentTypes.has('application/json')).toBe(true);
    expect(tool.service).toBe('checkout');
  });

  it('records nothing for a trace the caller did not sample (parent-based sampler)', async () => {
    const agent = defineAgent({ name: 'unsampled' });
    agent.tool({ name: 'unsampled_tool', input: z.object({}), handler: () => ({ ok: true }) });
    const running = await agent.start({
      app: undefined,
      mesh: { registryUrl: null, telemetry: defaultTelemetrySettings(receiver.url) },
      logger: silentLogger(),
    });
    const parent = { ...newTraceContext(), sampled: false };
    await callTool(running.url, 'unsampled_tool', {}, { traceparent: formatTraceparent(parent) });
    await running.stop();
    expect(receiver.spans().filter((span) => span.traceId === parent.traceId)).toEqual([]);
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
