import { randomBytes } from 'node:crypto';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MeshError,
  currentLogContext,
  formatTraceparent,
  newTraceContext,
  parseTraceparent,
} from '@mesh/common';
import { realServerUrl, waitFor } from '@mesh/testkit';
import { createEventBus } from './event-bus.js';
import type { EventBus } from './event-bus.js';

const rabbitmqUrl = realServerUrl('rabbitmq');

describe.skipIf(!rabbitmqUrl)('event bus spans (real RabbitMQ)', () => {
  const buses: EventBus[] = [];
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

  afterAll(async () => {
    for (const bus of buses) await bus.close();
    trace.disable();
    context.disable();
  });

  function isolatedBus(): { bus: EventBus; queue: string } {
    const run = randomBytes(4).toString('hex');
    const bus = createEventBus({ rabbitmqUrl, exchange: `mesh.test.tracing.${run}`, maxAttempts: 1 });
    buses.push(bus);
    return { bus, queue: `mesh.test.tracing.${run}.q` };
  }

  it('hands the handler a child of the publisher trace, in its log context, without span export', async () => {
    const { bus, queue } = isolatedBus();
    const seen: { traceparent?: string | undefined; logTrace?: string | undefined }[] = [];
    await bus.subscribe('orders.*', queue, async (_payload, meta) => {
      seen.push({ traceparent: meta.traceparent, logTrace: currentLogContext()?.traceId });
    });
    const caller = newTraceContext();
    await bus.publish('orders.completed', { order_id: 'o-1' }, { traceparent: formatTraceparent(caller) });
    await waitFor(() => (seen.length > 0 ? true : undefined));
    const handed = parseTraceparent(seen[0]!.traceparent);
    expect(handed?.traceId).toBe(caller.traceId);
    expect(handed?.spanId).not.toBe(caller.spanId);
    expect(seen[0]!.logTrace).toBe(caller.traceId);
  });

  it('makes a producer span in the caller trace and a consumer span whose parent is the message traceparent', async () => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const { bus, queue } = isolatedBus();
    let handed: string | undefined;
    await bus.subscribe('orders.*', queue, async (_payload, meta) => {
      handed = meta.traceparent;
    });
    const caller = newTraceContext();
    await bus.publish(
      'orders.completed',
      { order_id: 'o-2' },
      { traceparent: formatTraceparent(caller), messageId: 'm-2' },
    );
    const consumer = await waitFor(() =>
      exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER),
    );
    const producer = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.PRODUCER)!;
    expect(producer.name).toMatch(/^publish mesh\.test\.tracing\./);
    expect(producer.spanContext().traceId).toBe(caller.traceId);
    expect(producer.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(producer.attributes).toMatchObject({
      'messaging.system': 'rabbitmq',
      'messaging.operation.type': 'send',
      'messaging.rabbitmq.destination.routing_key': 'orders.completed',
      'messaging.message.id': 'm-2',
    });
    expect(consumer.name).toBe(`process ${queue}`);
    expect(consumer.spanContext().traceId).toBe(caller.traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    expect(consumer.parentSpanContext?.isRemote).toBe(true);
    expect(consumer.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.destination.subscription.name': queue,
      'mesh.outcome': 'acked',
    });
    expect(parseTraceparent(handed)?.spanId).toBe(consumer.spanContext().spanId);
  });

  it('ends the consumer span of a dead-lettered message with ERROR', async () => {
    exporter.reset();
    const { bus, queue } = isolatedBus();
    await bus.subscribe('orders.*', queue, async () => {
      throw new MeshError('VALIDATION_FAILED', 'order event without order_id');
    });
    await bus.publish('orders.completed', {});
    const consumer = await waitFor(() =>
      exporter.getFinishedSpans().find((span) => span.kind === SpanKind.CONSUMER),
    );
    expect(consumer.status).toMatchObject({
      code: SpanStatusCode.ERROR,
      message: 'order event without order_id',
    });
    expect(consumer.attributes['mesh.outcome']).toBe('dead_lettered');
  });
});
