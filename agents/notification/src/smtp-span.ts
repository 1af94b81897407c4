import { SpanKind, trace } from '@opentelemetry/api';
import { markSpanFailed } from '@mesh/telemetry';

/**
 * nodemailer has no maintained OpenTelemetry instrumentation, so each message sent over SMTP gets a CLIENT span
 * of its own here (`smtp send`), a child of the active span (the tool call that asked for the email). It goes to
 * the global tracer provider, which exists only when span export is on; otherwise the span is a no-op.
 */
const tracer = trace.getTracer('@mesh/agent-notification');

export interface SmtpSpanTarget {
  host: string;
  port: number;
  orderId?: string | undefined;
}

/** Runs `send` inside an `smtp send` client span; a failure ends it with ERROR and the SMTP reply code. */
export async function withSmtpSpan<T>(target: SmtpSpanTarget, send: () => Promise<T>): Promise<T> {
  const span = tracer.startSpan('smtp send', {
    kind: SpanKind.CLIENT,
    attributes: {
      'network.protocol.name': 'smtp',
      'server.address': target.host,
      'server.port': target.port,
      ...(target.orderId === undefined ? {} : { 'order.id': target.orderId }),
    },
  });
  try {
    return await send();
  } catch (error: unknown) {
    const responseCode = (error as { responseCode?: unknown }).responseCode;
    if (typeof responseCode === 'number') span.setAttribute('smtp.response.code', responseCode);
    markSpanFailed(span, error);
    throw error;
  } finally {
    span.end();
  }
}
