import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { newTraceContext, withLogContext } from '@mesh/common';
import { createTracing } from '@mesh/runtime';
import { EventBatcher } from './event-batcher.js';
import { MemoryOrderEventStore } from './event-store.js';
import { normalizeEvent } from './order-event.js';

describe('event batcher spans', () => {
  it('writes a batch in one span that links to the span of every event in it', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const batcher = new EventBatcher({
      store: new MemoryOrderEventStore(),
      batchSize: 10,
      intervalMs: 60_000,
      tracing: createTracing(provider),
    });
    const first = newTraceContext();
    const second = newTraceContext();
    const stored = Promise.all([
      withLogContext(first, () =>
        batcher.store(normalizeEvent({ type: 'order_completed', order_id: 'o-1' })),
      ),
      withLogContext(second, () =>
        batcher.store(normalizeEvent({ type: 'order_completed', order_id: 'o-2' })),
      ),
    ]);
    expect(await stored).toEqual(['stored', 'stored']);
    const span = exporter
      .getFinishedSpans()
      .find((candidate) => candidate.name === 'analytics write order_events')!;
    expect(span.attributes).toMatchObject({ 'mesh.batch.size': 2, 'mesh.rows_written': 2 });
    expect(span.links.map((link) => link.context.traceId).sort()).toEqual(
      [first.traceId, second.traceId].sort(),
    );
    await batcher.stop();
  });
});
