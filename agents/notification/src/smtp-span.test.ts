import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpSink, type SmtpSink } from '@mesh/sandboxes';
import { freePort } from '@mesh/testkit';
import { SmtpChannel } from './smtp-channel.js';

describe('SMTP client spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let sink: SmtpSink;
  let smtpPort: number;

  beforeAll(async () => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    sink = createSmtpSink();
    smtpPort = (await sink.listen({ host: '127.0.0.1', smtpPort: 0, httpPort: 0 })).smtpPort;
  });
  afterAll(async () => {
    await sink.close();
    trace.disable();
    context.disable();
  });

  const channel = (port: number) =>
    new SmtpChannel({
      host: '127.0.0.1',
      port,
      secure: false,
      from: 'shop@example.com',
      poolSize: 1,
      timeoutMs: 500,
    });

  it('sends each message inside an smtp send client span, a child of the active span', async () => {
    const email = channel(smtpPort);
    const parent = trace.getTracer('test').startSpan('tool notification_send_email');
    await context.with(trace.setSpan(context.active(), parent), () =>
      email.send({
        to: 'user-1@example.com',
        subject: 'hi',
        text: 'hello',
        messageId: 'm-1',
        orderId: 'o-1',
      }),
    );
    parent.end();
    await email.close();
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === 'smtp send')!;
    expect(span.kind).toBe(SpanKind.CLIENT);
    expect(span.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(span.attributes).toMatchObject({
      'network.protocol.name': 'smtp',
      'server.address': '127.0.0.1',
      'server.port': smtpPort,
      'order.id': 'o-1',
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('ends the span with ERROR when the server cannot be reached', async () => {
    exporter.reset();
    const email = channel(await freePort());
    await expect(
      email.send({ to: 'user-1@example.com', subject: 'hi', text: 'hello', messageId: 'm-2' }),
    ).rejects.toThrow();
    await email.close();
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === 'smtp send')!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
  });
});
