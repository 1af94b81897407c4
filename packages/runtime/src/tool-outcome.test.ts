import { SpanStatusCode } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '@mesh/common';
import { defineAgent, z } from './index.js';
import { callTool } from './test-mcp-call.js';
import { sampleValue, scrape } from './test-metrics.js';

/**
 * A business failure that a tool answers with a result (a declined charge, a failed order) rather than an
 * error: the caller still gets the result, but metrics and spans must not call it ok.
 */
describe('tool outcome of a business failure returned as a result', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const agent = defineAgent({ name: 'charging' });
  agent.tool({
    name: 'charge',
    input: z.object({ card: z.string() }),
    output: z.object({ status: z.enum(['succeeded', 'declined']), decline_code: z.string().optional() }),
    outcome: (result) => (result.status === 'declined' ? 'PAYMENT_DECLINED' : undefined),
    handler: ({ card }) =>
      card === 'bad'
        ? { status: 'declined' as const, decline_code: 'card_declined' }
        : { status: 'succeeded' as const },
  });
  const started = agent.start({
    app: undefined,
    mesh: { registryUrl: null },
    logger: silentLogger(),
    tracerProvider,
  });

  afterAll(async () => {
    await (await started).stop();
    await tracerProvider.shutdown();
  });

  it('counts a declined charge with its code and ends its span with ERROR, the result unchanged', async () => {
    const running = await started;
    const reply = await callTool(running.url, 'charge', { card: 'bad' });
    expect(reply.result?.isError).toBeUndefined();
    expect(reply.result?.structuredContent).toEqual({ status: 'declined', decline_code: 'card_declined' });

    const metrics = await scrape(running.url);
    expect(
      sampleValue(metrics, 'mesh_tool_calls_total', { tool: 'charge', outcome: 'PAYMENT_DECLINED' }),
    ).toBe(1);
    expect(sampleValue(metrics, 'mesh_tool_calls_total', { tool: 'charge', outcome: 'ok' })).toBe(0);
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === 'tool charge');
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(span?.attributes['mesh.outcome']).toBe('PAYMENT_DECLINED');
  });

  it('counts a successful charge as ok with an unset span status', async () => {
    const running = await started;
    exporter.reset();
    await callTool(running.url, 'charge', { card: 'good' });
    const metrics = await scrape(running.url);
    expect(sampleValue(metrics, 'mesh_tool_calls_total', { tool: 'charge', outcome: 'ok' })).toBe(1);
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === 'tool charge');
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    expect(span?.attributes['mesh.outcome']).toBe('ok');
  });
});
