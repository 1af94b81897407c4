import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLog, createLogger } from '@mesh/common';
import { createTracing } from '@mesh/runtime';
import { FakeMesh, TOKENS } from './test-fake-mesh.js';
import { gatewayServers } from './test-http.js';

const INCOMING = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331' };
const TRACEPARENT = `00-${INCOMING.traceId}-${INCOMING.spanId}-01`;

describe('gateway request spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const servers = gatewayServers();
  const log = captureLog();
  const lines = log.lines;
  const logger = createLogger({
    name: 'api-gateway',
    level: 'debug',
    destination: log.destination,
  });
  let mesh: FakeMesh;
  let base: string;

  beforeEach(async () => {
    mesh = new FakeMesh();
    base = await servers.start(mesh, { tracing: createTracing(provider), logger });
  });
  afterEach(() => {
    exporter.reset();
    lines.length = 0;
  });
  afterAll(async () => {
    await servers.close();
    await provider.shutdown();
  });

  const order = (id: string) => ({
    order_id: id,
    user_id: 'user-1',
    items: [{ sku: 'ITEM-1', quantity: 1 }],
  });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKENS.user1}`, ...headers },
      body: JSON.stringify(body),
    });
  const requestSpan = (): ReadableSpan => {
    const spans = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(spans).toHaveLength(1);
    return spans[0]!;
  };

  it('makes a server span the root of the request, continuing the incoming traceparent', async () => {
    const response = await post('/orders', order('t-1'), { traceparent: TRACEPARENT });
    expect(response.status).toBe(200);
    const span = requestSpan();
    expect(span.name).toBe('POST /orders');
    expect(span.spanContext().traceId).toBe(INCOMING.traceId);
    expect(span.parentSpanContext?.spanId).toBe(INCOMING.spanId);
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/orders',
      'http.response.status_code': 200,
      'order.id': 't-1',
      'mesh.outcome': 'ok',
    });
    // The mesh calls are its children, and the answer names it.
    const call = mesh.calls.find((candidate) => candidate.op === 'processOrder')!;
    expect(call.options.trace).toMatchObject({
      traceId: INCOMING.traceId,
      spanId: span.spanContext().spanId,
    });
    expect(response.headers.get('traceparent')).toBe(
      `00-${INCOMING.traceId}-${span.spanContext().spanId}-01`,
    );
  });

  it('starts a new trace without a traceparent', async () => {
    await post('/orders', order('t-2'));
    const span = requestSpan();
    expect(span.parentSpanContext).toBeUndefined();
  });

  it('ends a declined order with ERROR status and the decline code', async () => {
    mesh.outcome = { code: 'PAYMENT_DECLINED', message: 'card declined' };
    const response = await post('/orders', order('t-3'));
    expect(response.status).toBe(402);
    const span = requestSpan();
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'mesh.outcome': 'PAYMENT_DECLINED',
      'http.response.status_code': 402,
      'order.id': 't-3',
    });
  });

  it('ends a request that failed upstream (503) with ERROR status', async () => {
    mesh.available = { ...mesh.available };
    const response = await fetch(`${base}/products?limit=1`, {
      headers: { traceparent: TRACEPARENT },
    }).then(async (first) => {
      await first.arrayBuffer();
      mesh.productsError = new (await import('@mesh/common')).MeshError('DEPENDENCY_UNAVAILABLE', 'down');
      exporter.reset();
      return fetch(`${base}/products?limit=1`);
    });
    expect(response.status).toBe(503);
    const span = requestSpan();
    expect(span.name).toBe('GET /products');
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes['mesh.outcome']).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('leaves a client error other than a failed order unset, with its code', async () => {
    const response = await fetch(`${base}/users/user-2`, {
      headers: { authorization: `Bearer ${TOKENS.user1}` },
    });
    expect(response.status).toBe(403);
    const span = requestSpan();
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
    expect(span.attributes['mesh.outcome']).toBe('FORBIDDEN');
  });

  it('puts the request span ids on every log line of the request', async () => {
    await post('/orders', order('t-4'), { traceparent: TRACEPARENT });
    const span = requestSpan();
    const request = lines.find((line) => line['msg'] === 'request');
    expect(request).toMatchObject({ trace_id: INCOMING.traceId, span_id: span.spanContext().spanId });
  });
});
