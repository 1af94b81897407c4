import { SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import type { Span, SpanContext } from '@opentelemetry/api';
import type { TraceContext } from '@mesh/common';

/**
 * Between the mesh's own W3C trace context (what travels in `traceparent` and log lines) and OpenTelemetry's span
 * context, and the one way a failed span is marked: shared by the runtime, the registry, the event bus and the
 * SMTP channel so their spans agree.
 */

/** OpenTelemetry's span context for `trace`; `isRemote` when it came over the wire (a traceparent header). */
export function toSpanContext(trace: TraceContext, isRemote: boolean): SpanContext {
  return {
    traceId: trace.traceId,
    spanId: trace.spanId,
    traceFlags: trace.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote,
  };
}

/** The mesh trace context of `span` (to propagate, or to put on log lines). */
export function traceContextOf(span: Span): TraceContext {
  const spanContext = span.spanContext();
  return {
    traceId: spanContext.traceId,
    spanId: spanContext.spanId,
    sampled: (spanContext.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED,
  };
}

/** Sets `span`'s status to ERROR with the error's message; the caller still ends the span. */
export function markSpanFailed(span: Span, error: unknown): void {
  span.setStatus({
    code: SpanStatusCode.ERROR,
    message: error instanceof Error ? error.message : String(error),
  });
}
