import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTraceparent, newTraceContext } from '@mesh/common';
import { agentBody, head, startRegistry } from '../test-support.js';
import type { RunningRegistry } from '../test-support.js';

describe('registry request spans', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ tracerProvider });
  });
  afterAll(async () => {
    await registry.close();
    await tracerProvider.shutdown();
  });

  it('records a server span per request in the caller trace, named by route', async () => {
    const caller = newTraceContext();
    const response = await fetch(`${registry.url}/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: formatTraceparent(caller) },
      body: JSON.stringify(agentBody('traced-1', [{ capability: 'echo' }])),
    });
    expect(response.status).toBe(200);
    await head(`${registry.url}/heartbeat/traced-1`);
    await (await fetch(`${registry.url}/agents/nobody`, { method: 'DELETE' })).arrayBuffer();
    const spans = exporter.getFinishedSpans();
    const post = spans.find((span) => span.name === 'POST /heartbeat')!;
    expect(post.kind).toBe(SpanKind.SERVER);
    expect(post.spanContext().traceId).toBe(caller.traceId);
    expect(post.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(post.attributes).toMatchObject({ 'http.route': '/heartbeat', 'http.response.status_code': 200 });
    expect(spans.map((span) => span.name)).toContain('HEAD /heartbeat/{agent_id}');
    const missing = spans.find((span) => span.name === 'DELETE /agents/{agent_id}')!;
    expect(missing.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('records nothing for probes and scrapes', async () => {
    exporter.reset();
    await (await fetch(`${registry.url}/health`)).arrayBuffer();
    await (await fetch(`${registry.url}/metrics`)).arrayBuffer();
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
